"""The field's standard statistical forecasters as baselines, fit on the train block only.

Each is fit once on the train rows; its one-step forecast of every later row then comes
from the observations up to that row's origin with the parameters frozen (no refit; the
states are updated with the actual values), the way a forecaster would run it in production.
Seasonal profiles come only from rows before the origin: statsforecast's own ``forward``
re-decomposes the whole series with two-sided smoothers (classical decomposition for Theta,
STL for MSTL), so its "fitted" values would see the future, and it is not used for those two.

Every function takes the series in original units and ``train_end`` (the first row not
used for fitting) and returns a float64 array of one-step forecasts for every row, NaN
where none exists (the first rows).
"""

from __future__ import annotations

import os
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass

# Compiled statsforecast kernels are cached on disk, so the second run skips numba compilation.
os.environ.setdefault("NIXTLA_NUMBA_CACHE", "1")

import numpy as np
from statsforecast import theta as theta_core
from statsforecast.models import MSTL, AutoETS, AutoTheta, _predict_mstl_seas
from statsforecast.mstl import mstl

from stages.baselines import STATISTICAL_NAMES as NAMES

MSTL_HISTORY_SEASONS = 6  # the seasonal profile is re-estimated from this many of the longest seasons
ETS_MAX_SEASON = 24  # statsforecast's ETS models no longer seasons; longer ones are left to Theta and MSTL


@dataclass(frozen=True)
class Fitted:
    """One statistical baseline's forecasts of every row, or why it was skipped."""

    name: str
    forecast: np.ndarray | None
    description: str
    seconds: float
    skipped: str = ""


def ets_forecasts(series: np.ndarray, train_end: int, season: int) -> tuple[np.ndarray, str]:
    """AutoETS (model, damping and parameters chosen by AICc on train), states filtered through every later row."""
    model = AutoETS(season_length=season if 1 < season <= ETS_MAX_SEASON else 1).fit(series[:train_end])
    fitted = model.forward(y=series, h=1, fitted=True)["fitted"]
    return np.asarray(fitted, dtype=np.float64), str(model.model_["method"])


def _periodic(profile: np.ndarray, rows: int) -> np.ndarray:
    """``profile`` (one value per phase, the first for the first row) repeated over ``rows`` rows."""
    return profile[np.arange(rows) % len(profile)]


def theta_forecasts(series: np.ndarray, train_end: int, season: int) -> tuple[np.ndarray, str]:
    """Dynamic optimised Theta with its seasonal test and classical decomposition on train; the profile is then held fixed.

    The dynamic model updates its trend coefficients with each observation; the standard
    theta models' fitted values in statsforecast depend on the whole series passed, later
    rows included, so they are not used. On the train rows this equals the library's
    in-sample fitted values; later rows are deseasonalised with the train block's last
    season, repeated.
    """
    model = AutoTheta(season_length=season, model="DOTM").fit(series[:train_end])
    fit = model.model_
    description = f"Theta ({fit['modeltype']})"
    if not fit.get("decompose", False):
        frozen = theta_core.forward_theta({**fit, "m": 1}, y=series)
        return series - frozen["residuals"], description
    kind = fit["decomposition_type"]
    insample = theta_core.seasonal_decompose(series[:train_end], model=kind, period=season).seasonal
    ahead = np.asarray(fit["seas_forecast"]["mean"], dtype=np.float64)  # the train block's last season
    seasonal = np.concatenate([insample, _periodic(ahead, len(series) - train_end)])
    adjusted = series - seasonal if kind == "additive" else series / seasonal
    frozen = theta_core.forward_theta({**fit, "m": 1}, y=adjusted)
    level = adjusted - frozen["residuals"]
    forecast = level + seasonal if kind == "additive" else level * seasonal
    return forecast, f"{description}, {kind} seasonal profile of period {season} from the train block"


def mstl_forecasts(series: np.ndarray, train_end: int, seasons: tuple[int, ...]) -> tuple[np.ndarray, str]:
    """MSTL with an AutoETS trend: ETS parameters from train, seasonal profiles re-estimated once per longest season.

    Re-estimating the STL decomposition at every origin costs minutes; once per longest
    season (a week for sub-daily data), from the last few such seasons before that origin,
    keeps the profiles current at a small cost. Between refreshes the profiles are held fixed
    and the ETS trend is filtered with the actual values.
    """
    model = MSTL(season_length=list(seasons), trend_forecaster=AutoETS(model="ZZN")).fit(series[:train_end])
    trend = model.trend_forecaster
    step, history = max(seasons), MSTL_HISTORY_SEASONS * max(seasons)
    forecast = np.full(len(series), np.nan)
    for origin in range(train_end, len(series), step):
        end = min(origin + step, len(series))
        past = mstl(x=series[max(0, origin - history) : origin], period=list(seasons))
        seasonal = np.asarray(_predict_mstl_seas(past, h=end - origin, season_length=list(seasons)), dtype=np.float64)
        adjusted = np.concatenate([past[["trend", "remainder"]].sum(axis=1).to_numpy(), series[origin:end] - seasonal])
        fitted = trend.forward(y=adjusted, h=1, fitted=True)["fitted"]
        forecast[origin:end] = fitted[-(end - origin) :] + seasonal
    method = str(trend.model_["method"])
    return (
        forecast,
        f"MSTL (periods {', '.join(map(str, seasons))}) with an {method} trend; profiles refreshed every {step} steps",
    )


def _needs(rows: int, minimum: int, what: str) -> str:
    return f"{what} needs at least {minimum} train rows, the train block has {rows}" if rows < minimum else ""


def plan(train_rows: int, season: int, seasons: tuple[int, ...], horizon: int) -> dict[str, str]:
    """Each baseline's reason to be skipped on this series ('' = it runs)."""
    if horizon != 1:
        reason = f"statistical baselines forecast one step ahead; horizon is {horizon}"
        return dict.fromkeys(NAMES, reason)
    reasons = {
        "ets": _needs(train_rows, 2 * season + 2 if 1 < season <= ETS_MAX_SEASON else 10, "ETS"),
        "theta": _needs(train_rows, 2 * season + 4, "Theta"),
        "mstl": "",
    }
    if len(seasons) < 2:
        reasons["mstl"] = "MSTL is for several seasonal periods (sub-daily data: a day and a week); this series has " + (
            f"one ({seasons[0]})" if seasons else "none"
        )
    else:
        reasons["mstl"] = _needs(train_rows, 2 * max(seasons), "MSTL")
    return reasons


def bridge_gaps(series: np.ndarray) -> tuple[np.ndarray, int]:
    """Missing values linearly bridged so the models' states can pass over them, and how many there were.

    The bridged values only carry the state forward: a missing row is never a target, so no
    forecast is ever scored against one.
    """
    missing = np.isnan(series)
    if not missing.any():
        return series, 0
    rows = np.arange(len(series))
    return np.interp(rows, rows[~missing], series[~missing]), int(missing.sum())


def fit_all(series: np.ndarray, train_end: int, season: int, seasons: tuple[int, ...], horizon: int = 1) -> list[Fitted]:
    """Every statistical baseline, fit on ``series[:train_end]``; one that cannot be fit is skipped with the reason.

    ``series`` has no missing value (see :func:`bridge_gaps`).
    """
    runners: dict[str, Callable[[], tuple[np.ndarray, str]]] = {
        "ets": lambda: ets_forecasts(series, train_end, season),
        "theta": lambda: theta_forecasts(series, train_end, season),
        "mstl": lambda: mstl_forecasts(series, train_end, seasons),
    }
    results = []
    for name, reason in plan(train_end, season, seasons, horizon).items():
        started = time.perf_counter()
        if reason:
            results.append(Fitted(name, None, "", 0.0, reason))
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                forecast, description = runners[name]()
        except Exception as err:
            results.append(Fitted(name, None, "", time.perf_counter() - started, f"could not be fit: {err}"))
            continue
        seconds = time.perf_counter() - started
        later = forecast[train_end:]
        if not np.all(np.isfinite(later)):
            results.append(Fitted(name, None, description, seconds, "non-finite forecasts after the train block"))
            continue
        results.append(Fitted(name, forecast, description, seconds))
    return results
