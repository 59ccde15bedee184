"""The times past the last row: the series' own spacing carried on, never a calendar it does not show."""

from __future__ import annotations

import numpy as np
import pandas as pd

from honest_forecast.data.lines import time_text
from honest_forecast.data.spacing import Spacing, infer_spacing
from honest_forecast.errors import DataError

LAST_STORABLE = pd.Timestamp(np.iinfo(np.int64).max, unit="ns")  # 2262-04-11T23:47:16.854775807


def future_times(timestamps: np.ndarray, freq: str, horizon: int) -> np.ndarray | None:
    """The ``horizon`` times after the last row, on the spacing ingest checked the rows on; None for ``freq: none``.

    Trading days go on with the weekdays the data trades on (a holiday ahead is not known, so none
    is invented); months, quarters and years keep their anchor (a start or an end); an integer
    index keeps its step. A time past what a timestamp can hold is an error naming the last row.
    """
    if freq == "none":
        return None  # rows are steps with no time of their own: the leads are all there is
    spacing = infer_spacing(timestamps)
    return steps_after(timestamps, spacing, horizon)


def steps_after(timestamps: np.ndarray, spacing: Spacing, horizon: int) -> np.ndarray:
    if spacing.kind == "integer":
        return timestamps[-1] + spacing.step * np.arange(1, horizon + 1, dtype=timestamps.dtype)
    last = pd.Timestamp(timestamps[-1])
    try:
        future = pd.date_range(last, periods=horizon + 1, freq=spacing.offset)
        if future[-1] > LAST_STORABLE:  # pandas reaches further in microseconds; every stage reads nanoseconds
            raise pd.errors.OutOfBoundsDatetime(str(future[-1]))
    except (pd.errors.OutOfBoundsDatetime, OverflowError) as err:
        raise DataError(
            f"the forecast of {horizon} steps of {spacing.text} from the last row ({time_text(timestamps, -1)}) runs past "
            "2262-04-11, the last time a timestamp can hold; lower param 'horizon'"
        ) from err
    if future[0] != last:  # the last row lies off its own grid: ingest refuses that, so this never happens
        raise AssertionError(f"the last row {last} is not on the {spacing.alias} grid")
    return future[1:].to_numpy(dtype="datetime64[ns]")
