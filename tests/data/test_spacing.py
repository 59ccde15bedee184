"""Defaults that follow the data's own spacing: freq, season and calendar inputs (issue: adaptive defaults)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from honest_forecast.data.series import Ingested, load_series
from honest_forecast.data.spacing import infer_spacing, resolve_season
from honest_forecast.errors import DataError, ParamError
from honest_forecast.io import load_arrays
from honest_forecast.names import BLOCKS
from honest_forecast.params import Params
from honest_forecast.paths import SERIES_FILE, SUMMARY_FILE
from tests.helpers import run_ingest, small_params, windows_arrays


def csv_of(stamps: pd.DatetimeIndex | np.ndarray) -> str:
    """A CSV with a time column and a wavy target, one row per stamp."""
    values = 10 + np.sin(np.arange(len(stamps)) / 3.0)
    times = (
        [str(t) for t in stamps] if np.asarray(stamps).dtype.kind == "i" else [t.isoformat() for t in pd.DatetimeIndex(stamps)]
    )
    return "time,y\n" + "".join(f"{t},{v:.4f}\n" for t, v in zip(times, values, strict=True))


def load(tmp_path: Path, stamps: pd.DatetimeIndex | np.ndarray, **overrides: object) -> Ingested:
    path = tmp_path / "series.csv"
    path.write_text(csv_of(stamps), encoding="utf-8")
    params = dataclasses.replace(Params(), data_path=str(path), time_column="time", target_column="y", covariates=(), **overrides)
    return load_series(params)


def weekdays_with_a_holiday(periods: int = 80) -> pd.DatetimeIndex:
    days = pd.bdate_range("2014-01-02", periods=periods)
    return days.delete(10)  # a weekday without trading, as on a holiday


def six_day_weeks(periods: int = 120) -> pd.DatetimeIndex:
    days = pd.date_range("1900-01-01", periods=periods, freq="D")
    return days[days.day_of_week < 6]  # markets that traded on Saturdays


SPACINGS = {
    # name: (stamps, alias, step text, season, seasons, calendar kind)
    "5-minute": (pd.date_range("2014-01-01", periods=600, freq="5min"), "5min", "5min", 288, (288,), "time_of_day"),
    "half-hourly, three weeks": (
        pd.date_range("2014-01-01", periods=48 * 21, freq="30min"),
        "30min",
        "30min",
        48,
        (48, 336),
        "time_of_day",
    ),
    "hourly": (pd.date_range("2014-01-01 00:30", periods=300, freq="h"), "1h", "1h", 24, (24,), "time_of_day"),
    "7-hourly": (pd.date_range("2014-01-01", periods=300, freq="7h"), "7h", "7h", 1, (), "time_of_day"),
    "daily": (pd.date_range("2014-01-01", periods=100, freq="D"), "D", "1 day", 7, (7,), "day_of_week"),
    "business days, a holiday missing": (weekdays_with_a_holiday(), "B", "trading day (rows)", 5, (5,), "day_of_week"),
    "weekly, Fridays": (pd.date_range("2014-01-03", periods=120, freq="W-FRI"), "W-FRI", "1 week", 52, (52,), "week_of_year"),
    "weekly, Sundays": (pd.date_range("2014-01-05", periods=120, freq="W-SUN"), "W-SUN", "1 week", 52, (52,), "week_of_year"),
    "month starts": (pd.date_range("2000-01-01", periods=60, freq="MS"), "MS", "1 month", 12, (12,), "month_of_year"),
    "month ends": (pd.date_range("2000-01-31", periods=60, freq="ME"), "ME", "1 month", 12, (12,), "month_of_year"),
    "quarter starts": (pd.date_range("2000-01-01", periods=40, freq="QS"), "QS-JAN", "1 quarter", 4, (4,), "quarter"),
    "quarter ends": (pd.date_range("2000-03-31", periods=40, freq="QE"), "QE-DEC", "1 quarter", 4, (4,), "quarter"),
    "year starts": (pd.date_range("1900-01-01", periods=40, freq="YS"), "YS-JAN", "1 year", 1, (), "none"),
    "year ends": (pd.date_range("1900-12-31", periods=40, freq="YE"), "YE-DEC", "1 year", 1, (), "none"),
    "every second day": (pd.date_range("2014-01-01", periods=100, freq="2D"), "2D", "2 days", 1, (), "none"),
    "integer years": (np.arange(1700, 1800), "integer", "1 (integer index)", 1, (), "none"),
    "step counter by 2": (np.arange(0, 200, 2), "integer", "2 (integer index)", 1, (), "none"),
}


@pytest.mark.parametrize("name", list(SPACINGS))
def test_auto_infers_the_spacing_season_and_calendar_from_the_data(name: str, tmp_path: Path) -> None:
    stamps, alias, text, season, seasons, calendar_kind = SPACINGS[name]
    ingested = load(tmp_path, stamps)
    assert (ingested.spacing.alias, ingested.spacing.text, ingested.freq_source) == (alias, text, "inferred")
    assert (ingested.series.season, ingested.series.seasons, ingested.spacing.calendar_kind) == (season, seasons, calendar_kind)
    assert len(ingested.series.target) == len(stamps)  # nothing inserted: no step is missing
    assert ingested.series.timestamps.dtype.kind == ("i" if alias == "integer" else "M")


def test_pure_functions_infer_and_resolve_without_a_file() -> None:
    hourly = infer_spacing(pd.date_range("2014-01-01", periods=10, freq="h").to_numpy())
    assert (hourly.alias, hourly.kind, hourly.cycle, hourly.calendar_kind) == ("1h", "sub_daily", 24, "time_of_day")
    assert resolve_season(hourly, rows=24 * 21, season_param="auto") == (24, (24, 168))
    assert resolve_season(hourly, rows=24 * 20, season_param="auto") == (24, (24,))  # under three weeks: no weekly period
    assert resolve_season(hourly, rows=1000, season_param=12) == (12, (12,))  # an explicit season wins
    assert resolve_season(hourly, rows=1000, season_param=1) == (1, ())
    monthly = infer_spacing(pd.date_range("2000-01-01", periods=30, freq="MS").to_numpy())
    assert resolve_season(monthly, rows=30, season_param="auto") == (12, (12,))
    years = infer_spacing(np.array([1700, 1701, 1703, 1704]))  # a gap does not change the common step
    assert (years.alias, years.step) == ("integer", 1)


def test_the_most_common_step_wins_over_a_smaller_stray_one() -> None:
    stamps = pd.date_range("2014-01-01", periods=20, freq="30min").to_numpy().copy()
    stamps[5] += np.timedelta64(10, "m")
    assert infer_spacing(stamps).alias == "30min"


def test_trading_days_on_a_six_day_week_count_rows_and_name_the_week(tmp_path: Path) -> None:
    ingested = load(tmp_path, six_day_weeks())
    assert ingested.spacing.alias == "C" and ingested.spacing.text == "trading day (rows), Mon Tue Wed Thu Fri Sat"
    assert (ingested.series.season, ingested.spacing.calendar_kind) == (6, "day_of_week")


@pytest.mark.parametrize(
    ("stamps", "dropped", "first_missing"),
    [
        (pd.date_range("2014-01-01", periods=30, freq="MS"), 2, "2014-03-01T00:00:00"),
        (pd.date_range("2014-01-31", periods=30, freq="ME"), 1, "2014-02-28T00:00:00"),
        (pd.date_range("2000-03-31", periods=30, freq="QE"), 3, "2000-12-31T00:00:00"),
        (pd.date_range("2014-01-03", periods=30, freq="W-FRI"), 4, "2014-01-31T00:00:00"),
        (pd.date_range("2014-01-01", periods=60, freq="D"), 9, "2014-01-10T00:00:00"),
        (np.arange(1700, 1760), 5, "1705"),
    ],
)
def test_a_missing_step_on_a_calendar_grid_is_inserted_as_a_missing_value(
    stamps: pd.DatetimeIndex | np.ndarray, dropped: int, first_missing: str, tmp_path: Path
) -> None:
    with pytest.raises(DataError, match=f"column 'y' has 1 missing values, first at {first_missing}; set param 'missing'"):
        load(tmp_path, np.delete(np.asarray(stamps), dropped), missing="error")
    skipped = load(tmp_path, np.delete(np.asarray(stamps), dropped))  # the default skips: left missing
    assert np.isnan(skipped.series.target[dropped])
    ingested = load(tmp_path, np.delete(np.asarray(stamps), dropped), missing="interpolate")
    assert len(ingested.series.target) == len(stamps) and ingested.filled == 1


def test_a_missing_trading_day_is_neither_inserted_nor_filled(tmp_path: Path) -> None:
    ingested = load(tmp_path, weekdays_with_a_holiday(), missing="interpolate")
    assert ingested.filled == 0
    np.testing.assert_array_equal(ingested.series.timestamps, weekdays_with_a_holiday().to_numpy(dtype="datetime64[ns]"))


def test_a_trading_day_at_another_time_of_day_is_off_the_grid(tmp_path: Path) -> None:
    days = weekdays_with_a_holiday()
    shifted = days.delete(7).insert(7, days[7] + pd.Timedelta(hours=12))
    with pytest.raises(DataError, match="column 'time' is not on a regular B grid at line 9"):
        load(tmp_path, shifted)


HOURLY = pd.date_range("2014-01-01", periods=100, freq="h")

DISAGREEING = {
    # name: (stamps, freq, the error's text)
    "half-hourly param, hourly data": (
        HOURLY,
        "30min",
        "param 'freq' is 30min but column 'time' steps every 1h (inferred); set freq: auto or freq: 1h",
    ),
    "daily param, trading days": (
        weekdays_with_a_holiday(),
        "D",
        "param 'freq' is D but column 'time' steps every trading day (rows) (inferred freq B); set freq: auto or freq: B",
    ),
    "weekly on Sundays, data on Fridays": (
        pd.date_range("2014-01-03", periods=60, freq="W-FRI"),
        "W",
        "param 'freq' is W but column 'time' steps every 1 week (inferred freq W-FRI); set freq: auto or freq: W-FRI",
    ),
    "month starts, data at month ends": (
        pd.date_range("2014-01-31", periods=30, freq="ME"),
        "MS",
        "param 'freq' is MS but column 'time' steps every 1 month (inferred freq ME); set freq: auto or freq: ME",
    ),
    "Monday to Friday, data Monday to Saturday": (
        six_day_weeks(),
        "B",
        "(inferred freq C); set freq: auto",
    ),
    "a frequency, integer years": (
        np.arange(1700, 1760),
        "YS",
        "param 'freq' is YS but column 'time' holds whole numbers, an integer index stepping by 1; set freq: auto or freq: none",
    ),
}


@pytest.mark.parametrize("name", list(DISAGREEING))
def test_a_freq_that_disagrees_with_the_data_is_refused_naming_both(name: str, tmp_path: Path) -> None:
    stamps, freq, message = DISAGREEING[name]
    with pytest.raises(DataError) as caught:
        load(tmp_path, stamps, freq=freq)
    assert message in str(caught.value)


def test_hourly_data_read_as_half_hourly_is_refused_before_anything_is_filled(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    code, err = run_ingest(
        tmp_path, monkeypatch, capsys, csv_of(HOURLY), freq="30min", missing="interpolate", time_column="time", target_column="y"
    )
    assert code == 2
    assert err.count("error:") == 1 and "Traceback" not in err
    assert "param 'freq' is 30min but column 'time' steps every 1h (inferred); set freq: auto or freq: 1h" in err


@pytest.mark.parametrize(
    ("stamps", "freq", "alias"),
    [
        (HOURLY, "60min", "1h"),
        (HOURLY, "1h", "1h"),
        (weekdays_with_a_holiday(), "B", "B"),
        (pd.date_range("2000-03-31", periods=40, freq="QE"), "QE-MAR", "QE-DEC"),  # the same quarter ends
        (pd.date_range("2014-01-03", periods=60, freq="W-FRI"), "7D", "W-FRI"),
    ],
)
def test_a_freq_that_agrees_with_the_data_is_accepted_and_recorded(
    stamps: pd.DatetimeIndex, freq: str, alias: str, tmp_path: Path
) -> None:
    ingested = load(tmp_path, stamps, freq=freq)
    assert (ingested.spacing.alias, ingested.freq_source) == (alias, "param")


@pytest.mark.parametrize(
    ("freq", "message"), [("M", "param 'freq': 'M' is not a pandas frequency"), ("0min", "does not step forward")]
)
def test_a_freq_pandas_cannot_use_is_a_param_error(freq: str, message: str, tmp_path: Path) -> None:
    with pytest.raises(ParamError, match=message):
        load(tmp_path, HOURLY, freq=freq)


def test_freq_none_counts_rows_as_steps_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    irregular = HOURLY.delete([3, 4]).insert(3, pd.Timestamp("2014-01-01 03:17"))
    code, err = run_ingest(tmp_path, monkeypatch, capsys, csv_of(irregular), freq="none", target_column="y", time_column="time")
    assert code == 0, err
    summary = json.loads(SUMMARY_FILE.read_text())
    assert (summary["freq"], summary["freq_source"], summary["season"], summary["calendar_kind"]) == ("none", "param", 1, "none")
    assert summary["note"].startswith("steps are rows, not fixed time")


def test_ingest_writes_the_resolved_spacing_to_both_outputs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    code, err = run_ingest(
        tmp_path, monkeypatch, capsys, csv_of(weekdays_with_a_holiday()), target_column="y", time_column="time"
    )
    assert code == 0, err
    series = load_arrays(SERIES_FILE)
    assert (str(series["freq"]), int(series["season"]), str(series["calendar_kind"])) == ("B", 5, "day_of_week")
    assert series["seasons"].dtype == np.int64 and series["seasons"].tolist() == [5]
    summary = json.loads(SUMMARY_FILE.read_text())
    expected = {"freq": "B", "freq_source": "inferred", "step": "trading day (rows)", "season": 5, "seasons": [5]}
    assert {key: summary[key] for key in expected} == expected and summary["calendar_kind"] == "day_of_week"
    assert "steps are trading days (rows), not fixed time" in summary["note"]


def test_an_integer_index_is_written_as_integers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    code, err = run_ingest(tmp_path, monkeypatch, capsys, csv_of(np.arange(1700, 1800)), target_column="y", time_column="time")
    assert code == 0, err
    series = load_arrays(SERIES_FILE)
    assert series["timestamps"].dtype == np.int64 and series["timestamps"][0] == 1700
    summary = json.loads(SUMMARY_FILE.read_text())
    assert (summary["start"], summary["end"], summary["freq"], summary["step"]) == (
        "1700",
        "1799",
        "integer",
        "1 (integer index)",
    )
    assert "note" not in summary


CALENDARS = {
    # calendar kind: (stamps, input channels, known-input name and width, slot of each stamp)
    "time_of_day": (
        pd.date_range("2014-01-01", periods=400, freq="30min"),
        ["time_of_day_sin", "time_of_day_cos", "day_of_week_sin", "day_of_week_cos"],
        ("time_of_day_slot", 48),
        lambda t: t.hour * 2 + t.minute // 30,
    ),
    "day_of_week": (
        weekdays_with_a_holiday(400),
        ["day_of_week_sin", "day_of_week_cos", "day_of_year_sin", "day_of_year_cos"],
        ("day_of_week", 7),
        lambda t: t.day_of_week,
    ),
    "week_of_year": (
        pd.date_range("2010-01-01", periods=400, freq="W-FRI"),
        ["week_of_year_sin", "week_of_year_cos"],
        ("week_of_year", 53),
        lambda t: t.isocalendar().week.to_numpy().astype(int) - 1,
    ),
    "month_of_year": (
        pd.date_range("1980-01-01", periods=400, freq="MS"),
        ["month_of_year_sin", "month_of_year_cos"],
        ("month_of_year", 12),
        lambda t: t.month - 1,
    ),
    "quarter": (
        pd.date_range("1900-03-31", periods=400, freq="QE"),
        ["quarter_sin", "quarter_cos"],
        ("quarter", 4),
        lambda t: t.quarter - 1,
    ),
}


@pytest.mark.parametrize("kind", list(CALENDARS))
def test_calendar_channels_and_known_slot_follow_the_calendar_kind(kind: str) -> None:
    stamps, channels, (known_name, width), slot_of = CALENDARS[kind]
    params = small_params(calendar=True, target_calendar=True, scaler="none", window=8)
    rows = len(stamps)
    arrays, _, audit = windows_arrays(stamps.to_numpy(), np.arange(float(rows)), np.empty((rows, 0)), ["y"], params, kind)
    assert [channel["name"] for channel in audit["channels"]] == ["y", *channels]
    assert [(item["name"], item["width"]) for item in audit["known_inputs"]] == [(known_name, width)]
    assert audit["calendar"] == {"kind": kind}
    for block in BLOCKS:
        target_rows = arrays[f"rows_{block}"]
        assert arrays[f"x_{block}"].shape[2] == 1 + len(channels)
        assert arrays[f"known_{block}"].shape == (*target_rows.shape, width)
        expected = np.asarray(slot_of(pd.DatetimeIndex(stamps[target_rows.ravel()]))).reshape(target_rows.shape)
        np.testing.assert_array_equal(arrays[f"known_{block}"].argmax(axis=2), expected)
    # every channel is a point on a circle: sin^2 + cos^2 = 1
    x = arrays["x_train"][:, :, 1:].astype(float)
    np.testing.assert_allclose(x[:, :, 0::2] ** 2 + x[:, :, 1::2] ** 2, 1.0, atol=1e-6)


def test_integer_years_go_through_ingest_and_windows_with_no_calendar_input(tmp_path: Path) -> None:
    ingested = load(tmp_path, np.arange(1700, 1900), calendar=True, target_calendar=True)
    params = small_params(calendar=True, target_calendar=True, window=10)
    arrays, _, audit = windows_arrays(
        ingested.series.timestamps,
        ingested.series.target,
        ingested.series.covariates,
        ["y"],
        params,
        ingested.spacing.calendar_kind,
    )
    assert [channel["name"] for channel in audit["channels"]] == ["y"]
    assert arrays["x_train"].shape[2] == 1
    assert all(arrays[f"known_{block}"].shape[-1] == 0 for block in BLOCKS)
    assert audit["known_inputs"] == []
    assert audit["calendar"]["kind"] == "none"
    assert audit["calendar"]["note"].startswith("calendar and target_calendar gave no input: the series' spacing has no calendar")


def test_steps_are_counted_across_more_years_than_a_nanosecond_difference_holds() -> None:
    """1680 to 2250 is more nanoseconds than int64 holds: the span is counted in Python integers, not wrapped."""
    from honest_forecast.data.spacing import steps_spanned

    hourly = infer_spacing(pd.date_range("2014-01-01", periods=3, freq="h").to_numpy(dtype="datetime64[ns]"))
    ends = np.array(["1680-01-01T00:00", "2250-01-01T00:00"], dtype="datetime64[ns]")
    expected = (pd.Timestamp("2250-01-01").to_pydatetime() - pd.Timestamp("1680-01-01").to_pydatetime()).days * 24 + 1
    assert steps_spanned(ends, hourly) == expected
