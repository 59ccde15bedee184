"""Every bad input gets its own clear message, a non-zero exit and no output (issue: bad input)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from stages import ingest
from stages.common import load_arrays, run_stage

GOOD_ROWS = [f"2014-01-01T{h:02d}:{m:02d}:00,{4 + 0.1 * h + 0.01 * m:.3f},{15 + h / 10:.1f}" for h in range(6) for m in (0, 30)]
HEADER = "timestamp,demand_gw,temperature_c"


def run_ingest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture, content: str | bytes | None, **params: object
) -> tuple[int, str]:
    """Run the real ingest stage in ``tmp_path`` on a CSV with ``content``; return exit code and stderr."""
    monkeypatch.chdir(tmp_path)
    if content is not None:
        data = content if isinstance(content, bytes) else content.encode("utf-8")
        (tmp_path / "input.csv").write_bytes(data)
    (tmp_path / "params.yaml").write_text(yaml.safe_dump({"data_path": "input.csv", **params}))
    try:
        run_stage(ingest.main)
        code = 0
    except SystemExit as stop:
        code = int(stop.code)
    err = capsys.readouterr().err
    if code:
        assert not ingest.SERIES_FILE.exists() and not ingest.SUMMARY_FILE.exists()
        assert not list(tmp_path.glob("data/interim/.*")), "a temporary file was left behind"
    return code, err


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
        {"missing": "interpolate", "max_gap": 2},
        "a gap of 4 missing steps from 2014-01-01T01:00:00, longer than param 'max_gap' (2)",
    ),
    "gap at the start under ffill": (
        csv_text(["2014-01-01T00:00:00,NA,15"] + GOOD_ROWS[1:]),
        {"missing": "ffill"},
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
    "param read as text": (csv_text(GOOD_ROWS), {"lr": "1e-4"}, "YAML reads '1e-4' as a string"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_is_refused_clearly_with_no_output(
    case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    content, params, message = CASES[case]
    code, err = run_ingest(tmp_path, monkeypatch, capsys, content, **params)
    assert code == 2
    assert message in err, err


def test_bom_is_accepted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    code, err = run_ingest(
        tmp_path, monkeypatch, capsys, b"\xef\xbb\xbf" + csv_text(GOOD_ROWS).encode(), covariates=["temperature_c"]
    )
    assert code == 0, err
    series = load_arrays(ingest.SERIES_FILE)
    assert str(series["target_name"]) == "demand_gw"
    np.testing.assert_allclose(series["covariates"][:, 0], [float(r.split(",")[2]) for r in GOOD_ROWS])


def test_semicolons_and_decimal_commas_are_supported_through_params(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    text = csv_text([r.replace(",", ";").replace(".", ",") for r in GOOD_ROWS], HEADER.replace(",", ";"))
    code, err = run_ingest(tmp_path, monkeypatch, capsys, text, csv_sep=";", decimal=",")
    assert code == 0, err
    np.testing.assert_allclose(load_arrays(ingest.SERIES_FILE)["target"], [float(r.split(",")[1]) for r in GOOD_ROWS])


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
    code, err = run_ingest(tmp_path, monkeypatch, capsys, csv_text(rows), missing=policy)
    assert code == 0, err
    target = load_arrays(ingest.SERIES_FILE)["target"]
    assert len(target) == len(GOOD_ROWS)
    assert target[4] == pytest.approx(expected)
    assert target[5] == pytest.approx(4.4 + (4.3 - 4.4) * 2 / 3 if policy == "interpolate" else 4.4)
