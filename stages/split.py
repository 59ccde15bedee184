"""Where the chronological blocks begin and end: one rule for every stage that needs it."""

from __future__ import annotations

from stages.params import Params

BLOCKS = ("train", "valid", "test")


def split_rows(rows: int, params: Params) -> tuple[int, int]:
    """End rows (exclusive) of the train and valid blocks, by fraction of rows."""
    train_end = round(rows * params.train_frac)
    valid_end = round(rows * (params.train_frac + params.valid_frac))
    return train_end, valid_end
