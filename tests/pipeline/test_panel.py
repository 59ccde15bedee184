"""Many series through the real `dvc repro`: one global network, every series judged on its own, summed up honestly."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from honest_forecast.names import NETWORK
from honest_forecast.windows.store import WindowStore
from tests.data.test_panel import PANEL, panel_frame
from tests.helpers import dvc, git, tiny_repo

LENGTHS = {"A": 400, "B": 500, "D": 300}


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    repo = tiny_repo(tmp_path_factory.mktemp("panel") / "repo")
    panel_frame(LENGTHS).to_csv(repo / "data/raw/stores.csv", index=False)
    params = yaml.safe_load((repo / "params.yaml").read_text())
    params.update(PANEL, data_path="data/raw/stores.csv", known_covariates=[], known_covariates_forecast=[], members=1)
    params.update(epochs=2, patience=2, units=8)
    (repo / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "a panel")
    dvc(repo, "repro", "pool", timeout=900)
    return repo


def test_one_global_network_is_trained_on_the_pooled_windows_of_every_series(repo: Path) -> None:
    audit = json.loads((repo / "data/windows/1/audit.json").read_text())
    assert audit["series"] == 3 and audit["checks"]["leak_free"] and audit["checks"]["series_leak_free"] == 3
    store = WindowStore.load(repo / "data/windows/1/arrays.npz")
    starts = np.load(repo / "data/interim/series.npz")["series_starts"]
    series_of_window = np.searchsorted(starts, store.starts["train"], side="right") - 1
    assert store.windows("train") == audit["blocks"]["train"]["windows"] and set(series_of_window) == {0, 1, 2}
    trained = json.loads((repo / "models/1/train_params.json").read_text())
    assert trained["training"]["epochs_run"] == 2 and trained["params"]["id_column"] == "store"


def test_the_reports_judge_every_series_and_sum_them_up(repo: Path) -> None:
    metrics = json.loads((repo / "reports/metrics.json").read_text())
    assert metrics["series"] == 3 and metrics["test"]["naive2"]["owa"] == pytest.approx(1.0)
    assert metrics["selected"]["method"] in metrics["test"] and metrics["test"][NETWORK]["owa"] > 0
    assert set(metrics["per_series_choice"]) >= {"test", "methods_chosen", "beats_one_method_on_test"}
    assert sum(metrics["per_series_choice"]["methods_chosen"].values()) == 3
    tested = metrics["significance"]
    assert tested["series"] == 3 and 0 <= tested["wilcoxon_p"] <= 1 and tested["per_series"]["tested"] == 3
    table = pd.read_csv(repo / "reports/series_metrics.csv")
    assert set(table["id"]) == set(LENGTHS) and set(table["block"]) == {"valid", "test"}
    mine = table[(table.block == "test") & (table.method == NETWORK)]
    assert metrics["test"][NETWORK]["mase"] == pytest.approx(mine["mase"].mean(), rel=1e-5)
    predictions = pd.read_csv(repo / "reports/predictions_test.csv")
    assert set(predictions["id"]) == set(LENGTHS) and {"actual", NETWORK, "naive2"} <= set(predictions.columns)
    assert dvc(repo, "metrics", "show").stdout.count("naive2") >= 1  # the aggregates are DVC metrics


def test_the_stages_not_built_for_many_series_yet_stop_with_one_error_line(repo: Path) -> None:
    result = dvc(repo, "repro", check=False, timeout=600)
    assert result.returncode != 0
    assert "param 'id_column': the forecast past the last row is made for one series so far" in result.stderr
    assert "Traceback" not in result.stderr
