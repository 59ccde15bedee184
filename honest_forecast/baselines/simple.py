"""Simple forecasts that any model must beat, on exactly the model's target points.

Each takes the series in original units and ``target_rows`` (windows, horizon): the
row of every point to forecast. The forecast origin is the row before the first target,
and only rows up to the origin are read."""

from __future__ import annotations

import numpy as np

PREFIX_CHUNK = 1 << 20  # rows summed at once by prefix_sums


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
    """The mean of the input window, from running sums of the series (windows read no missing value)."""
    origin, steps = _origins_and_steps(target_rows)
    means = (prefix_sums(series, origin + 1) - prefix_sums(series, origin + 1 - window)) / window
    return np.broadcast_to(means, steps.shape).copy()


def prefix_sums(series: np.ndarray, at: np.ndarray) -> np.ndarray:
    """``series[0] + ... + series[k - 1]`` (a missing value as 0) at every ``k`` in ``at``, added in order.

    The series is summed a piece at a time, each piece's running sum started from the last one's
    total: the very additions of one running sum over the whole series, so the same bits, without
    two copies of a long series in memory.
    """
    sums, end = np.zeros(at.shape), int(at.max(initial=0))
    carry = 0.0
    for lo in range(0, end, PREFIX_CHUNK):
        piece = np.cumsum(np.concatenate(([carry], np.nan_to_num(series[lo : min(lo + PREFIX_CHUNK, end)]))))
        inside = (at > lo) & (at <= lo + len(piece) - 1)
        sums[inside] = piece[at[inside] - lo]
        carry = piece[-1]
    return sums


def drift(series: np.ndarray, target_rows: np.ndarray, window: int) -> np.ndarray:
    """The line through the first and last value of the input window, extended."""
    origin, steps = _origins_and_steps(target_rows)
    last = series[origin]
    if window < 2:
        return np.broadcast_to(last, steps.shape).copy()
    slope = (last - series[origin - window + 1]) / (window - 1)
    return last + slope * steps
