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


NAIVE2_TCRIT = 1.645  # M4's seasonality test: a 90 % two-sided limit on the autocorrelation at lag m


def seasonality_test(insample: np.ndarray, season: int) -> bool:
    """M4's test (its benchmark code's ``SeasonalityTest``): is the autocorrelation at lag ``season`` beyond the 90 %
    limit of Bartlett's formula? Never with a season of 1 or fewer than three seasons of values."""
    n = len(insample)
    if season < 2 or n < 3 * season:
        return False
    centred = insample - insample.mean()
    denominator = float(centred @ centred)
    if denominator == 0:
        return False
    acf = np.array([float(centred[lag:] @ centred[:-lag]) / denominator for lag in range(1, season + 1)])
    limit = NAIVE2_TCRIT / np.sqrt(n) * np.sqrt(1 + 2 * np.sum(acf[: season - 1] ** 2))
    return bool(abs(acf[season - 1]) > limit)


def seasonal_indices(insample: np.ndarray, season: int) -> np.ndarray:
    """Multiplicative classical decomposition's seasonal figure (R's ``decompose``), position 0 at the first value.

    The trend is the centred moving average of one season (a 2 x m average for an even m); each
    position's index is the mean of value / trend over the seasons where the trend exists, the
    indices then scaled to average 1.
    """
    weights = np.full(season, 1.0 / season) if season % 2 else np.r_[0.5, np.ones(season - 1), 0.5] / season
    half = len(weights) // 2
    trend = np.full(len(insample), np.nan)
    trend[half : len(insample) - half] = np.convolve(insample, weights, mode="valid")
    ratio = insample / trend
    positions = np.arange(len(insample)) % season
    figure = np.array([np.nanmean(ratio[positions == at]) for at in range(season)])
    return figure / figure.mean()


def naive2(
    series: np.ndarray, target_rows: np.ndarray, indices: np.ndarray, window_series: np.ndarray, first_rows: np.ndarray
) -> np.ndarray:
    """M4's Naive2: the last value, seasonally adjusted by its series' ``indices`` (series, season) fit on the train
    block and frozen, repeated and re-seasonalised; ``window_series`` is each window's row of ``indices``,
    ``first_rows`` its series' first row (index position 0).

    The indices are looked up per step, never repeated per window (a million windows of a daily
    cycle would be a copy of 24 million). With indices of ones (no seasonality found) it is persistence.
    """
    origin, _ = _origins_and_steps(target_rows)
    season = indices.shape[1]
    which = window_series[:, None]
    origin_index = indices[which, (origin - first_rows[:, None]) % season]
    return series[origin] / origin_index * indices[which, (target_rows - first_rows[:, None]) % season]
