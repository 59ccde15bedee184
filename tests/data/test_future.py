"""The times past the last row follow the series' own spacing: literal expected values for every kind."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from honest_forecast.data.future import future_times
from honest_forecast.errors import DataError


def times(*stamps: str) -> np.ndarray:
    return pd.DatetimeIndex(stamps).to_numpy(dtype="datetime64[ns]")


@pytest.mark.parametrize(
    ("history", "expected"),
    [
        (pd.date_range("2014-12-31T22:00", "2014-12-31T23:30", freq="30min"), ["2015-01-01T00:00", "2015-01-01T00:30"]),
        (pd.date_range("2014-01-01", "2014-03-01", freq="D"), ["2014-03-02", "2014-03-03"]),
        (pd.bdate_range("2013-12-02", "2014-01-03"), ["2014-01-06", "2014-01-07"]),  # Friday, then Monday
        (  # the data trades Monday to Saturday: Sunday is skipped, no holiday is invented
            pd.bdate_range("2013-12-02", "2014-01-04", freq="C", weekmask="Mon Tue Wed Thu Fri Sat"),
            ["2014-01-06", "2014-01-07"],
        ),
        (pd.date_range("2013-10-04", "2014-01-03", freq="W-FRI"), ["2014-01-10", "2014-01-17"]),
        (pd.date_range("2013-01-01", "2014-11-01", freq="MS"), ["2014-12-01", "2015-01-01"]),
        (pd.date_range("2013-01-31", "2014-01-31", freq="ME"), ["2014-02-28", "2014-03-31"]),
        (pd.date_range("2011-01-01", "2014-01-01", freq="QS-JAN"), ["2014-04-01", "2014-07-01"]),
        (pd.date_range("2000-12-31", "2013-12-31", freq="YE-DEC"), ["2014-12-31", "2015-12-31"]),
    ],
)
def test_the_next_times_follow_the_spacing_of_the_rows(history: pd.DatetimeIndex, expected: list[str]) -> None:
    np.testing.assert_array_equal(future_times(history.to_numpy(dtype="datetime64[ns]"), "auto", 2), times(*expected))


def test_an_integer_index_keeps_its_step_and_rows_without_times_have_none() -> None:
    np.testing.assert_array_equal(future_times(np.arange(1990, 2001, 2), "integer", 3), [2002, 2004, 2006])
    assert future_times(times("2014-01-01", "2014-01-05"), "none", 3) is None


def test_a_forecast_past_what_a_timestamp_holds_is_refused_naming_the_last_row() -> None:
    history = pd.date_range("2262-04-09T00:00", periods=24, freq="h").to_numpy(dtype="datetime64[ns]")
    with pytest.raises(DataError, match=r"from the last row \(2262-04-09T23:00:00\) runs past 2262-04-11"):
        future_times(history, "auto", 72)
