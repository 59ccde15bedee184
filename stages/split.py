"""Where the chronological blocks begin and end: one rule for every stage that needs it."""

from __future__ import annotations

import sys

import numpy as np

from stages.common import load_arrays
from stages.params import ParamError, Params
from stages.paths import SERIES_FILE

BLOCKS = ("train", "valid", "test")
SERIES_ROW_KEYS = ("timestamps", "wall_times", "target", "covariates", "filled_target")  # series.npz arrays with a row axis


def split_rows(rows: int, params: Params) -> tuple[int, int]:
    """End rows (exclusive) of the train and valid blocks, by fraction of rows."""
    train_end = round(rows * params.train_frac)
    valid_end = round(rows * (params.train_frac + params.valid_frac))
    return train_end, valid_end


def fold_rows(rows: int, params: Params, fold: int) -> tuple[int, int, int]:
    """End rows (exclusive) of a fold's train, valid and test blocks.

    Fold 1 is the single split; fold k moves every boundary back by k-1 test blocks, so the
    folds' test blocks are successive and the model of each is trained on everything before
    its valid block (an expanding window). Rows after a fold's test block do not exist for it.
    """
    train_end, valid_end = split_rows(rows, params)
    test_rows = rows - valid_end
    shift = (fold - 1) * test_rows
    if train_end - shift < valid_end - train_end:
        most = (train_end - (valid_end - train_end)) // test_rows + 1 if test_rows else 1
        raise ParamError(
            f"param 'folds': fold {fold} would leave {max(train_end - shift, 0)} train rows, fewer than its "
            f"{valid_end - train_end} valid rows; with {rows} rows and these fractions use at most {most} folds"
        )
    return train_end - shift, valid_end - shift, rows - shift


def fold_series(series: dict[str, np.ndarray], end: int) -> dict[str, np.ndarray]:
    """The series as a fold sees it: the rows before ``end`` only."""
    return {key: values[:end] if key in SERIES_ROW_KEYS else values for key, values in series.items()}


def load_fold_series(params: Params, fold: int) -> tuple[dict[str, np.ndarray], int, int]:
    """The series as fold ``fold`` sees it, with the end rows of its train and valid blocks."""
    series = load_arrays(SERIES_FILE)
    train_end, valid_end, end = fold_rows(len(series["target"]), params, fold)
    return fold_series(series, end), train_end, valid_end


def stage_fold(argv: list[str] | None = None) -> int:
    """The fold a per-fold stage runs for, from ``--fold N`` on its command line (dvc.yaml's foreach); 1 without it."""
    args = sys.argv[1:] if argv is None else argv
    if not args:
        return 1
    if len(args) != 2 or args[0] != "--fold" or not args[1].isdigit() or int(args[1]) < 1:
        raise ValueError(f"expected '--fold N' with N a whole number from 1, got {' '.join(args)!r}")
    return int(args[1])
