"""Where the chronological blocks begin and end: one rule for every stage that needs it."""

from __future__ import annotations

from honest_forecast.errors import ParamError


def split_rows(rows: int, train_frac: float, valid_frac: float) -> tuple[int, int]:
    """End rows (exclusive) of the train and valid blocks, by fraction of rows."""
    train_end = round(rows * train_frac)
    valid_end = round(rows * (train_frac + valid_frac))
    return train_end, valid_end


def fold_rows(rows: int, train_frac: float, valid_frac: float, fold: int) -> tuple[int, int, int]:
    """End rows (exclusive) of a fold's train, valid and test blocks.

    Fold 1 is the single split; fold k moves every boundary back by k-1 test blocks, so the
    folds' test blocks are successive and the model of each is trained on everything before
    its valid block (an expanding window). Rows after a fold's test block do not exist for it.
    """
    train_end, valid_end = split_rows(rows, train_frac, valid_frac)
    test_rows = rows - valid_end
    shift = (fold - 1) * test_rows
    if train_end - shift < valid_end - train_end:
        most = (train_end - (valid_end - train_end)) // test_rows + 1 if test_rows else 1
        raise ParamError(
            f"param 'folds': fold {fold} would leave {max(train_end - shift, 0)} train rows, fewer than its "
            f"{valid_end - train_end} valid rows; with {rows} rows and these fractions use at most {most} folds"
        )
    return train_end - shift, valid_end - shift, rows - shift
