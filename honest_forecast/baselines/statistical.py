"""The field's standard statistical forecasters as baselines, fit on the train block only (ARIMA: baselines/arima.py).

Each is fit once on the train block's most recent rows (at most :data:`MAX_FIT_ROWS`); its
one-step forecast of every later row then comes from the observations up to that row's origin
with the parameters frozen (no refit; the states are updated with the actual values), the way a
forecaster would run it in production. The same frozen models also forecast from the origins
inside the fit stretch (states filtered from its first row): the in-sample forecasts that a
network reading these forecasts is trained on (``statistical_inputs``).
Seasonal profiles come only from rows before the origin: statsforecast's own ``forward``
re-decomposes the whole series with two-sided smoothers (classical decomposition for Theta,
STL for MSTL), so its "fitted" values would see the future, and it is not used for those two.

Every function takes the series in original units, ``train_end`` (the first row not used
for fitting) and ``horizon``, and returns a float64 array of shape (rows, horizon) indexed by
forecast origin: row ``o`` holds the forecasts of rows ``o + 1 … o + horizon`` made from the
observations up to and including row ``o``, NaN for origins before the fit stretch (and, for
MSTL, before its first in-sample refresh).
Multi-step forecasts run the frozen model's state recursion forward with no new observation,
which is the library's own point forecast from that state.

Everything after the fits is linear in the series' length and holds a few (rows, horizon)
arrays: statsforecast's per-origin forecast calls, and its Theta filter (quadratic in 2.0.1),
are replaced by the same arithmetic on all origins at once or in one compiled pass, giving the
same numbers bit for bit (the tests compare them exactly).
"""

from __future__ import annotations

import math
import os
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass

# Compiled statsforecast kernels are cached on disk, so the second run skips numba compilation.
os.environ.setdefault("NIXTLA_NUMBA_CACHE", "1")

import numba
import numpy as np
from statsforecast import ets as ets_core
from statsforecast import theta as theta_core
from statsforecast._lib import ets as ets_kernel
from statsforecast.models import MSTL, AutoETS, AutoTheta, _predict_mstl_seas
from statsforecast.mstl import mstl

from honest_forecast.baselines import arima

MAX_FIT_ROWS = 30_000
"""The baselines are fit on at most this many of the train block's last rows.

Every step of AutoETS's and AutoTheta's optimisers filters the whole stretch, and
statsforecast 2.0.1's Theta filter copies its history at every row, so a Theta fit is
quadratic in its length (minutes at this cap) and an uncapped fit on a long series takes
hours. The cap holds more than a dozen of the longest seasons the models use even for 5-minute
data (weeks of 2,016 steps), far more than a few smoothing parameters need. A train block no
longer than the cap is fit whole.
"""
MSTL_HISTORY_SEASONS = 6  # the seasonal profile is re-estimated from this many of the longest seasons
MSTL_INSAMPLE_REFRESHES = 16  # past-only profile refreshes inside the train block, for the in-sample forecasts
MSTL_MAX_REFRESHES = 64
"""MSTL re-estimates its profiles once per longest season, but at most this many times.

Each re-estimation runs STL on the last few longest seasons (about a second for six weeks of
half-hourly data), so a fixed weekly cadence would cost hours on a long series. When the rows
after the train block hold more longest seasons than this, the refreshes come every few
longest seasons instead, so that there are at most this many.
"""
ETS_MAX_SEASON = 24  # statsforecast's ETS models no longer seasons; longer ones are left to Theta and MSTL
ETS_FILTER_ROWS = 1_000_000  # rows per call of the library's filter, bounding the states held (26 a row when seasonal)


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


def _ets_states(fit: dict, series: np.ndarray, initial: np.ndarray) -> np.ndarray:
    """The model's states filtered through ``series`` from ``initial``: row t after observing rows 0 … t-1.

    The library's own filter (what ``forward_ets`` runs), started from any state, so a long
    series can be filtered a block at a time.
    """
    error, trend, season, damping = fit["components"][:4]
    alpha, beta, gamma, phi = fit["par"][:4]
    return ets_core.pegelsresid_C(
        y=series,
        m=fit["m"],
        init_state=initial,
        errortype=error,
        trendtype=trend,
        seasontype=season,
        damped=damping != "N",
        alpha=alpha,
        beta=beta,
        gamma=gamma,
        phi=phi,
        nmse=1,
    )[2]


def _ets_point_forecasts(fit: dict, states: np.ndarray, horizon: int) -> np.ndarray:
    """``pegelsfcast_C`` from every row of ``states`` at once, with the same floating-point operations."""
    _, trend, season, damping = fit["components"][:4]
    if trend == "M":
        raise ValueError("a multiplicative ETS trend is not supported (AutoETS picks one only when asked to)")
    phi = 1.0 if damping == "N" else float(fit["par"][3])
    m = max(fit["m"], 1)
    first_seasonal = 2 if trend == "A" else 1
    forecasts = np.empty((len(states), horizon))
    damped_steps = phi  # the compiled kernel's phistar: phi + phi^2 + … up to the lead
    for lead in range(horizon):
        point = states[:, 0] + damped_steps * states[:, 1] if trend == "A" else states[:, 0].copy()
        seasonal_column = first_seasonal + (m - 1 - lead) % m
        if season == "A":
            point += states[:, seasonal_column]
        elif season == "M":
            point *= states[:, seasonal_column]
        forecasts[:, lead] = point
        damped_steps += 1.0 if abs(phi - 1.0) < ets_kernel.TOL else math.pow(phi, lead + 1)
    return forecasts


def ets_paths(fit: dict, series: np.ndarray, first_origin: int, horizon: int) -> np.ndarray:
    """A frozen ETS model's forecasts from every origin from ``first_origin`` on, states filtered through the rows up to it."""
    paths = _by_origin(len(series), horizon)
    state = np.asarray(fit["par"][4:], dtype=np.float64)
    for start in range(0, len(series), ETS_FILTER_ROWS):
        stop = min(start + ETS_FILTER_ROWS, len(series))
        states = _ets_states(fit, series[start:stop], state)  # states[k]: after observing rows start … start+k-1
        first = max(first_origin, start)
        if first < stop:
            paths[first:stop] = _ets_point_forecasts(fit, states[first - start + 1 :], horizon)
        state = states[-1]
    return paths


def ets_forecasts(series: np.ndarray, train_end: int, season: int, horizon: int = 1) -> tuple[np.ndarray, str]:
    """AutoETS (model, damping and parameters chosen by AICc on train), states filtered through every later row."""
    model = AutoETS(season_length=season if 1 < season <= ETS_MAX_SEASON else 1).fit(series[:train_end])
    paths = ets_paths(model.model_, series, 0, horizon)
    return paths, str(model.model_["method"])


def _periodic(profile: np.ndarray, rows: int) -> np.ndarray:
    """``profile`` (one value per phase, the first for the first row) repeated over ``rows`` rows."""
    return profile[np.arange(rows) % len(profile)]


@numba.njit(cache=True)
def _theta_step(
    level: float,
    mean: float,
    intercept: float,
    slope: float,
    row: int,
    alpha: float,
    theta: float,
    observed: float,
    use_forecast: bool,
) -> tuple[float, float, float, float, float]:
    """One step of statsforecast's dynamic Theta recursion (``update`` in its theta.cpp), in its operation order.

    Returns the state after row ``row`` and the forecast of that row made before it; a forecast
    step (``use_forecast``) feeds that forecast back in place of an observation.
    """
    decay = 1 - alpha
    forecast = level + (1 - 1 / theta) * (
        intercept * math.pow(decay, float(row)) + slope * (1 - math.pow(decay, float(row + 1))) / alpha
    )
    value = forecast if use_forecast else observed
    new_mean = (row * mean + value) / (row + 1)
    new_slope = ((row - 1) * slope + 6 * (value - mean) / (row + 1)) / (row + 2)
    return alpha * value + decay * level, new_mean, new_mean - new_slope * (row + 2) / 2, new_slope, forecast


@numba.njit(cache=True)
def _dynamic_theta_paths(
    series: np.ndarray, initial_smoothed: float, alpha: float, theta: float, first_origin: int, paths: np.ndarray
) -> None:
    """Fill ``paths[first_origin:]`` with a frozen dynamic Theta model's forecasts, one pass over the rows.

    The same numbers as ``forward_theta`` then ``forecast`` at each origin, which in
    statsforecast 2.0.1 copy the whole history at every row (quadratic in the length).
    """
    level = alpha * series[0] + (1 - alpha) * initial_smoothed
    mean, intercept, slope = series[0], series[0], 0.0
    for row in range(len(series)):
        if row > 0:
            level, mean, intercept, slope, _ = _theta_step(level, mean, intercept, slope, row, alpha, theta, series[row], False)
        if row >= first_origin:
            ahead_level, ahead_mean, ahead_intercept, ahead_slope = level, mean, intercept, slope
            for lead in range(paths.shape[1]):
                ahead_level, ahead_mean, ahead_intercept, ahead_slope, paths[row, lead] = _theta_step(
                    ahead_level, ahead_mean, ahead_intercept, ahead_slope, row + 1 + lead, alpha, theta, 0.0, True
                )


def _theta_paths(fit: dict, adjusted: np.ndarray, first_origin: int, horizon: int) -> np.ndarray:
    """A frozen Theta model's forecasts from every origin from ``first_origin`` on (NaN before)."""
    if fit["modeltype"] not in ("DSTM", "DOTM"):
        raise ValueError(f"only the dynamic Theta models are filtered here, not {fit['modeltype']}")
    paths = _by_origin(len(adjusted), horizon)
    par = fit["par"]
    _dynamic_theta_paths(adjusted, par["initial_smoothed"], par["alpha"], par["theta"], first_origin, paths)
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
    if not fit.get("decompose", False):
        return _theta_paths(fit, series, 0, horizon), description
    kind = fit["decomposition_type"]
    insample = theta_core.seasonal_decompose(series[:train_end], model=kind, period=season).seasonal
    ahead = np.asarray(fit["seas_forecast"]["mean"], dtype=np.float64)  # the train block's last season
    seasonal = np.concatenate([insample, _periodic(ahead, len(series) - train_end + horizon)])
    adjusted = series - seasonal[: len(series)] if kind == "additive" else series / seasonal[: len(series)]
    forecast = _theta_paths(fit, adjusted, 0, horizon)
    seasonal_of_targets = np.lib.stride_tricks.sliding_window_view(seasonal[1:], horizon)  # row o: rows o+1 … o+horizon
    if kind == "additive":
        forecast += seasonal_of_targets
    else:
        forecast *= seasonal_of_targets
    return forecast, f"{description}, {kind} seasonal profile of period {season} from the train block"


def _mstl_block(
    series: np.ndarray, trend: dict, seasons: tuple[int, ...], refresh: int, end: int, horizon: int, forecast: np.ndarray
) -> None:
    """Origins ``refresh - 1 … end - 1`` of ``forecast``: profiles from the rows before ``refresh``, the ETS trend filtered on."""
    start = max(0, refresh - MSTL_HISTORY_SEASONS * max(seasons))
    past = mstl(x=series[start:refresh], period=list(seasons))
    seasonal = np.asarray(_predict_mstl_seas(past, h=end - refresh + horizon, season_length=list(seasons)), dtype=np.float64)
    deseasonalised = past[["trend", "remainder"]].sum(axis=1).to_numpy()
    adjusted = np.concatenate([deseasonalised, series[refresh:end] - seasonal[: end - refresh]])
    first_origin = refresh - 1 - start  # origins refresh-1 … end-1, in the adjusted rows
    level = ets_paths(trend, adjusted, first_origin, horizon)[first_origin:]
    # end-1 is the next block's first origin (it forecasts it again, from that block's profiles), or the last row
    forecast[refresh - 1 : end] = level + np.lib.stride_tricks.sliding_window_view(seasonal, horizon)[: end - refresh + 1]


def _refresh_step(longest: int, rows: int, most: int) -> int:
    """Every longest season, or every few so that ``rows`` see at most ``most`` refreshes."""
    return longest * max(1, math.ceil(rows / (longest * most)))


def mstl_forecasts(series: np.ndarray, train_end: int, seasons: tuple[int, ...], horizon: int = 1) -> tuple[np.ndarray, str]:
    """MSTL with an AutoETS trend: ETS parameters from train, seasonal profiles re-estimated once per longest season.

    Re-estimating the STL decomposition at every origin costs minutes; once per longest
    season (a week for sub-daily data), from the last few such seasons before that refresh,
    keeps the profiles current at a small cost. Between refreshes the profiles are held fixed
    (extended ``horizon`` steps past the next refresh) and the ETS trend is filtered with the
    actual values. On a series so long that this would mean more than
    :data:`MSTL_MAX_REFRESHES` refreshes, they come every few longest seasons instead.
    Inside the train block the in-sample forecasts are made the same way, from past rows only
    (STL's own decomposition of train is two-sided: it reads each target's neighbours), with
    at most :data:`MSTL_INSAMPLE_REFRESHES` refreshes from the second longest season on.
    """
    model = MSTL(season_length=list(seasons), trend_forecaster=AutoETS(model="ZZN")).fit(series[:train_end])
    trend = model.trend_forecaster.model_
    longest = max(seasons)
    forecast = _by_origin(len(series), horizon)
    first = 2 * longest
    inside = _refresh_step(longest, train_end - first, MSTL_INSAMPLE_REFRESHES)
    for refresh in range(first, train_end, inside):
        _mstl_block(series, trend, seasons, refresh, min(refresh + inside, train_end), horizon, forecast)
    step = _refresh_step(longest, len(series) - train_end, MSTL_MAX_REFRESHES)
    for refresh in range(train_end, len(series), step):
        _mstl_block(series, trend, seasons, refresh, min(refresh + step, len(series)), horizon, forecast)
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
        "arima": _needs(train_rows, 2 * season + 10 if 1 < season <= arima.MAX_SEASON else 20, "ARIMA"),
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


def fit_start(train_end: int) -> int:
    """The first row the baselines are fit on: the train block's last :data:`MAX_FIT_ROWS` rows are used."""
    return max(0, train_end - MAX_FIT_ROWS)


def fit_all(series: np.ndarray, train_end: int, season: int, seasons: tuple[int, ...], horizon: int = 1) -> list[Fitted]:
    """Every statistical baseline, fit on the train block's last rows, forecasting ``horizon`` steps from every later origin.

    The fit stretch is ``series[fit_start(train_end):train_end]``; rows before it are never
    read, and their origins' forecasts are NaN; inside it the forecasts are in-sample (see the
    module's doc). One that cannot be fit is skipped with the reason.

    ``series`` has no missing value (see :func:`bridge_gaps`).
    """
    start = fit_start(train_end)
    recent, fit_end = series[start:], train_end - start
    runners: dict[str, Callable[[], tuple[np.ndarray, str]]] = {
        "ets": lambda: ets_forecasts(recent, fit_end, season, horizon),
        "theta": lambda: theta_forecasts(recent, fit_end, season, horizon),
        "mstl": lambda: mstl_forecasts(recent, fit_end, seasons, horizon),
        "arima": lambda: arima.arima_forecasts(recent, fit_end, season, horizon),
    }
    results = []
    for name, reason in plan(fit_end, season, seasons).items():
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
        if not np.all(np.isfinite(forecast[fit_end - 1 : -1])):  # every origin from the train block's last row
            results.append(Fitted(name, None, description, seconds, "non-finite forecasts after the train block"))
            continue
        results.append(Fitted(name, np.concatenate([_by_origin(start, horizon), forecast]), description, seconds))
    return results
