"""AutoARIMA as a baseline: orders and coefficients chosen on the train block, then frozen.

statsforecast's AutoARIMA (the forecast package's ``auto.arima``: KPSS and seasonal tests for
the differences, a stepwise AICc search) is fit once on the train block's last rows. Every later
origin's forecasts come from the model's Kalman filter run on through the actual values with
the coefficients fixed: the state after observing row ``o`` alone makes row ``o``'s forecasts,
so nothing after an origin is read. The filter is the library's own recursion (R's
``ARIMA_Like``, which statsforecast ports), transcribed so that one pass gives the state at
every row instead of only the last; its residuals and its forecast from the train block's end
are the library's to within rounding, 1e-11 (tests/baselines/test_arima.py).

A seasonal ARIMA's state holds about two seasons of lags, and its fit is slow in the season's
length (measured on 2 cores: 72 s for 1,000 half-hourly rows with period 48, more than 10
minutes for 950 weekly rows with period 52). For a season longer than :data:`MAX_SEASON` the model is a
non-seasonal ARIMA of the series less a fixed seasonal profile: the train block's classical
decomposition, its last season repeated after the block (known at every origin).
"""

from __future__ import annotations

import numba
import numpy as np
from statsforecast import theta as theta_core
from statsforecast.arima import arima_transpar, make_arima
from statsforecast.models import AutoARIMA

MAX_SEASON = 12
"""Longest season fit as a seasonal ARIMA; longer ones are removed as a fixed profile first."""
MAX_FIT_ROWS = 5_000
"""A non-seasonal ARIMA is fit on at most this many of the train block's last rows (4 s for 5,000 half-hourly rows)."""
MAX_FIT_SEASONS = 50
"""A seasonal ARIMA is fit on at most this many of the train block's last seasons.

Every step of the stepwise search optimises over the whole stretch, and seasonal models are
the slow ones: on 2 cores, monthly sunspots with period 12 took 1 s on 240 rows, 4.5 s on 600,
and more than 5 minutes on 2,224. Fifty seasons hold far more than the few coefficients need.
"""


@numba.njit(cache=True)
def _advance(a: np.ndarray, phi: np.ndarray, delta: np.ndarray, r: int, out: np.ndarray) -> None:
    """``out`` = T ``a``, the state one step on with no observation (T of statsforecast's ``make_arima``)."""
    p, d = len(phi), len(delta)
    for i in range(r):
        tmp = a[i + 1] if i < r - 1 else 0.0
        if i < p:
            tmp += phi[i] * a[0]
        out[i] = tmp
    if d > 0:
        for i in range(r + 1, r + d):
            out[i] = a[i - 1]
        tmp = a[0]
        for i in range(d):
            tmp += delta[i] * a[r + i]
        out[r] = tmp


@numba.njit(cache=True)
def _filter(
    y: np.ndarray,
    phi: np.ndarray,
    theta: np.ndarray,
    delta: np.ndarray,
    a: np.ndarray,
    P: np.ndarray,
    Pn: np.ndarray,
    up: int,
    first_origin: int,
    paths: np.ndarray,
) -> np.ndarray:
    """R's ARIMA_Like on ``y`` from state ``a``, ``P`` (updated in place); forecasts from each origin into ``paths``.

    Returns the standardised innovations (the library's residuals). ``paths[o]`` gets the
    ``paths.shape[1]`` forecasts made from the state after row ``o``, for ``o >= first_origin``.
    Once a step leaves the state covariance exactly unchanged it is at its fixed point, and
    its update is skipped: the numbers are the same.
    """
    n, rd, p, q, d = len(y), len(a), len(phi), len(theta), len(delta)
    r = rd - d
    residuals = np.empty(n)
    anew = np.empty(rd)
    M = np.empty(rd)
    mm = np.empty((rd, rd))
    settled = False
    for row in range(n):
        _advance(a, phi, delta, r, anew)
        if row > up and not settled:
            if d == 0:
                for i in range(r):
                    vi = 1.0 if i == 0 else (theta[i - 1] if i - 1 < q else 0.0)
                    for j in range(r):
                        tmp = 1.0 if j == 0 else (theta[j - 1] if j - 1 < q else 0.0)
                        tmp *= vi
                        if i < p and j < p:
                            tmp += phi[i] * phi[j] * P[0, 0]
                        if i < r - 1 and j < r - 1:
                            tmp += P[j + 1, i + 1]
                        if i < p and j < r - 1:
                            tmp += phi[i] * P[0, j + 1]
                        if j < p and i < r - 1:
                            tmp += phi[j] * P[0, i + 1]
                        Pn[j, i] = tmp
            else:
                # mm = T P (P and Pn indexed [column, row], as R's column-major arrays)
                for i in range(r):
                    for j in range(rd):
                        tmp = 0.0
                        if i < p:
                            tmp += phi[i] * P[j, 0]
                        if i < r - 1:
                            tmp += P[j, i + 1]
                        mm[j, i] = tmp
                for j in range(rd):
                    tmp = P[j, 0]
                    for k in range(d):
                        tmp += delta[k] * P[j, r + k]
                    mm[j, r] = tmp
                for i in range(1, d):
                    for j in range(rd):
                        mm[j, r + i] = P[j, r + i - 1]
                # Pn = mm T'
                for i in range(r):
                    for j in range(rd):
                        tmp = 0.0
                        if i < p:
                            tmp += phi[i] * mm[0, j]
                        if i < r - 1:
                            tmp += mm[i + 1, j]
                        Pn[i, j] = tmp
                for j in range(rd):
                    tmp = mm[0, j]
                    for k in range(d):
                        tmp += delta[k] * mm[r + k, j]
                    Pn[r, j] = tmp
                for i in range(1, d):
                    for j in range(rd):
                        Pn[r + i, j] = mm[r + i - 1, j]
                for i in range(q + 1):
                    vi = 1.0 if i == 0 else theta[i - 1]
                    for j in range(q + 1):
                        Pn[j, i] += vi * (1.0 if j == 0 else theta[j - 1])
        resid0 = y[row] - anew[0]
        for i in range(d):
            resid0 -= delta[i] * anew[r + i]
        gain = Pn[0, 0]
        for i in range(d):
            gain += delta[i] * Pn[0, r + i]
        for i in range(rd):
            tmp = Pn[0, i]
            for j in range(d):
                tmp += Pn[r + j, i] * delta[j]
            M[i] = tmp
        for i in range(d):
            gain += delta[i] * M[r + i]
        residuals[row] = resid0 / np.sqrt(gain)
        for i in range(rd):
            a[i] = anew[i] + M[i] * resid0 / gain
        unchanged = row > up
        for i in range(rd):
            for j in range(rd):
                value = Pn[j, i] - M[i] * M[j] / gain
                unchanged = unchanged and value == P[j, i]
                P[j, i] = value
        settled = settled or unchanged
        if row >= first_origin:
            state, ahead = a.copy(), np.empty(rd)
            for lead in range(paths.shape[1]):
                _advance(state, phi, delta, r, ahead)
                state, ahead = ahead, state
                point = state[0]
                for i in range(d):
                    point += delta[i] * state[r + i]
                paths[row, lead] = point
    return residuals


def regression(fit: dict, rows: int, first: int = 0) -> np.ndarray:
    """The model's mean or drift term at rows ``first … first + rows - 1`` of its fit stretch (zero without one)."""
    coef = fit["coef"]
    time_index = np.arange(first + 1, first + rows + 1, dtype=np.float64)
    return coef.get("intercept", 0.0) + coef.get("drift", 0.0) * time_index


def frozen_paths(fit: dict, series: np.ndarray, first_origin: int, horizon: int, first: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Forecasts from every origin from ``first_origin`` on (NaN before), and the standardised innovations of every row.

    ``series`` starts with the stretch the model was fit on (or ``first`` rows after its start,
    negative: before it); the filter runs from the model's initial state through every row, so
    its residuals over the fit stretch are the library's.
    """
    phi, theta = arima_transpar(np.array(list(fit["coef"].values())), np.array(fit["arma"]), False)
    start = make_arima(phi, theta, np.asarray(fit["model"]["delta"], dtype=np.float64))  # the fit's initial state
    rows = len(series)
    level = regression(fit, rows + horizon, first)
    paths = np.full((rows, horizon), np.nan)
    residuals = _filter(
        series - level[:rows],
        *(np.asarray(start[key], dtype=np.float64) for key in ("phi", "theta", "delta", "a", "P", "Pn")),
        0,
        first_origin,
        paths,
    )
    paths += np.lib.stride_tricks.sliding_window_view(level[1:], horizon)[:rows]
    return paths, residuals


def classical_profile(series: np.ndarray, train_end: int, season: int, rows: int) -> np.ndarray:
    """The train block's additive classical seasonal component, its last season repeated over the later rows."""
    insample = theta_core.seasonal_decompose(series[:train_end], model="additive", period=season).seasonal
    last = insample[train_end - season : train_end]
    ahead = last[np.arange(rows - train_end) % season]
    return np.concatenate([insample, ahead])


def arima_forecasts(series: np.ndarray, train_end: int, season: int, horizon: int = 1) -> tuple[np.ndarray, str]:
    """AutoARIMA fit on ``series[:train_end]``, forecasting ``horizon`` steps from every origin.

    The origins of the rows it was fit on (at most the train block's last :data:`MAX_FIT_ROWS`)
    and every later one come from one filter pass from the model's initial state; the train
    rows before those from a second pass, started from that state at the series' first row.
    """
    seasonal_fit = 1 < season <= MAX_SEASON
    profile = np.zeros(len(series) + horizon)
    if season > MAX_SEASON and train_end >= 2 * season:
        profile = classical_profile(series, train_end, season, len(series) + horizon)
    adjusted = series - profile[: len(series)]
    start = max(0, train_end - (MAX_FIT_SEASONS * season if seasonal_fit else MAX_FIT_ROWS))
    model = AutoARIMA(season_length=season if seasonal_fit else 1).fit(adjusted[start:train_end])
    fit = model.model_
    paths = np.full((len(series), horizon), np.nan)
    paths[start:], _ = frozen_paths(fit, adjusted[start:], 0, horizon)
    if start:
        paths[:start] = frozen_paths(fit, adjusted[:start], 0, horizon, first=-start)[0]
    paths += np.lib.stride_tricks.sliding_window_view(profile[1:], horizon)[: len(series)]
    p, q, sp, sq, period, d, sd = fit["arma"]
    order = f"ARIMA({p},{d},{q})" + (f"({sp},{sd},{sq})[{period}]" if period > 1 else "")
    terms = [name for name in ("intercept", "drift") if name in fit["coef"]]
    description = order + (f" with {' and '.join(terms)}" if terms else "")
    if profile.any():
        description += f" of the series less the train block's additive seasonal profile of period {season}"
    return paths, description
