"""Every bad input gets its own clear message, a non-zero exit and no output (issue: bad input)."""

from __future__ import annotations

import dataclasses
import gzip
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from honest_forecast.data import reader
from honest_forecast.io import load_arrays
from honest_forecast.params import Params
from honest_forecast.paths import SERIES_FILE, SUMMARY_FILE
from stages import ingest, windows
from tests.helpers import exit_code, run_ingest

GOOD_ROWS = [f"2014-01-01T{h:02d}:{m:02d}:00,{4 + 0.1 * h + 0.01 * m:.3f},{15 + h / 10:.1f}" for h in range(6) for m in (0, 30)]
HEADER = "timestamp,demand_gw,temperature_c"


def csv_text(rows: list[str], header: str = HEADER) -> str:
    return "\n".join([header, *rows]) + "\n"


CASES = {
    "missing file": (None, {}, "input.csv: file not found (param 'data_path')"),
    "empty file": ("", {}, "input.csv: the file is empty"),
    "header only": (HEADER + "\n", {}, "has a header but no data rows"),
    "time column missing": (
        csv_text(GOOD_ROWS).replace("timestamp", "time"),
        {},
        "column 'timestamp' not found; columns found: 'time', 'demand_gw', 'temperature_c'",
    ),
    "target column missing": (csv_text(GOOD_ROWS), {"target_column": "load"}, "column 'load' not found"),
    "non-numeric values": (
        csv_text(GOOD_ROWS[:3] + ["2014-01-01T01:30:00,abc,15"] + GOOD_ROWS[4:]),
        {},
        "column 'demand_gw' has non-numeric values at line 5: 'abc'",
    ),
    "unparseable timestamps": (
        csv_text(GOOD_ROWS[:2] + ["yesterday,4.0,15"] + GOOD_ROWS[3:]),
        {},
        "column 'timestamp' has unparseable timestamps at line 4 ('yesterday')",
    ),
    "duplicate timestamps": (csv_text(GOOD_ROWS[:3] + GOOD_ROWS[2:]), {}, "duplicate timestamps at line 5"),
    "out of order": (csv_text([GOOD_ROWS[1], GOOD_ROWS[0], *GOOD_ROWS[2:]]), {}, "out of time order at line 3; sort the file"),
    "irregular spacing": (
        csv_text(GOOD_ROWS[:3] + ["2014-01-01T01:10:00,4.0,15"] + GOOD_ROWS[4:]),
        {},
        "is not on a regular 30min grid at line 5",
    ),
    "missing value, policy error": (
        csv_text(GOOD_ROWS[:4] + ["2014-01-01T02:00:00,,15"] + GOOD_ROWS[5:]),
        {"missing": "error"},
        "column 'demand_gw' has 1 missing values, first at 2014-01-01T02:00:00; set param 'missing'",
    ),
    "missing row, policy error": (
        csv_text(GOOD_ROWS[:4] + GOOD_ROWS[5:]),
        {"missing": "error"},
        "column 'demand_gw' has 1 missing values",
    ),
    "gap longer than max_gap": (
        csv_text(GOOD_ROWS[:2] + GOOD_ROWS[6:]),
        {"missing": "interpolate", "max_gap": 2, "max_fill_share": 1.0},
        "a gap of 4 missing steps from 2014-01-01T01:00:00, longer than param 'max_gap' (2)",
    ),
    "gap at the start under ffill": (
        csv_text(["2014-01-01T00:00:00,NA,15"] + GOOD_ROWS[1:]),
        {"missing": "ffill", "max_fill_share": 1.0},
        "starts or ends with missing values, which 'ffill' cannot fill",
    ),
    "infinite values": (
        csv_text(GOOD_ROWS[:5] + ["2014-01-01T02:30:00,inf,15"] + GOOD_ROWS[6:]),
        {},
        "column 'demand_gw' has infinite values at line 7",
    ),
    "constant series": (
        csv_text([r.split(",")[0] + ",5.0,15" for r in GOOD_ROWS]),
        {},
        "column 'demand_gw' is constant (5); there is nothing to forecast",
    ),
    "other encoding": (
        csv_text(GOOD_ROWS).replace("temperature_c", "température").encode("latin-1"),
        {"covariates": []},
        "not readable as utf-8 (byte 24); set param 'encoding'",
    ),
    "semicolons without csv_sep": (
        csv_text([r.replace(",", ";") for r in GOOD_ROWS], HEADER.replace(",", ";")),
        {},
        "The header contains ';': set param 'csv_sep' to ';'",
    ),
    "decimal commas without decimal": (
        csv_text([r.replace(",", ";").replace(".", ",") for r in GOOD_ROWS], HEADER.replace(",", ";")),
        {"csv_sep": ";"},
        "set param 'decimal' to ','",
    ),
    "unknown covariate": (csv_text(GOOD_ROWS), {"covariates": ["humidity"]}, "column 'humidity' not found"),
    "param typo": (
        csv_text(GOOD_ROWS),
        {"learning_rate": 0.01},
        "params.yaml: unknown param 'learning_rate'; did you mean 'lr'?",
    ),
    "param read as text": (csv_text(GOOD_ROWS), {"lr": "fast"}, "param 'lr' must be a number, got 'fast'"),
    "target column named twice": (
        csv_text(GOOD_ROWS, "timestamp,demand_gw,demand_gw"),
        {},
        "the header names column 'demand_gw' twice",
    ),
    "row with fewer fields": (
        csv_text([*GOOD_ROWS[:3], "2014-01-01T01:30:00,4.5", *GOOD_ROWS[4:]]),
        {},
        "line 5 has fewer fields than the header",
    ),
    "filling more than max_fill_share": (
        csv_text([row for i, row in enumerate(GOOD_ROWS) if i not in (3, 5, 7)]),
        {"missing": "interpolate"},
        "column 'demand_gw': 'interpolate' would make up 25.0% of its values (3 of 12), more than param 'max_fill_share' (5%)",
    ),
    "thousands separators": (
        csv_text([*GOOD_ROWS[:2], '2014-01-01T01:00:00,"4,100.5",15', *GOOD_ROWS[3:]]),
        {},
        "has non-numeric values at line 4: '4,100.5' (thousands separators? set param 'thousands' to ',')",
    ),
    "decimal commas already set": (
        csv_text(
            [r.replace(",", ";").replace(".", ",") for r in GOOD_ROWS[:2]] + ["2014-01-01T01:00:00;abc;15"],
            "timestamp;demand_gw;temperature_c",
        ),
        {"csv_sep": ";", "decimal": ","},
        "has non-numeric values at line 4: 'abc'\n",
    ),
    "row with more fields": (
        csv_text([*GOOD_ROWS[:3], "2014-01-01T01:30:00,4.5,15,99", *GOOD_ROWS[4:]]),
        {},
        "line 5",
    ),
    "gzip that is broken": (b"\x1f\x8b\x08\x00" + b"garbage" * 5, {}, "a gzip file that cannot be decompressed"),
    "a PDF": (b"%PDF-1.7\n" + b"x" * 100, {}, "this is a PDF document, not a CSV"),
    "zip or xlsx": (b"PK\x03\x04" + b"\x00" * 40, {}, "input.csv: this is a zip archive (an .xlsx workbook is one)"),
    "binary file": (bytes(range(256)) * 4, {}, "input.csv: binary data (NUL bytes), not a CSV text file"),
    "zone-aware and naive timestamps mixed": (
        csv_text([GOOD_ROWS[0].replace(":00,", ":00+10:00,", 1), *GOOD_ROWS[1:]]),
        {},
        "mixes timestamps with a zone offset (first at line 2) and without one (first at line 3)",
    ),
    # issue 19: inputs that turned into wrong data, or into a wrong explanation
    "a mistyped year in the last row": (
        csv_text([*GOOD_ROWS[:-1], GOOD_ROWS[-1].replace("2014", "2041", 1)]),
        {},
        "between line 12 (2014-01-01T05:00:00) and line 13 (2041-01-01T05:30:00): a mistyped date?",
    ),
    "a year before 1677 with freq none": (
        csv_text([f"{1659 + i}-01-01,{4 + i % 3},15" for i in range(12)]),
        {"freq": "none"},
        "has times outside 1677-09-22 to 2262-04-10, the range a timestamp can be stored in, at lines 2, 3, 4, 5, 6 and 7 more",
    ),
    "a year after 2262": (
        csv_text([*GOOD_ROWS[:-1], GOOD_ROWS[-1].replace("2014", "2314", 1)]),
        {},
        "has times outside 1677-09-22 to 2262-04-10, the range a timestamp can be stored in, at line 13 ('2314-01-01T05:30:00')",
    ),
    "a separator of nothing": (csv_text(GOOD_ROWS), {"csv_sep": ""}, "param 'csv_sep' is empty"),
    "comment lines above the header": (
        "# exported by SCADA 4.2\n# units: GW\n" + csv_text(GOOD_ROWS),
        {},
        "the header is on line 3, not line 1; remove lines 1 to 2 above it",
    ),
    "a title line above the header": ("Demand export\n" + csv_text(GOOD_ROWS), {}, "the header is on line 2, not line 1"),
    "local times repeated when daylight saving ends": (
        csv_text(
            [
                f"2014-04-06T{h:02d}:{m:02d}:00,{4 + 0.01 * i:.2f},15"
                for i, (h, m) in enumerate([(1, 0), (1, 30), (2, 0), (2, 30), (2, 0), (2, 30), (3, 0), (3, 30)])
            ]
        ),
        {},
        "goes back from 2014-04-06T02:30 to 02:00 at line 6: local clock times that repeat when daylight saving ends",
    ),
    "an hour written twice in hourly local times": (
        csv_text([f"2014-04-06T{h:02d}:00:00,{4 + 0.1 * i:.1f},15" for i, h in enumerate([0, 1, 2, 2, 3, 4, 5])]),
        {},
        "goes back from 2014-04-06T02:00 to 02:00 at line 5: local clock times that repeat",
    ),
    "several series in long format": (
        csv_text(
            [f"{row.split(',')[0]},{sid},{4 + k + 0.1 * i:.1f}" for i, row in enumerate(GOOD_ROWS) for k, sid in enumerate("AB")],
            "timestamp,store,demand_gw",
        ),
        {"covariates": []},
        "because the file holds several series: column 'store' takes 2 values ('A', 'B'), each with its own times in order",
    ),
    "a bad value after blank lines": (
        csv_text(GOOD_ROWS[:4]) + "\n\n" + "\n".join([*GOOD_ROWS[4:7], "2014-01-01T03:30:00,abc,15", *GOOD_ROWS[8:]]) + "\n",
        {},
        "column 'demand_gw' has non-numeric values at line 11: 'abc'",
    ),
    "a row off the grid after blank lines": (
        csv_text(GOOD_ROWS[:4]) + "\n\n" + "\n".join([*GOOD_ROWS[4:7], "2014-01-01T03:40:00,4.0,15", *GOOD_ROWS[8:]]) + "\n",
        {},
        "is not on a regular 30min grid at line 11",
    ),
    "a bad value after a quoted line break": (
        csv_text([*GOOD_ROWS[:2], '2014-01-01T01:00:00,4.1,"15\n(estimated)"', *GOOD_ROWS[3:6], "2014-01-01T03:00:00,abc,15"])
        + "\n",
        {"covariates": []},
        "column 'demand_gw' has non-numeric values at line 9: 'abc'",
    ),
    "a byte-order mark and nothing else": (
        b"\xef\xbb\xbf\r\n",
        {},
        "input.csv: the file is empty (nothing but a byte-order mark",
    ),
    "a covariate with no value at all": (
        csv_text([row.rsplit(",", 1)[0] + "," for row in GOOD_ROWS]),
        {"covariates": ["temperature_c"]},
        "column 'temperature_c' (a covariate) has no value at all, every row is missing",
    ),
    "a target with no value at all": (
        csv_text([f"{row.split(',')[0]},,15" for row in GOOD_ROWS]),
        {},
        "column 'demand_gw' (the target) has no value at all",
    ),
    "a file name with control characters": (
        None,
        {"data_path": "in\x1b[31mput\r.csv"},
        "error: in\\x1b[31mput\\r.csv: file not found",
    ),
}


def _rows(values: np.ndarray) -> list[str]:
    """Half-hourly rows of the given target values, with a covariate."""
    stamps = pd.date_range("2014-01-01", periods=len(values), freq="30min").strftime("%Y-%m-%dT%H:%M:%S")
    return [f"{stamp},{'' if np.isnan(value) else repr(float(value))},15" for stamp, value in zip(stamps, values, strict=True)]


WAVE = 5 + np.sin(np.arange(400) / 7.0)
FLAT_TAIL = np.concatenate([WAVE[:339], np.full(61, 2.0)])
# Params files as their bytes, and other inputs that only the windows stage can judge (it runs before any training).
MORE_CASES = {
    "params.yaml with a key twice": (
        csv_text(GOOD_ROWS),
        b"data_path: input.csv\nlr: 0.1\nlr: 0.2\n",
        "param 'lr' is given twice (line 3)",
    ),
    "params.yaml empty": (csv_text(GOOD_ROWS), b"", "params.yaml is empty"),
    "params.yaml in latin-1": (
        csv_text(GOOD_ROWS),
        "data_path: input.csv\ntarget_column: d\u00e9bit\n".encode("latin-1"),
        "not UTF-8",
    ),
    "params.yaml not YAML": (csv_text(GOOD_ROWS), b"data_path: [input.csv\n", "params.yaml is not valid YAML"),
    "seed too large for three members": (csv_text(GOOD_ROWS), {"seed": 2**32 - 2, "members": 3}, "above 4294967295"),
    "thousands equal to decimal": (csv_text(GOOD_ROWS), {"thousands": "."}, "'thousands' and 'decimal' are both '.'"),
    "max_fill_share above 1": (csv_text(GOOD_ROWS), {"max_fill_share": 1.5}, "param 'max_fill_share' is 1.5; it must be <= 1"),
    "freq not a frequency": (
        csv_text(GOOD_ROWS),
        {"freq": "fortnightly"},
        "param 'freq': 'fortnightly' is not a pandas frequency",
    ),
    "freq disagreeing with the data": (
        csv_text(GOOD_ROWS),
        {"freq": "1h"},
        "param 'freq' is 1h but column 'timestamp' steps every",
    ),
    "season neither a number nor auto": (csv_text(GOOD_ROWS), {"season": "daily"}, "param 'season'"),
    "unknown encoding": (csv_text(GOOD_ROWS), {"encoding": "klingon"}, "param 'encoding': unknown encoding 'klingon'"),
    "unknown missing policy": (csv_text(GOOD_ROWS), {"missing": "guess"}, "param 'missing' is 'guess'; choose one of skip"),
    "flat test block": ((csv_text(_rows(FLAT_TAIL)), {"covariates": [], "window": 24}), "windows", "flat in the test block"),
    "values that overflow scaling": (
        (csv_text(_rows(np.linspace(-1, 1, 400) * 1.7e308)), {"covariates": [], "window": 24}),
        "windows",
        "values too large to scale in float64",
    ),
    "season longer than the train block": (
        (csv_text(_rows(WAVE)), {"covariates": [], "window": 24, "season": 336}),
        "windows",
        "param 'season' is 336 but the train block has 280 rows",
    ),
    "max_gap written as a time of day": (
        csv_text(GOOD_ROWS),
        b"data_path: input.csv\nmissing: interpolate\nmax_gap: 2:00\n",
        "param 'max_gap' must be a whole number, got '2:00' (DVC reads 2:00 as text",
    ),
    "a test block whose targets are all missing": (
        (csv_text(_rows(np.where(np.arange(400) >= 340, np.nan, WAVE))), {"covariates": [], "window": 24}),
        "windows",
        "column 'demand_gw' has no known value in the test block (rows 340 to 399): every target there is missing",
    ),
    "a known covariate also listed as a past one": (
        csv_text(GOOD_ROWS),
        {"covariates": ["temperature_c"], "known_covariates": ["temperature_c"]},
        "column 'temperature_c' is in both 'covariates' (past values only) and 'known_covariates'",
    ),
    "the target as a known covariate": (
        csv_text(GOOD_ROWS),
        {"known_covariates": ["demand_gw"]},
        "param 'known_covariates' lists the target column 'demand_gw'",
    ),
    "a forecast-only covariate that is not known": (
        csv_text(GOOD_ROWS),
        {"known_covariates_forecast": ["temperature_c"]},
        "param 'known_covariates_forecast' lists 'temperature_c', which is not in 'known_covariates' ([])",
    ),
    "a known covariate with no rows ahead": (
        csv_text(GOOD_ROWS),
        {"known_covariates": ["temperature_c"], "horizon": 2},
        "column 'temperature_c' (a known covariate) has 0 of the 2 rows after the last value of 'demand_gw' "
        "(2014-01-01T05:30:00) that the forecast reads it at (param 'horizon'); the first one missing is at 2014-01-01T06:00:00",
    ),
    "a known covariate with too few rows ahead": (
        csv_text([*GOOD_ROWS, "2014-01-01T06:00:00,,16.0"]),
        {"known_covariates": ["temperature_c"], "horizon": 2},
        "has 1 of the 2 rows after the last value of 'demand_gw' (2014-01-01T05:30:00) that the forecast reads it at "
        "(param 'horizon'); the first one missing is at 2014-01-01T06:30:00",
    ),
    "a known covariate empty in a row ahead": (
        csv_text([*GOOD_ROWS, "2014-01-01T06:00:00,,16.0", "2014-01-01T06:30:00,,"]),
        {"known_covariates": ["temperature_c"], "horizon": 2},
        "column 'temperature_c' (a known covariate) is empty at 2014-01-01T06:30:00, one of the 2 rows after the last value",
    ),
    "a non-numeric known covariate": (
        csv_text([*GOOD_ROWS[:3], "2014-01-01T01:30:00,4.1,warm", *GOOD_ROWS[4:], "2014-01-01T06:00:00,,16.0"]),
        {"known_covariates": ["temperature_c"]},
        "column 'temperature_c' has non-numeric values at line 5: 'warm'",
    ),
    "a valid block with no complete window": (
        (csv_text(_rows(np.where(np.arange(400) % 20 == 0, np.nan, WAVE))), {"covariates": [], "window": 24}),
        "windows",
        "block has no window of 25 rows without a missing value",
    ),
}


def _one_error_line(err: str) -> None:
    assert "Traceback" not in err and err.count("error:") == 1 and err.strip().startswith("error:"), err


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_is_refused_clearly_with_no_output(
    case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    content, params, message = CASES[case]
    code, err = run_ingest(tmp_path, monkeypatch, capsys, content, **params)
    assert code == 2
    assert message in err, err
    _one_error_line(err)


@pytest.mark.parametrize("case", list(MORE_CASES))
def test_more_bad_input_is_refused_before_any_training(
    case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    first, second, message = MORE_CASES[case]
    if second == "windows":  # ingest accepts it; the windows stage, still before training, must refuse it
        content, params = first
        code, err = run_ingest(tmp_path, monkeypatch, capsys, content, **params)
        assert code == 0, err
        code, err = exit_code(windows.main, capsys)
        assert not list((tmp_path / "data" / "windows").glob("*")), "the failing stage left output"
    elif isinstance(second, bytes):
        monkeypatch.chdir(tmp_path)
        (tmp_path / "input.csv").write_text(first)
        (tmp_path / "params.yaml").write_bytes(second)
        code, err = exit_code(ingest.main, capsys)
        assert not SERIES_FILE.exists()
    else:
        code, err = run_ingest(tmp_path, monkeypatch, capsys, first, **second)
    assert code == 2, err
    assert message in err, err
    _one_error_line(err)


def test_the_table_holds_at_least_45_inputs() -> None:
    assert len(CASES) + len(MORE_CASES) >= 65


def test_rows_after_the_last_target_value_are_the_future_of_the_known_covariates_not_missing_values(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    ahead = ["2014-01-01T06:00:00,,16.0", "2014-01-01T06:30:00,,16.5", "2014-01-01T07:00:00,,17.0"]
    code, err = run_ingest(
        tmp_path, monkeypatch, capsys, csv_text(GOOD_ROWS + ahead), known_covariates=["temperature_c"], horizon=2
    )
    assert code == 0, err
    summary = json.loads(SUMMARY_FILE.read_text())
    arrays = load_arrays(SERIES_FILE)
    assert summary["rows"] == len(GOOD_ROWS) and summary["missing_values"] == 0
    assert summary["end"] == "2014-01-01T05:30:00" and list(arrays["known_names"]) == ["temperature_c"]
    np.testing.assert_array_equal(arrays["known"][:, 0], [15 + h / 10 for h in range(6) for _ in (0, 30)])
    assert arrays["covariates"].shape == (len(GOOD_ROWS), 0)


def test_thousands_separators_are_read_with_the_param(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    rows = [f'{r.split(",")[0]},"1,{400 + i}.5",15' for i, r in enumerate(GOOD_ROWS)]
    code, err = run_ingest(tmp_path, monkeypatch, capsys, csv_text(rows), thousands=",", covariates=[])
    assert code == 0, err
    np.testing.assert_allclose(load_arrays(SERIES_FILE)["target"][:2], [1400.5, 1401.5])


def test_filled_target_values_are_recorded_for_windows_to_leave_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    rows = [row for i, row in enumerate(GOOD_ROWS) if i != 4]
    code, err = run_ingest(tmp_path, monkeypatch, capsys, csv_text(rows), missing="interpolate", max_fill_share=0.1)
    assert code == 0, err
    assert np.flatnonzero(load_arrays(SERIES_FILE)["filled_target"]).tolist() == [4]
    summary = yaml.safe_load((tmp_path / SUMMARY_FILE).read_text())
    assert summary["filled_values"] == 1 and summary["filled_targets_per_block"] == {"train": 1, "valid": 0, "test": 0}


def test_a_directory_is_named_as_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    (tmp_path / "folder").mkdir()
    code, err = run_ingest(tmp_path, monkeypatch, capsys, None, data_path="folder")
    assert code == 2 and "folder: is a directory, not a file (param 'data_path')" in err


def test_gzip_is_read_directly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    code, err = run_ingest(tmp_path, monkeypatch, capsys, gzip.compress(csv_text(GOOD_ROWS).encode()))
    assert code == 0, err
    np.testing.assert_allclose(load_arrays(SERIES_FILE)["target"][:2], [4.0, 4.3])  # GOOD_ROWS: 4 + 0.01 * 30


def test_offsets_that_change_at_a_daylight_saving_switch_are_one_utc_scale(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    """Europe/Berlin, 30 March 2014: 01:30+01:00 is followed by 03:00+02:00, half an hour later."""
    stamps = ["2014-03-30T00:30:00+01:00", "2014-03-30T01:00:00+01:00", "2014-03-30T01:30:00+01:00"]
    stamps += ["2014-03-30T03:00:00+02:00", "2014-03-30T03:30:00+02:00", "2014-03-30T04:00:00+02:00"]
    rows = [f"{stamp},{4 + i / 10:.1f},15" for i, stamp in enumerate(stamps)]
    code, err = run_ingest(tmp_path, monkeypatch, capsys, csv_text(rows))
    assert code == 0, err
    utc = load_arrays(SERIES_FILE)["timestamps"]
    assert str(utc[0]) == "2014-03-29T23:30:00.000000000" and len(utc) == 6
    assert set(np.diff(utc).astype("timedelta64[m]").astype(int)) == {30}
    wall = load_arrays(SERIES_FILE)["wall_times"]  # what the calendar inputs read: the clock on the wall
    assert [str(t)[11:16] for t in wall] == ["00:30", "01:00", "01:30", "03:00", "03:30", "04:00"]


def test_bom_is_accepted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    code, err = run_ingest(
        tmp_path, monkeypatch, capsys, b"\xef\xbb\xbf" + csv_text(GOOD_ROWS).encode(), covariates=["temperature_c"]
    )
    assert code == 0, err
    series = load_arrays(SERIES_FILE)
    assert str(series["target_name"]) == "demand_gw"
    np.testing.assert_allclose(series["covariates"][:, 0], [float(r.split(",")[2]) for r in GOOD_ROWS])


def test_semicolons_and_decimal_commas_are_supported_through_params(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    text = csv_text([r.replace(",", ";").replace(".", ",") for r in GOOD_ROWS], HEADER.replace(",", ";"))
    code, err = run_ingest(tmp_path, monkeypatch, capsys, text, csv_sep=";", decimal=",")
    assert code == 0, err
    np.testing.assert_allclose(load_arrays(SERIES_FILE)["target"], [float(r.split(",")[1]) for r in GOOD_ROWS])


def test_latin1_is_read_when_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    text = csv_text(GOOD_ROWS).replace("temperature_c", "température").encode("latin-1")
    code, err = run_ingest(tmp_path, monkeypatch, capsys, text, encoding="latin-1", covariates=["température"])
    assert code == 0, err


@pytest.mark.parametrize(("policy", "expected"), [("interpolate", 4.4 + (4.3 - 4.4) / 3), ("ffill", 4.4)])
def test_missing_values_are_filled_under_the_policy(
    policy: str, expected: float, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    # Rows 3 to 6 hold 4.4, 4.2, 4.5, 4.3: blank row 4 and drop row 5, leaving a gap of two between 4.4 and 4.3.
    rows = GOOD_ROWS[:4] + ["2014-01-01T02:00:00,,15"] + GOOD_ROWS[6:]
    code, err = run_ingest(tmp_path, monkeypatch, capsys, csv_text(rows), missing=policy, max_fill_share=0.2)
    assert code == 0, err
    target = load_arrays(SERIES_FILE)["target"]
    assert len(target) == len(GOOD_ROWS)
    assert target[4] == pytest.approx(expected)
    assert target[5] == pytest.approx(4.4 + (4.3 - 4.4) * 2 / 3 if policy == "interpolate" else 4.4)


def _numbers_rows(values: list[str]) -> str:
    """A half-hourly CSV of the target alone."""
    stamps = pd.date_range("2014-01-01", periods=len(values), freq="30min").strftime("%Y-%m-%dT%H:%M:%S")
    return csv_text([f"{stamp},{value}" for stamp, value in zip(stamps, values, strict=True)], "timestamp,demand_gw")


DST_ROWS = [
    f"2014-03-30T{t},{4 + i / 10:.1f}" for i, t in enumerate(["00:30+01:00", "01:00+01:00", "01:30+01:00", "03:00+02:00"])
]
ALONE = {"covariates": ()}
# Inputs read in pieces of 3 rows: (content, params, whether the pieces vouch for them; if not, read_whole reads them)
PIECES = {
    "plain, with a covariate": (csv_text(GOOD_ROWS), {}, True),
    "CRLF line ends and a blank line": ("\r\n".join([HEADER, *GOOD_ROWS[:5], "", *GOOD_ROWS[5:]]) + "\r\n", {}, True),
    "spaces around fields": (csv_text([" " + row.replace(",", " , ") + " " for row in GOOD_ROWS]), {}, True),
    "semicolons and decimal commas": (
        csv_text([r.replace(",", ";").replace(".", ",") for r in GOOD_ROWS], HEADER.replace(",", ";")),
        {"csv_sep": ";", "decimal": ","},
        True,
    ),
    "quoted thousands (the python engine)": (
        csv_text([f'{r.split(",")[0]},"1,{400 + i}.5",15' for i, r in enumerate(GOOD_ROWS)]),
        {"thousands": ","},
        True,
    ),
    "zone offsets across a daylight-saving switch": (csv_text(DST_ROWS, "timestamp,demand_gw"), ALONE, True),
    "an integer index": (csv_text([f"{1700 + i},{4 + i % 3}" for i in range(10)], "timestamp,demand_gw"), ALONE, True),
    "gzip with a byte-order mark": (gzip.compress(b"\xef\xbb\xbf" + csv_text(GOOD_ROWS).encode()), {}, True),
    "latin-1": (
        csv_text(GOOD_ROWS).replace("temperature_c", "temp\u00e9rature").encode("latin-1"),
        {"encoding": "latin-1", "covariates": ("temp\u00e9rature",)},
        True,
    ),
    "'-0' read as decimals in every piece": (_numbers_rows(["-0", "NA", "3", "-0", "", "6", "7", "-", "9"]), ALONE, True),
    "'-0' where the whole column reads as integers": (_numbers_rows(["-0", "2", "3", "4", "5", "6", "7"]), ALONE, True),
    "'-0' among integers, decimals in another piece": (_numbers_rows(["-0", "2", "3", "4.5", "5", "6"]), ALONE, False),
    "nanoseconds in one piece only": (
        _numbers_rows(["1", "2", "3", "4", "5", "6"]).replace("01:30:00,", "01:30:00.000000001,"),
        {**ALONE, "freq": "none"},
        False,
    ),
    "a carriage return alone ends lines": (csv_text(GOOD_ROWS).replace("\n", "\r"), {}, False),
    "a short row in a later piece": (csv_text([*GOOD_ROWS[:7], "2014-01-01T03:30:00,4.5", *GOOD_ROWS[8:]]), {}, False),
    "a line of a form feed": (csv_text([*GOOD_ROWS[:7], "\f", *GOOD_ROWS[7:]]), {}, False),
}


@pytest.mark.parametrize("case", list(PIECES))
def test_reading_in_pieces_gives_the_whole_files_arrays_or_leaves_it_to_read_whole(
    case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    content, overrides, vouched = PIECES[case]
    monkeypatch.setattr(reader, "PIECE_ROWS", 3)
    path = tmp_path / "input.csv"
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    params = dataclasses.replace(Params(), data_path=str(path), **{"covariates": ("temperature_c",), **overrides})
    pieces = reader.read_in_pieces(path, params)
    assert (pieces is not None) == vouched
    if pieces is None:
        return
    *arrays, read_as = pieces
    *whole_arrays, whole_read_as = reader.read_whole(path, params)
    assert read_as == whole_read_as
    for read, whole in zip(arrays, whole_arrays, strict=True):
        assert (read is None) == (whole is None)
        if read is not None:  # the same bytes: -0.0 is not 0.0 here
            assert (read.dtype, read.shape, read.tobytes()) == (whole.dtype, whole.shape, whole.tobytes())


def test_an_error_in_a_later_piece_names_the_line_in_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.setattr(reader, "PIECE_ROWS", 4)
    rows = GOOD_ROWS[:9] + ["2014-01-01T04:30:00,abc,15"] + GOOD_ROWS[10:]
    code, err = run_ingest(tmp_path, monkeypatch, capsys, csv_text(rows))
    assert code == 2 and "column 'demand_gw' has non-numeric values at line 11: 'abc'" in err, err
    code, err = run_ingest(tmp_path, monkeypatch, capsys, csv_text(GOOD_ROWS[:4] + GOOD_ROWS[3:]))
    assert code == 2 and "duplicate timestamps at line 6" in err, err  # rows 4 and 5 straddle two pieces


def ingested_arrays(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture, content: str, **params: object
) -> dict[str, np.ndarray]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    code, err = run_ingest(tmp_path, monkeypatch, capsys, content, **params)
    assert code == 0, err
    return load_arrays(SERIES_FILE)


def assert_same_series(read: dict[str, np.ndarray], expected: dict[str, np.ndarray]) -> None:
    for key in ("timestamps", "target", "covariates"):
        np.testing.assert_array_equal(read[key], expected[key])


@pytest.mark.parametrize(
    ("case", "rows", "header", "params"),
    [
        ("a separator at the end of every row", [f"{row}," for row in GOOD_ROWS], HEADER + ",", {}),
        ("and none after the header", [f"{row}," for row in GOOD_ROWS], HEADER, {}),
        ("a column name in decomposed Unicode", GOOD_ROWS, HEADER.replace("temperature_c", "tempe\u0301rature"), {}),
        ("Unix seconds", None, "epoch s", {}),
        ("Unix milliseconds", None, "epoch ms", {}),
        ("dates as YYYYMMDD numbers", None, "yyyymmdd", {}),
    ],
)
def test_exports_that_are_fine_are_read_as_the_plain_file_is(
    case: str, rows: list[str] | None, header: str, params: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    """Inputs that once turned into wrong data or a wrong refusal, but say exactly what the plain file says."""
    plain, names = csv_text(GOOD_ROWS), ["temperature_c"]
    if "Unicode" in case:
        names = ["temp\u00e9rature"]  # typed composed, as a keyboard does
        plain = csv_text(GOOD_ROWS, HEADER.replace("temperature_c", "temp\u00e9rature"))
    if header.startswith(("epoch", "yyyymmdd")):
        stamps = pd.to_datetime([row.split(",")[0] for row in GOOD_ROWS]).as_unit("ns")
        if header == "yyyymmdd":
            stamps = pd.date_range("2014-01-30", periods=len(GOOD_ROWS), freq="D", unit="ns")
            plain = csv_text([f"{t:%Y-%m-%d},{row.split(',', 1)[1]}" for t, row in zip(stamps, GOOD_ROWS, strict=True)])
        written = {"epoch s": stamps.asi8 // 10**9, "epoch ms": stamps.asi8 // 10**6, "yyyymmdd": stamps.strftime("%Y%m%d")}
        rows = [f"{t},{row.split(',', 1)[1]}" for t, row in zip(written[header], GOOD_ROWS, strict=True)]
        header = HEADER
    expected = ingested_arrays(tmp_path / "plain", monkeypatch, capsys, plain, covariates=names, **params)
    read = ingested_arrays(tmp_path / "export", monkeypatch, capsys, csv_text(rows, header), covariates=names, **params)
    assert_same_series(read, expected)
    if case.startswith(("Unix", "dates")):
        summary = json.loads(SUMMARY_FILE.read_text())
        assert summary["time_note"].startswith("column 'timestamp' holds ") and summary["freq"] in ("30min", "D")


def test_a_year_written_as_a_number_stays_an_integer_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    rows = [f"{1659 + i},{4 + i % 3},15" for i in range(12)]
    read = ingested_arrays(tmp_path, monkeypatch, capsys, csv_text(rows, "year,demand_gw,temperature_c"), time_column="year")
    np.testing.assert_array_equal(read["timestamps"], np.arange(1659, 1671))
    assert "time_note" not in json.loads(SUMMARY_FILE.read_text())
