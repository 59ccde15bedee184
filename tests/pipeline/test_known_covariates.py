"""Covariates known in advance, with the real dvc CLI: both backtest variants, a forecast read from the file's rows ahead."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest
import yaml

from tests.helpers import BUNDLED_CSV, TINY, dvc, git, tiny_repo

HORIZON = 2


def with_rows_ahead(lines: list[str], rows: int) -> str:
    """The bundled file's first ``rows`` rows, then HORIZON rows with the demand left empty: the future to forecast."""
    ahead = [line.split(",", 2) for line in lines[rows + 1 : rows + 1 + HORIZON]]
    return "".join(lines[: rows + 1]) + "".join(f"{time},,{rest}" for time, _, rest in ahead)


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    repo = tiny_repo(tmp_path_factory.mktemp("known") / "repo")
    lines = BUNDLED_CSV.read_text(encoding="utf-8").splitlines(keepends=True)
    (repo / TINY["data_path"]).write_text(with_rows_ahead(lines, 1500))
    params = yaml.safe_load((repo / "params.yaml").read_text())
    params |= {
        "covariates": [],
        "known_covariates": ["workday", "temperature_c"],
        "known_covariates_forecast": ["temperature_c"],
        "horizon": HORIZON,
    }
    (repo / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    dvc(repo, "repro")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "known covariates")
    return repo


def test_the_backtest_is_scored_with_the_stand_ins_and_with_the_actual_values_and_says_so(repo: Path) -> None:
    metrics = json.loads((repo / "reports/metrics.json").read_text())
    known = metrics["known_covariates"]
    assert known["forecast_only"] == ["temperature_c"] and set(known["mae_rise"]["test"]) == {"model", "linear_ar"}
    for block in ("valid", "test"):
        for name in ("model", "linear_ar"):
            actual = known["with_actual_values"][block][name]["mae"]
            assert known["mae_rise"][block][name] == pytest.approx(metrics[block][name]["mae"] / actual - 1, rel=1e-4)
    assert known["with_actual_values"]["test"]["model"]["mae"] != metrics["test"]["model"]["mae"]
    report = (repo / "reports/report.md").read_text()
    assert "## Covariates known in advance" in report and "With `temperature_c` forecast rather than known" in report
    summary = json.loads((repo / "data/interim/summary.json").read_text())
    assert summary["rows"] == 1500 and summary["missing_values"] == 0  # the rows ahead are no missing targets
    diff = json.loads(dvc(repo, "metrics", "show", "--json").stdout)
    shown = next(iter(diff.values()))["data"]["reports/metrics.json"]["data"]
    assert "with_actual_values" in shown["known_covariates"]


def test_the_forecast_reads_the_known_covariates_from_the_rows_ahead_and_nothing_is_retrained(repo: Path) -> None:
    data = repo / TINY["data_path"]
    table = pd.read_csv(repo / "reports/forecast.csv")
    ahead = pd.read_csv(data).tail(HORIZON)
    assert list(table["timestamp"].iloc[:HORIZON]) == [pd.Timestamp(t).isoformat() for t in ahead["timestamp"]]
    model = hashlib.md5((repo / "models/1/model.keras").read_bytes()).hexdigest()
    lines = data.read_text().splitlines(keepends=True)
    time, empty, temperature, workday = lines[-1].rstrip("\n").split(",")
    lines[-1] = f"{time},{empty},{float(temperature) + 15:.1f},{workday}\n"  # a hotter forecast for the last step ahead
    data.write_text("".join(lines))
    dvc(repo, "repro", "--single-item", "forecast")
    changed = pd.read_csv(repo / "reports/forecast.csv")
    network = table["method"] == "model"
    assert (changed.loc[network, "point"] != table.loc[network, "point"]).any()
    assert (changed["timestamp"] == table["timestamp"]).all()
    assert hashlib.md5((repo / "models/1/model.keras").read_bytes()).hexdigest() == model
