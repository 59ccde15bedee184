"""A file of many series (long format): grouped by id, each series checked on its own, errors naming the id."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from honest_forecast.data import reader
from honest_forecast.data.panel import load_panel
from honest_forecast.data.series import Series, load_series
from honest_forecast.params import Params
from honest_forecast.paths import SERIES_FILE, SUMMARY_FILE
from tests.helpers import ROOT, run_ingest

LENGTHS = {"B": 400, "A": 500, "C": 30, "D": 300}
STARTS = {"B": "2020-01-01", "A": "2020-01-03", "C": "2020-01-01", "D": "2020-01-05T05:00"}


def panel_frame(lengths: dict[str, int] = LENGTHS, seed: int = 0) -> pd.DataFrame:
    """Hourly series of different lengths and starts, one of them with a missing step, rows shuffled."""
    rng = np.random.default_rng(seed)
    parts = []
    for sid, rows in lengths.items():
        times = pd.date_range(STARTS[sid], periods=rows, freq="h")
        level = 10 * (1 + ord(sid) - ord("A"))
        values = level + np.sin(np.arange(rows) * 2 * np.pi / 24) + rng.normal(0, 0.1, rows)
        part = pd.DataFrame({"store": sid, "ds": [t.isoformat() for t in times], "y": values.round(6), "x": np.arange(rows)})
        parts.append(part.drop(index=7) if sid == "B" else part)  # B misses its 8th hour
    return pd.concat(parts).sample(frac=1, random_state=seed)


PANEL = {"time_column": "ds", "target_column": "y", "id_column": "store", "covariates": ["x"]}


def test_a_shuffled_panel_is_each_series_as_it_would_be_read_alone(tmp_path: Path) -> None:
    path = tmp_path / "panel.csv"
    frame = panel_frame()
    frame.to_csv(path, index=False)
    params = dataclasses.replace(Params(), data_path=str(path), **{**PANEL, "covariates": ("x",)})
    panel = load_panel(params).series
    assert panel.series_ids == ("A", "B", "C", "D") and panel.season == 24
    for name, lo, hi in panel.segments():
        alone = tmp_path / f"{name}.csv"
        frame[frame.store == name].sort_values("ds").drop(columns="store").to_csv(alone, index=False)
        one = load_series(dataclasses.replace(params, data_path=str(alone), id_column=None)).series
        assert np.array_equal(panel.timestamps[lo:hi], one.timestamps)
        assert np.array_equal(panel.target[lo:hi], one.target, equal_nan=True)
        assert np.array_equal(panel.covariates[lo:hi], one.covariates, equal_nan=True)
    assert hi == panel.rows and np.isnan(panel.target[panel.series_starts[1] + 7])  # B's missing hour is a missing row


def test_the_pieces_read_a_panel_as_the_whole_file_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "panel.csv"
    panel_frame().to_csv(path, index=False)
    params = dataclasses.replace(Params(), data_path=str(path), **{**PANEL, "covariates": ("x",)})
    monkeypatch.setattr(reader, "PIECE_ROWS", 97)
    *arrays, ids, read_as = reader.read_in_pieces(path, params)
    *whole, whole_ids, whole_read_as = reader.read_whole(path, params)
    assert read_as == whole_read_as and ids.names == whole_ids.names and np.array_equal(ids.codes, whole_ids.codes)
    for read, expected in zip(arrays, whole, strict=True):
        assert (read is None and expected is None) or read.tobytes() == expected.tobytes()


def test_a_series_too_short_or_constant_is_left_out_and_named_with_its_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    frame = panel_frame()
    frame.loc[frame.store == "D", "y"] = 5.0
    code, _ = run_ingest(tmp_path, monkeypatch, capsys, frame.to_csv(index=False), **PANEL)
    assert code == 0
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    said = subprocess.run([sys.executable, "-m", "stages.ingest"], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert said.returncode == 0 and "ingest: 2 series, 900 rows" in said.stdout, said.stderr
    assert "series 'C' left out (30 rows" in said.stdout
    assert "series 'D' left out (constant (5): nothing to forecast)" in said.stdout
    summary = json.loads(SUMMARY_FILE.read_text())
    assert summary["series"]["count"] == 2 and summary["rows"] == 900
    assert [(s["id"], s["rows"]) for s in summary["series"]["skipped"]] == [("C", 30), ("D", 300)]
    stored = Series.load(SERIES_FILE)
    assert stored.series_ids == ("A", "B") and stored.series_starts.tolist() == [0, 500, 900]


def test_blocks_by_steps_keep_a_shorter_series_that_fractions_would_leave_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    content = panel_frame({"A": 500, "C": 100}).to_csv(index=False)
    code, _ = run_ingest(tmp_path, monkeypatch, capsys, content, **PANEL)
    skipped = json.loads(SUMMARY_FILE.read_text())["series"]["skipped"]
    assert code == 0 and skipped[0]["reason"].startswith("100 rows: fold 1's blocks would be 70/15/15")
    code, _ = run_ingest(tmp_path, monkeypatch, capsys, content, **PANEL, valid_steps=4, test_steps=4)
    summary = json.loads(SUMMARY_FILE.read_text())
    assert code == 0 and summary["series"]["count"] == 2 and summary["rows"] == 600


def _with(frame: pd.DataFrame, extra: dict) -> pd.DataFrame:
    return pd.concat([frame, pd.DataFrame(extra)])


BAD_PANELS = {
    "an id with duplicated timestamps": (
        lambda f: _with(f, {"store": ["B"], "ds": ["2020-01-01T03:00:00"], "y": [1.0], "x": [0]}),
        {},
        "series 'B' (column 'store') has duplicate timestamps in column 'ds' (2020-01-01T03:00:00 first) at lines",
    ),
    "a series on another spacing": (
        lambda f: _with(f, {"store": "E", "ds": pd.date_range("2020-01-01", periods=200, freq="30min"), "y": 1.0, "x": 0}),
        {},
        "series 'E' (column 'store') steps every 30min, but 4 of the 5 series step every 1h",
    ),
    "an id column that does not exist": (lambda f: f, {"id_column": "shop"}, "column 'shop' (param 'id_column') not found"),
    "every series too short": (
        lambda f: f,
        {"window": 600},
        "every series in column 'store' is too short ('A', 'B', 'C' and 1 more: 500 rows",
    ),
    "a row without an id": (
        lambda f: _with(f, {"store": [" "], "ds": ["2020-03-01T00:00:00"], "y": [1.0], "x": [0]}),
        {},
        "column 'store' (param 'id_column') is empty at line 1231",
    ),
    "a series off the grid": (
        lambda f: _with(f, {"store": ["A"], "ds": ["2020-01-03T00:30:00"], "y": [1.0], "x": [0]}),
        {},
        "series 'A' (column 'store'): column 'ds' is not on a regular 1h grid at line 1231",
    ),
    "a gap too long to fill in one series": (
        lambda f: f[~((f.store == "D") & f.ds.between("2020-01-06T00:00:00", "2020-01-06T09:00:00"))],
        {"missing": "interpolate", "max_fill_share": 0.5},
        "series 'D' (column 'store'): column 'y' has a gap of 10 missing steps from 2020-01-06T00:00:00",
    ),
    "known covariates": (lambda f: f, {"known_covariates": ["x"], "covariates": []}, "param 'known_covariates' is not read"),
}


@pytest.mark.parametrize("case", list(BAD_PANELS))
def test_a_bad_panel_is_one_error_line_naming_the_series_and_no_output(
    case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    change, params, message = BAD_PANELS[case]
    code, err = run_ingest(tmp_path, monkeypatch, capsys, change(panel_frame()).to_csv(index=False), **{**PANEL, **params})
    assert code == 2 and message in err, err
    assert err.count("error:") == 1 and "Traceback" not in err
