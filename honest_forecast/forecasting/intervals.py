"""Intervals the backtest earned: per lead time, split-conformal from a method's errors on every scored block."""

from __future__ import annotations

import numpy as np

from honest_forecast.scoring.intervals import conformal_radius, level_key


def backtest_residuals(blocks: list[dict[str, np.ndarray]], name: str) -> np.ndarray:
    """actual - forecast of method ``name`` on the valid and test blocks of every fold that scored it: (points, horizon)."""
    pieces = [block["actual"] - block[f"forecast_{name}"] for block in blocks if f"forecast_{name}" in block]
    return np.concatenate(pieces) if pieces else np.empty((0, 0))


def earned_radii(residuals: np.ndarray, levels: tuple[float, ...]) -> dict[str, np.ndarray]:
    """Per level ("80", "95"), the half-width at each lead: the ceil((n + 1) level)-th smallest absolute error."""
    return {level_key(level): conformal_radius(residuals, level) for level in levels}
