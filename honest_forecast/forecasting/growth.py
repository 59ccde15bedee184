"""A grown file: the rows the backtest was run on, unchanged, and new rows after them to forecast from."""

from __future__ import annotations

import numpy as np

from honest_forecast.data.lines import time_text
from honest_forecast.data.series import Series
from honest_forecast.errors import DataError

RERUN = "the backtest no longer describes this file: rerun it with `dvc repro`"


def rows_added(source: str, stored: Series, current: Series) -> int:
    """How many rows ``current`` (the file as it is now) has after those of ``stored`` (what the models were fit on).

    Every old row must be as it was, time and values: the models were fit and scored on them.
    """
    same_setup = (stored.column_names, stored.freq, stored.season) == (current.column_names, current.freq, current.season)
    if not same_setup:
        raise DataError(
            f"{source}: the series now reads as {current.column_names} every {current.freq} (season {current.season}), not as "
            f"{stored.column_names} every {stored.freq} (season {stored.season}) as in the backtest; {RERUN}"
        )
    rows = stored.rows
    if current.rows < rows:
        raise DataError(
            f"{source}: the file now ends at {time_text(current.timestamps, -1)}, before the last row the models were fit and "
            f"scored on ({time_text(stored.timestamps, -1)}); {RERUN}"
        )
    changed = current.timestamps[:rows] != stored.timestamps
    old, new = stored.values, current.values[:rows]
    changed |= ~((old == new) | (np.isnan(old) & np.isnan(new))).all(axis=1)
    if changed.any():
        first = int(np.argmax(changed))
        raise DataError(
            f"{source}: the row at {time_text(stored.timestamps, first)} is not the one the models were fit and scored on "
            f"(the first of {int(changed.sum())} changed rows); {RERUN}"
        )
    return current.rows - rows
