"""Every method's forecast of the ``horizon`` steps after the last row, from the very models the backtest scored.

The network and the ridge read the last ``window`` rows exactly as they read a window in the
backtest (scaled with fold 1's scaler, the calendar of the input steps, the one-hot slot of each
target time); the simple baselines read the rows up to the last one; the statistical models
continue from their state after the last row with the parameters fit on fold 1's train block.
"""

from __future__ import annotations

import numpy as np

from honest_forecast.baselines import simple
from honest_forecast.baselines.linear import linear_forecast
from honest_forecast.data.lines import time_text
from honest_forecast.data.series import Series
from honest_forecast.errors import DataError
from honest_forecast.windows.calendar import feature_table, known_inputs
from honest_forecast.windows.scaling import Scaler, to_original_units
from honest_forecast.windows.store import WindowSpec, WindowStore


def origin_store(
    series: Series,
    future: np.ndarray | None,
    scaler: Scaler,
    spec: WindowSpec,
    calendar: bool,
    target_calendar: bool,
    delta: bool,
    known_ahead: np.ndarray | None = None,
) -> tuple[WindowStore, np.ndarray]:
    """The rows of ``series`` then ``horizon`` empty rows at the ``future`` times, as the windows stage stores rows.

    Returns the store and the one window start, that of the window of the last ``window`` rows.
    The empty rows are never read as inputs: only their times are, as the known slot of each target,
    and the known covariates' values there (``known_ahead``, from the file's rows after the last target).
    """
    rows, horizon = series.rows, spec.horizon
    if rows < spec.window:
        raise DataError(f"the series has {rows} rows, fewer than param 'window' ({spec.window}): there is no last window")
    times = series.calendar_times
    if future is None:  # freq: none, rows with no time of their own: no calendar to read (calendar kind 'none')
        future = np.repeat(times[-1:], horizon)
    elif series.wall_times is not None:  # the clock the file states goes on at the last row's offset from UTC
        future = future + (series.wall_times[-1] - series.timestamps[-1])
    times = np.concatenate([times, future])
    past = 1 + series.covariates.shape[1]
    ahead = np.full((horizon, past), np.nan)
    if series.known_names:
        ahead = np.column_stack([ahead, known_ahead])
    scaled = scaler.transform(np.vstack([series.values, ahead]))
    features = feature_table(scaled[:, :past], times, series.calendar_kind if calendar else None)
    slot, width, _ = known_inputs(times, series.calendar_kind if target_calendar else "none")
    start = np.array([rows - spec.window])
    known = scaled[:, past:].astype(np.float32)
    store = WindowStore(spec, features, scaled[:, 0].copy(), slot, width, delta, {"forecast": start}, known)
    return store, start


def by_origin(forecasts: dict[str, np.ndarray], store: WindowStore) -> dict[str, np.ndarray]:
    """Forecasts by origin of the series' rows (or just those from the last row) laid out on ``store``'s rows, NaN elsewhere.

    ``store`` is an :func:`origin_store`: the series' rows then ``horizon`` empty ones.
    """
    rows = len(store.target) - store.spec.horizon
    laid = {}
    for name, made in forecasts.items():
        laid[name] = np.full((len(store.target), store.spec.horizon), np.nan)
        if made.ndim == 1:
            laid[name][rows - 1] = made
        else:
            laid[name][:rows] = made
    return laid


def network_forecast(model: object, store: WindowStore, start: np.ndarray, scaler: Scaler) -> np.ndarray:
    """The saved network's forecast from the window at ``start``, in the series' units."""
    inputs, _ = store.cut(start)
    return to_original_units(model.predict(inputs, verbose=0), store.last_inputs(start), scaler, store.delta)[0]


def ridge_forecast(ridge: object, store: WindowStore, start: np.ndarray, scaler: Scaler) -> np.ndarray:
    return to_original_units(linear_forecast(ridge, store, start), store.last_inputs(start), scaler, store.delta)[0]


def simple_forecasts(target: np.ndarray, horizon: int, season: int, window: int) -> dict[str, np.ndarray]:
    """Persistence, seasonal naive, window mean and drift from the last row, on the backtest's definitions."""
    padded = np.concatenate([target, np.full(horizon, np.nan)])
    rows = len(target) + np.arange(horizon)[None, :]
    return {
        "persistence": simple.persistence(padded, rows)[0],
        "seasonal_naive": simple.seasonal_naive(padded, rows, season)[0],
        "window_mean": simple.window_mean(padded, rows, window)[0],
        "drift": simple.drift(padded, rows, window)[0],
    }


def refuse_missing_inputs(series: Series, store: WindowStore, start: np.ndarray, names: list[str]) -> None:
    """A forecast from a window with a missing value would be invented: name the value instead."""
    inputs, _ = store.cut(start)
    missing = np.isnan(inputs["window"][0, :, : 1 + series.covariates.shape[1]])
    if missing.any():
        step, column = (int(index) for index in np.argwhere(missing)[0])
        row = int(start[0]) + step
        raise DataError(
            f"column '{names[column]}' is missing at {time_text(series.timestamps, row)}, inside the last window "
            f"({store.spec.window} rows) that the forecast reads: no forecast is made from a value that is not there; "
            "fill the row in the file, or set param 'missing' to interpolate or ffill"
        )
