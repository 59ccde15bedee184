"""A grown file forecasts from its new rows; one whose old rows changed is refused, naming the first changed time."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from honest_forecast.data.series import Series
from honest_forecast.errors import DataError
from honest_forecast.forecasting.growth import rows_added


def series(rows: int) -> Series:
    stamps = pd.date_range("2014-01-01", periods=rows, freq="h").to_numpy(dtype="datetime64[ns]")
    values = np.sin(np.arange(rows) / 3.0)
    values[5] = np.nan  # a missing value stays missing in both
    return Series(stamps, values, np.zeros((rows, 1)), "y", ("x",), "1h", "time_of_day", 24, (24,), np.zeros(rows, bool))


def test_rows_appended_after_the_backtest_are_counted() -> None:
    assert rows_added("input.csv", series(50), series(50)) == 0
    assert rows_added("input.csv", series(50), series(53)) == 3


def test_a_changed_old_row_or_a_shorter_file_is_refused() -> None:
    stored = series(50)
    edited = series(53)
    edited.target[20] += 0.5
    with pytest.raises(DataError, match=r"the row at 2014-01-01T20:00:00 is not the one the models were fit and scored on"):
        rows_added("input.csv", stored, edited)
    with pytest.raises(DataError, match=r"now ends at 2014-01-02T15:00:00, before the last row .*rerun it with `dvc repro`"):
        rows_added("input.csv", stored, series(40))
    with pytest.raises(DataError, match=r"the series now reads as \['y', 'x'\] every 30min"):
        rows_added("input.csv", stored, dataclasses.replace(series(50), freq="30min"))
