"""Is a difference in test error real, or noise? Tests and intervals for forecast comparisons.

A lower MAE on one test block can be luck: forecast errors are serially correlated, so the
naive "n independent points" standard error is too small. The Diebold-Mariano test (with the
Harvey-Leybourne-Newbold small-sample correction) and a circular block bootstrap both keep
that dependence. Pure functions of numpy arrays, in time order.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

BETTER, INDISTINGUISHABLE, WORSE = "better than", "not distinguishable from", "worse than"
REPS_AT_ONCE = 64  # bootstrap resamples summed at once
ROUNDING_ULPS = 8  # loss differences within this many machine epsilons of the losses' scale are rounding noise


@dataclass(frozen=True)
class DieboldMariano:
    statistic: float  # HLN-corrected DM statistic; negative when loss_a is lower
    p_value: float  # two-sided, Student t with points - 1 degrees of freedom
    mean_difference: float  # mean of loss_a - loss_b
    points: int


def _series(name: str, values: np.ndarray) -> np.ndarray:
    """A finite 1-D float array: a NaN would silently turn every statistic into NaN."""
    array = np.asarray(values, dtype=float)
    if array.ndim != 1:
        raise ValueError(f"{name} must be 1-D (one value per forecast origin, in time order), got shape {array.shape}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} has NaN or infinite values; drop those origins from both series first")
    return array


def _pair(name_a: str, a: np.ndarray, name_b: str, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Both series, checked to be paired origin by origin."""
    first, second = _series(name_a, a), _series(name_b, b)
    if len(first) != len(second):
        raise ValueError(f"{name_a} and {name_b} must have the same length, got {len(first)} and {len(second)}")
    return first, second


def diebold_mariano(loss_a: np.ndarray, loss_b: np.ndarray, horizon: int = 1) -> DieboldMariano:
    """Diebold & Mariano (1995) test of equal expected loss, with the HLN (1997) correction.

    h-step forecast errors are MA(h-1) under optimality, so the long-run variance of the loss
    difference uses autocovariances up to lag h-1 with a rectangular window, as in DM's paper.
    That window can give a non-positive variance; the test then falls back to the lag-0
    variance alone rather than returning nothing. R's forecast::dm.test reruns with h=1
    instead; keeping the h-step HLN factor here gives a slightly smaller, more cautious statistic.
    """
    a, b = _pair("loss_a", loss_a, "loss_b", loss_b)
    n = len(a)
    if n < 2:
        raise ValueError(f"the Diebold-Mariano test needs at least 2 paired losses, got {n}")
    if horizon < 1 or horizon >= n:
        raise ValueError(f"horizon must be at least 1 and below the number of points ({n}), got {horizon}")
    d = a - b
    mean = float(np.mean(d))
    # (a + c) - a is not exactly c in floating point: a spread of d within the rounding of the losses
    # themselves is a constant difference, and a mean within it is no difference, not a certain one.
    resolution = ROUNDING_ULPS * np.finfo(float).eps * float(max(np.max(np.abs(a)), np.max(np.abs(b))))
    if np.ptp(d) <= resolution:
        if abs(mean) <= resolution:
            return DieboldMariano(statistic=0.0, p_value=1.0, mean_difference=mean, points=n)
        return DieboldMariano(statistic=math.copysign(math.inf, mean), p_value=0.0, mean_difference=mean, points=n)
    centred = d - mean
    gamma = [float(centred[k:] @ centred[: n - k]) / n for k in range(horizon)]
    variance = (gamma[0] + 2.0 * sum(gamma[1:])) / n
    if variance <= 0:
        variance = gamma[0] / n
    hln = math.sqrt((n + 1 - 2 * horizon + horizon * (horizon - 1) / n) / n)
    statistic = mean / math.sqrt(variance) * hln
    p_value = float(2.0 * stats.t.sf(abs(statistic), df=n - 1))
    return DieboldMariano(statistic=statistic, p_value=p_value, mean_difference=mean, points=n)


def verdict(result: DieboldMariano, alpha: float = 0.05) -> str:
    """A test of loss_a against loss_b read as "better than", "not distinguishable from" or "worse than"."""
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be between 0 and 1, got {alpha}")
    if result.p_value >= alpha:
        return INDISTINGUISHABLE
    return BETTER if result.mean_difference < 0 else WORSE


def compare(loss_model: np.ndarray, loss_rival: np.ndarray, horizon: int = 1, alpha: float = 0.05) -> str:
    """The verdict a report can print: "better than", "not distinguishable from" or "worse than" the rival."""
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be between 0 and 1, got {alpha}")
    return verdict(diebold_mariano(loss_model, loss_rival, horizon=horizon), alpha)


def block_bootstrap_ratio(
    numerator: np.ndarray,
    denominator: np.ndarray,
    block: int,
    level: float = 0.95,
    reps: int = 2000,
    seed: int = 0,
) -> tuple[float, float]:
    """Percentile interval for mean(numerator) / mean(denominator), e.g. rel_mae, by circular block bootstrap.

    Circular blocks (Politis & Romano 1992) keep the serial dependence within a block and give
    every point the same chance to be drawn. Both series are resampled at the same indices, so
    their strong correlation (both err on the same hard days) narrows the interval as it should.
    Each resample's sums come from differences of a cumulative sum over the series extended by
    one block, so the cost is reps x blocks, not reps x points.
    """
    top, bottom = _pair("numerator", numerator, "denominator", denominator)
    n = len(top)
    if n < 1:
        raise ValueError("the bootstrap needs at least one point")
    if not 1 <= block <= n:
        raise ValueError(f"block must be between 1 and the number of points ({n}), got {block}")
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, got {level}")
    if reps < 1:
        raise ValueError(f"reps must be at least 1, got {reps}")
    blocks = -(-n // block)  # ceil: the last block is cut to make exactly n points
    last = n - (blocks - 1) * block
    rng = np.random.default_rng(seed)

    def running_sums(values: np.ndarray) -> np.ndarray:
        return np.concatenate(([0.0], np.cumsum(np.concatenate((values, values[:block])))))

    def resampled_sums(cumulative: np.ndarray, starts: np.ndarray) -> np.ndarray:
        full = cumulative[starts[:, :-1] + block] - cumulative[starts[:, :-1]]
        cut = cumulative[starts[:, -1] + last] - cumulative[starts[:, -1]]
        return full.sum(axis=1) + cut

    running_top, running_bottom = running_sums(top), running_sums(bottom)
    ratios = np.empty(reps)
    # A few resamples at a time, their block starts drawn in turn from one generator: the same
    # draws as all at once, in the memory of a few resamples rather than of reps x blocks.
    for lo in range(0, reps, REPS_AT_ONCE):
        starts = rng.integers(0, n, size=(min(REPS_AT_ONCE, reps - lo), blocks))
        with np.errstate(divide="ignore", invalid="ignore"):  # all-zero denominators give inf or NaN, not a warning
            ratios[lo : lo + len(starts)] = resampled_sums(running_top, starts) / resampled_sums(running_bottom, starts)
    low, high = np.quantile(ratios, [(1 - level) / 2, (1 + level) / 2])
    return float(low), float(high)


def default_block(points: int, horizon: int) -> int:
    """Block length max(horizon, round(points^(1/3))), capped at points.

    n^(1/3) is the MSE-optimal growth rate of the block length for the bootstrap of a mean
    (Hall, Horowitz & Jing 1995); h-step errors overlap for h-1 steps, so a block shorter than
    the horizon would cut that dependence.
    """
    if points < 1:
        raise ValueError(f"points must be at least 1, got {points}")
    if horizon < 1:
        raise ValueError(f"horizon must be at least 1, got {horizon}")
    return max(1, min(points, max(horizon, round(points ** (1 / 3)))))
