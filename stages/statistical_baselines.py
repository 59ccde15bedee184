"""The field's standard statistical forecasters as baselines, fit on the train block only.

Each is fit once on the train rows; its one-step forecast of every later row then comes
from the observations up to that row's origin with the parameters frozen (no refit; the
states are updated with the actual values), the way a forecaster would run it in production.
Seasonal profiles come only from rows before the origin: statsforecast's own ``forward``
re-decomposes the whole series with two-sided smoothers (classical decomposition for Theta,
STL for MSTL), so its "fitted" values would see the future, and it is not used for those two.

Every function takes the series in original units, ``train_end`` (the first row not used
for fitting) and ``horizon``, and returns a float64 array of shape (rows, horizon) indexed by
forecast origin: row ``o`` holds the forecasts of rows ``o + 1 … o + horizon`` made from the
observations up to and including row ``o``, NaN for origins before the train block's last row.
Multi-step forecasts run the frozen model's state recursion forward with no new observation,
which is the library's own point forecast from that state.
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
from statsforecast import ets as ets_core
from statsforecast import theta as theta_core
from statsforecast._lib import theta as theta_kernel
from statsforecast.models import MSTL, AutoETS, AutoTheta, _predict_mstl_seas
from statsforecast.mstl import mstl

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


def _by_origin(rows: int, horizon: int) -> np.ndarray:
    return np.full((rows, horizon), np.nan)


def ets_paths(fit: dict, series: np.ndarray, origins: range, horizon: int) -> np.ndarray:
    """A frozen ETS model's forecasts from each origin: states filtered through the actual values up to it."""
    states = ets_core.forward_ets(fit, series)["states"]  # states[t]: after observing rows 0 … t-1
    paths = _by_origin(len(series), horizon)
    for origin in origins:
        paths[origin] = ets_core.pegelsfcast_C(horizon, {**fit, "states": states[origin + 1 : origin + 2]})
    return paths


def ets_forecasts(series: np.ndarray, train_end: int, season: int, horizon: int = 1) -> tuple[np.ndarray, str]:
    """AutoETS (model, damping and parameters chosen by AICc on train), states filtered through every later row."""
    model = AutoETS(season_length=season if 1 < season <= ETS_MAX_SEASON else 1).fit(series[:train_end])
    paths = ets_paths(model.model_, series, range(train_end - 1, len(series)), horizon)
    return paths, str(model.model_["method"])


def _periodic(profile: np.ndarray, rows: int) -> np.ndarray:
    """``profile`` (one value per phase, the first for the first row) repeated over ``rows`` rows."""
    return profile[np.arange(rows) % len(profile)]


def _theta_paths(fit: dict, adjusted: np.ndarray, origins: range, horizon: int) -> np.ndarray:
    states = theta_core.forward_theta({**fit, "m": 1}, y=adjusted)["states"]  # states[t]: after observing row t
    kind = theta_core.switch_theta(fit["modeltype"])
    alpha, theta = fit["par"]["alpha"], fit["par"]["theta"]
    paths = _by_origin(len(adjusted), horizon)
    for origin in origins:
        theta_kernel.forecast(states[: origin + 1], origin + 1, kind, paths[origin], alpha, theta)
    return paths


def theta_forecasts(series: np.ndarray, train_end: int, season: int, horizon: int = 1) -> tuple[np.ndarray, str]:
    """Dynamic optimised Theta with its seasonal test and classical decomposition on train; the profile is then held fixed.

    The dynamic model updates its trend coefficients with each observation; the standard
    theta models' fitted values in statsforecast depend on the whole series passed, later
    rows included, so they are not used. Later rows are deseasonalised with the train
    block's last season, repeated: a profile known at every origin after the train block.
    """
    model = AutoTheta(season_length=season, model="DOTM").fit(series[:train_end])
    fit = model.model_
    description = f"Theta ({fit['modeltype']})"
    origins = range(train_end - 1, len(series))
    if not fit.get("decompose", False):
        return _theta_paths(fit, series, origins, horizon), description
    kind = fit["decomposition_type"]
    insample = theta_core.seasonal_decompose(series[:train_end], model=kind, period=season).seasonal
    ahead = np.asarray(fit["seas_forecast"]["mean"], dtype=np.float64)  # the train block's last season
    seasonal = np.concatenate([insample, _periodic(ahead, len(series) - train_end + horizon)])
    adjusted = series - seasonal[: len(series)] if kind == "additive" else series / seasonal[: len(series)]
    level = _theta_paths(fit, adjusted, origins, horizon)
    targets = np.arange(len(series))[:, None] + np.arange(1, horizon + 1)
    forecast = level + seasonal[targets] if kind == "additive" else level * seasonal[targets]
    return forecast, f"{description}, {kind} seasonal profile of period {season} from the train block"


def mstl_forecasts(series: np.ndarray, train_end: int, seasons: tuple[int, ...], horizon: int = 1) -> tuple[np.ndarray, str]:
    """MSTL with an AutoETS trend: ETS parameters from train, seasonal profiles re-estimated once per longest season.

    Re-estimating the STL decomposition at every origin costs minutes; once per longest
    season (a week for sub-daily data), from the last few such seasons before that refresh,
    keeps the profiles current at a small cost. Between refreshes the profiles are held fixed
    (extended ``horizon`` steps past the next refresh) and the ETS trend is filtered with the
    actual values.
    """
    model = MSTL(season_length=list(seasons), trend_forecaster=AutoETS(model="ZZN")).fit(series[:train_end])
    trend = model.trend_forecaster.model_
    step, history = max(seasons), MSTL_HISTORY_SEASONS * max(seasons)
    forecast = _by_origin(len(series), horizon)
    for refresh in range(train_end, len(series), step):
        end = min(refresh + step, len(series))
        start = max(0, refresh - history)
        past = mstl(x=series[start:refresh], period=list(seasons))
        seasonal = np.asarray(_predict_mstl_seas(past, h=end - refresh + horizon, season_length=list(seasons)), dtype=np.float64)
        deseasonalised = past[["trend", "remainder"]].sum(axis=1).to_numpy()
        adjusted = np.concatenate([deseasonalised, series[refresh:end] - seasonal[: end - refresh]])
        origins = range(refresh - 1 - start, end - 1 - start)  # origins refresh-1 … end-2, in the adjusted rows
        level = ets_paths(trend, adjusted, origins, horizon)[origins.start : origins.stop]
        forecast[refresh - 1 : end - 1] = level + np.lib.stride_tricks.sliding_window_view(seasonal, horizon)[: end - refresh]
    return (
        forecast,
        f"MSTL (periods {', '.join(map(str, seasons))}) with an {trend['method']} trend; profiles refreshed every {step} steps",
    )


def _needs(rows: int, minimum: int, what: str) -> str:
    return f"{what} needs at least {minimum} train rows, the train block has {rows}" if rows < minimum else ""


def plan(train_rows: int, season: int, seasons: tuple[int, ...]) -> dict[str, str]:
    """Each baseline's reason to be skipped on this series ('' = it runs)."""
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
    """Every statistical baseline, fit on ``series[:train_end]``, forecasting ``horizon`` steps from every later origin.

    One that cannot be fit is skipped with the reason.

    ``series`` has no missing value (see :func:`bridge_gaps`).
    """
    runners: dict[str, Callable[[], tuple[np.ndarray, str]]] = {
        "ets": lambda: ets_forecasts(series, train_end, season, horizon),
        "theta": lambda: theta_forecasts(series, train_end, season, horizon),
        "mstl": lambda: mstl_forecasts(series, train_end, seasons, horizon),
    }
    results = []
    for name, reason in plan(train_end, season, seasons).items():
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
        if not np.all(np.isfinite(forecast[train_end - 1 : -1])):  # every origin from the train block's last row
            results.append(Fitted(name, None, description, seconds, "non-finite forecasts after the train block"))
            continue
        results.append(Fitted(name, forecast, description, seconds))
    return results
