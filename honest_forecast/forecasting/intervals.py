"""Intervals the backtest earned: per lead, adaptive conformal on a method's errors, and the coverage that earned them.

A static split-conformal radius calibrated on the valid block promises its level only if test
errors are exchangeable with valid's; a series' errors drift with its season (the bundled
demand's summer test block under-covers: 74 % at 80 % a day ahead). Adaptive conformal
inference (Gibbs and Candès, 2021) walks the backtest in time order: at each origin the radius is
a quantile of every error already observed then, at a level that rises after each miss and
falls after each hit, so that misses stay near their share under drift. The coverage it reports
is that of intervals each made from the past alone; the forecast's are its next step.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from honest_forecast.scoring.intervals import level_key

ADAPTATION_STEP = 0.005  # the step size gamma of Gibbs and Candès's experiments, not tuned here


@dataclass(frozen=True)
class EarnedIntervals:
    """Per lead: the forecast's half-width, and the backtest coverage of intervals made the same way."""

    radius: np.ndarray  # (horizon,)
    coverage_by_lead: np.ndarray  # (horizon,) over the test points
    level_reached: np.ndarray  # (horizon,) the adapted level after the last observed error
    capped: np.ndarray  # (horizon,) bool: the level reached asks more than the errors can give; the largest one is used

    @property
    def coverage(self) -> float:
        return float(self.coverage_by_lead.mean())


class RankCounts:
    """Counts per rank (a Fenwick tree): the k-th smallest of the values inserted so far, in log time."""

    def __init__(self, size: int) -> None:
        self.tree = np.zeros(size + 1, dtype=np.int64)
        self.top = 1 << max(size.bit_length() - 1, 0)

    def add(self, rank: int) -> None:
        index = rank + 1
        while index < len(self.tree):
            self.tree[index] += 1
            index += index & -index

    def kth(self, k: int) -> int:
        """The rank of the k-th smallest inserted value (k from 1)."""
        position, step = 0, self.top
        while step:
            if position + step < len(self.tree) and self.tree[position + step] < k:
                position += step
                k -= self.tree[position]
            step >>= 1
        return position


def adaptive_lead(
    origins: np.ndarray, errors: np.ndarray, scored: np.ndarray, lead: int, level: float, step: float
) -> tuple[float, float, float, float]:
    """One lead's walk: (forecast radius, coverage on the ``scored`` points, level reached, largest error).

    ``errors`` are absolute; a point's error is observed once its target row, origin + lead, is
    at or before the current origin. Only ``scored`` points (the test block) get an interval.
    """
    ordered = np.sort(errors)
    ranks = np.empty(len(errors), dtype=np.int64)
    ranks[np.argsort(errors, kind="stable")] = np.arange(len(errors))
    seen_order = np.argsort(origins + lead, kind="stable")
    counts, alpha, target_alpha = RankCounts(len(errors)), 1 - level, 1 - level
    seen, hits, made = 0, 0, 0
    missed = np.zeros(len(errors), dtype=bool)

    def radius(known: int) -> float:
        rank = math.ceil(round((known + 1) * (1 - alpha), 9))
        if rank <= 0:
            return 0.0
        return math.inf if rank > known else float(ordered[counts.kth(rank)])

    for point in np.flatnonzero(scored)[np.argsort(origins[scored], kind="stable")]:
        while seen < len(errors) and origins[seen_order[seen]] + lead <= origins[point]:
            observed = seen_order[seen]
            counts.add(int(ranks[observed]))
            if scored[observed]:
                alpha += step * (target_alpha - float(missed[observed]))
            seen += 1
        missed[point] = errors[point] > radius(seen)
        hits += not missed[point]
        made += 1
    for observed in seen_order[seen:]:  # every error is observed by the time of the forecast
        counts.add(int(ranks[observed]))
        if scored[observed]:
            alpha += step * (target_alpha - float(missed[observed]))
    return radius(len(errors)), hits / max(made, 1), 1 - alpha, float(ordered[-1])


def earned_intervals(
    valid: dict[str, np.ndarray], test: dict[str, np.ndarray], name: str, levels: tuple[float, ...], step: float = ADAPTATION_STEP
) -> dict[str, EarnedIntervals]:
    """Per level key ("80"), method ``name``'s intervals from fold 1's valid and test errors (evaluate's arrays)."""
    origins = np.concatenate([valid["rows"][:, 0], test["rows"][:, 0]]) - 1
    errors = np.abs(np.concatenate([valid["actual"] - valid[f"forecast_{name}"], test["actual"] - test[f"forecast_{name}"]]))
    scored = np.concatenate([np.zeros(len(valid["rows"]), bool), np.ones(len(test["rows"]), bool)])
    earned = {}
    for level in levels:
        walks = [adaptive_lead(origins, errors[:, lead], scored, lead + 1, level, step) for lead in range(errors.shape[1])]
        radius, coverage, reached, largest = (np.array(values) for values in zip(*walks, strict=True))
        capped = ~np.isfinite(radius)  # a forecast needs a width: the largest error seen, said so, not an infinite one
        earned[level_key(level)] = EarnedIntervals(np.where(capped, largest, radius), coverage, reached, capped)
    return earned
