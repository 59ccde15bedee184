"""Where the chronological blocks begin and end: one rule for every stage that needs it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from honest_forecast.errors import ParamError

if TYPE_CHECKING:
    from honest_forecast.params import Params

# Each series' id, first row, train and valid ends (exclusive) and last-plus-one row, in a fold's view of a panel.
Edges = list[tuple[str, int, int, int, int]]

AUTO_WINDOW_SEASONS = 3  # window: auto reads three seasons: each lag a season back, twice over, and the steps between
AUTO_WINDOW_MIN = 8  # and at least this many steps, for series with no season (season 1)


@dataclass(frozen=True)
class Split:
    """How a series' rows fall into train, valid and test: by fractions of its rows, or by steps from its end.

    Steps are the M4 protocol: the test block is each series' last ``test_steps`` rows (the
    horizon), the valid block the ``valid_steps`` before them, whatever the series' length.
    """

    train_frac: float = 0.7
    valid_frac: float = 0.15
    valid_steps: int | None = None
    test_steps: int | None = None

    @classmethod
    def of(cls, params: Params) -> Split:
        return cls(params.train_frac, params.valid_frac, params.valid_steps, params.test_steps)

    @property
    def by_steps(self) -> bool:
        return self.test_steps is not None


def split_rows(rows: int, split: Split) -> tuple[int, int]:
    """End rows (exclusive) of the train and valid blocks."""
    if split.by_steps:
        valid_end = rows - split.test_steps
        return valid_end - split.valid_steps, valid_end
    train_end = round(rows * split.train_frac)
    valid_end = round(rows * (split.train_frac + split.valid_frac))
    return train_end, valid_end


def fold_rows(rows: int, split: Split, fold: int) -> tuple[int, int, int]:
    """End rows (exclusive) of a fold's train, valid and test blocks.

    Fold 1 is the single split; fold k moves every boundary back by k-1 test blocks, so the
    folds' test blocks are successive and the model of each is trained on everything before
    its valid block (an expanding window). Rows after a fold's test block do not exist for it.
    """
    train_end, valid_end = split_rows(rows, split)
    test_rows = rows - valid_end
    shift = (fold - 1) * test_rows
    if train_end - shift < valid_end - train_end:
        most = (train_end - (valid_end - train_end)) // test_rows + 1 if test_rows else 1
        raise ParamError(
            f"param 'folds': fold {fold} would leave {max(train_end - shift, 0)} train rows, fewer than its "
            f"{valid_end - train_end} valid rows; with {rows} rows and these {'steps' if split.by_steps else 'fractions'} "
            f"use at most {max(most, 0)} folds"
        )
    return train_end - shift, valid_end - shift, rows - shift


def series_edges(segments: list[tuple[str, int, int]], split: Split) -> list[tuple[int, int, int, int]]:
    """Each series' first row, train and valid ends and last-plus-one row: the blocks cut in every series on its own."""
    edges = []
    for _, lo, hi in segments:
        train_end, valid_end = split_rows(hi - lo, split)
        edges.append((lo, lo + train_end, lo + valid_end, hi))
    return edges


def panel_window(window: int | str, season: int, horizon: int) -> int:
    """The one window of every series of a file of many: as given, or for 'auto' three seasons (at least 8 steps and
    the horizon). A global network has one input length; the pooled training windows leave room for it."""
    return int(window) if window != "auto" else max(AUTO_WINDOW_SEASONS * season, AUTO_WINDOW_MIN, horizon)


def too_short(rows: int, split: Split, folds: int, window: int, horizon: int, season: int) -> str:
    """Why a series of ``rows`` rows cannot take part, or '': every fold needs a whole training window and more than
    a season of train rows (the seasonal naive and MASE's scale), and a horizon in each of its valid and test blocks."""
    try:
        train_end, valid_end, end = fold_rows(rows, split, folds)
    except ParamError:
        train_end = valid_end = end = 0
    needed = max(window + horizon, season + 1)
    if train_end < needed or min(valid_end - train_end, end - valid_end) < horizon:
        return (
            f"{rows} rows: fold {folds}'s blocks would be {max(train_end, 0)}/{valid_end - train_end}/{end - valid_end} "
            f"rows, and it needs {needed} train rows (window {window} + horizon {horizon}, and more than a season of "
            f"{season}) and {horizon} in valid and test"
        )
    return ""


def panel_too_short(params: Params, season: int) -> Callable[[int], str]:
    """:func:`too_short` for a panel read with ``params``: what ingest leaves out, and what the forecast checks again."""
    split, window = Split.of(params), panel_window(params.window, season, params.horizon)
    return lambda rows: too_short(rows, split, max(params.folds), window, params.horizon, season)
