"""Simple forecasts that any model must beat, on exactly the model's target points.

Each takes the series in original units and ``target_rows`` (windows, horizon): the
row of every point to forecast. The forecast origin is the row before the first target,
and only rows up to the origin are read."""

from __future__ import annotations

import numpy as np


def _origins_and_steps(target_rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    origin = target_rows[:, :1] - 1
    return origin, target_rows - origin  # steps ahead: 1..horizon


def persistence(series: np.ndarray, target_rows: np.ndarray) -> np.ndarray:
    """Repeat the last known value."""
    origin, steps = _origins_and_steps(target_rows)
    return np.broadcast_to(series[origin], steps.shape).copy()


def seasonal_naive(series: np.ndarray, target_rows: np.ndarray, season: int) -> np.ndarray:
    """The value one season earlier (whole seasons back until the row is known at the origin)."""
    _, steps = _origins_and_steps(target_rows)
    rows = target_rows - season * np.ceil(steps / season).astype(np.int64)
    if rows.min() < 0:
        raise ValueError(f"seasonal naive with season={season} reaches before the first row")
    return series[rows]


def window_mean(series: np.ndarray, target_rows: np.ndarray, window: int) -> np.ndarray:
    """The mean of the input window."""
    origin, steps = _origins_and_steps(target_rows)
    cumulative = np.zeros(len(series) + 1)
    np.cumsum(np.nan_to_num(series), out=cumulative[1:])  # windows read no missing value
    means = (cumulative[origin + 1] - cumulative[origin + 1 - window]) / window
    return np.broadcast_to(means, steps.shape).copy()


def drift(series: np.ndarray, target_rows: np.ndarray, window: int) -> np.ndarray:
    """The line through the first and last value of the input window, extended."""
    origin, steps = _origins_and_steps(target_rows)
    last = series[origin]
    if window < 2:
        return np.broadcast_to(last, steps.shape).copy()
    slope = (last - series[origin - window + 1]) / (window - 1)
    return last + slope * steps
