"""Rolling-origin folds: the series as fold k sees it, nothing after its own test block (in a panel, each series' own)."""

from __future__ import annotations

import numpy as np

from honest_forecast.data.series import Series
from honest_forecast.windows.split import Edges, Split, fold_rows


def fold_view(series: Series, fold: int, split: Split) -> tuple[Series, int, int]:
    """The rows fold ``fold`` sees, with the end rows (exclusive) of its train and valid blocks."""
    train_end, valid_end, end = fold_rows(series.rows, split, fold)
    return series.head(end), train_end, valid_end


def panel_fold_view(series: Series, fold: int, split: Split) -> tuple[Series, Edges]:
    """The rows fold ``fold`` sees of every series of a panel: each series cut after its own test block.

    Folds move every series' blocks back together, each by its own test block (the same number
    of steps under ``test_steps``).
    """
    edges, keep, at = [], np.zeros(series.rows, dtype=bool), 0
    for name, lo, hi in series.segments():
        train_end, valid_end, end = fold_rows(hi - lo, split, fold)
        edges.append((name, at, at + train_end, at + valid_end, at + end))
        keep[lo : lo + end] = True
        at += end
    if at == series.rows:  # every row kept (fold 1): the series itself, not a copy of millions of rows
        return series, edges
    view = series.take(keep, series_starts=np.array([0, *(end for *_, end in edges)], dtype=np.int64))
    return view, edges
