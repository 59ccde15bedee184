"""Missing steps: inserted as NaN on the spacing's grid, then left missing, refused or filled by policy."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from honest_forecast.data.lines import PhysicalLines, line_numbers, time_text
from honest_forecast.data.spacing import Spacing, step_grid
from honest_forecast.errors import DataError


def regularize(
    path: Path, stamps: np.ndarray, values: np.ndarray, spacing: Spacing, time_column: str, lines: PhysicalLines | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Insert missing steps as NaN rows on the spacing's grid; refuse rows off it.

    Trading days step by rows: they must lie on the weekdays' grid, but a holiday is no missing value.
    """
    if spacing.kind == "none":
        return stamps, values
    grid = step_grid(stamps, spacing)
    positions = np.minimum(np.searchsorted(grid, stamps), len(grid) - 1)
    off_grid = np.flatnonzero(grid[positions] != stamps)
    if off_grid.size:
        raise DataError(
            f"{path}: column '{time_column}' is not on a regular {spacing.alias} grid at {line_numbers(off_grid, lines)}; "
            "resample the file or set param 'freq' to the data's frequency ('none' treats rows as steps)"
        )
    if spacing.rows_are_steps:
        return stamps, values
    full = np.full((len(grid), values.shape[1]), np.nan)
    full[positions] = values
    return grid, full


def _longest_gaps(missing: np.ndarray) -> tuple[int, int]:
    """Length and start of the longest run of True."""
    padded = np.concatenate([[False], missing, [False]]).astype(np.int8)
    edges = np.diff(padded)
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    if not starts.size:
        return 0, -1
    longest = int(np.argmax(ends - starts))
    return int(ends[longest] - starts[longest]), int(starts[longest])


def fill_missing(
    path: Path, stamps: np.ndarray, values: np.ndarray, names: list[str], policy: str, max_gap: int, max_fill_share: float
) -> tuple[np.ndarray, int]:
    """Apply the missing-value policy; gaps longer than max_gap are refused by the policies that fill.

    Under 'skip' nothing is filled: the values stay NaN and no window that would read one is cut.
    """
    missing = np.isnan(values)
    if not missing.any() or policy == "skip":
        return values, 0
    for column, name in enumerate(names):
        if not missing[:, column].any():
            continue
        when = time_text(stamps, int(np.flatnonzero(missing[:, column])[0]))
        if policy == "error":
            raise DataError(
                f"{path}: column '{name}' has {int(missing[:, column].sum())} missing values, first at {when}; "
                "set param 'missing' to skip (leave them out), or interpolate or ffill to fill them"
            )
        share = float(missing[:, column].mean())
        if share > max_fill_share:
            raise DataError(
                f"{path}: column '{name}': '{policy}' would make up {share:.1%} of its values "
                f"({int(missing[:, column].sum())} of {len(missing)}), more than param 'max_fill_share' "
                f"({max_fill_share:.0%}); check 'freq' and the file, or use missing: skip"
            )
        length, start = _longest_gaps(missing[:, column])
        if length > max_gap:
            raise DataError(
                f"{path}: column '{name}' has a gap of {length} missing steps from "
                f"{time_text(stamps, start)}, longer than param 'max_gap' ({max_gap})"
            )
    frame = pd.DataFrame(values)
    filled = frame.interpolate(method="linear", limit_area="inside") if policy == "interpolate" else frame.ffill()
    result = filled.to_numpy()
    if np.isnan(result).any():
        column = int(np.flatnonzero(np.isnan(result).any(axis=0))[0])
        raise DataError(
            f"{path}: column '{names[column]}' starts or ends with missing values, which '{policy}' cannot fill; trim those rows"
        )
    return result, int(missing.sum())
