"""The forecast past the last row, with the real dvc CLI on a tiny copy of this repo: the backtest's own models, a grown file."""

from __future__ import annotations

import hashlib
import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.helpers import BUNDLED_CSV, TINY, dvc, git, tiny_repo


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    repo = tiny_repo(tmp_path_factory.mktemp("forecast") / "repo")
    dvc(repo, "repro")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "first run")
    return repo


def md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()


def test_repro_forecasts_past_the_last_row_with_the_recommended_method_first(repo: Path) -> None:
    metrics = json.loads((repo / "reports/metrics.json").read_text())
    table = pd.read_csv(repo / "reports/forecast.csv")
    about = json.loads((repo / "reports/forecast.json").read_text())
    last = pd.read_csv(repo / TINY["data_path"])["timestamp"].iloc[-1]
    assert about["origin"] == pd.Timestamp(last).isoformat() and about["recommended"] == metrics["selected"]["method"]
    assert table["method"].iloc[0] == metrics["selected"]["method"] and {"model"} <= set(table["method"])
    assert table["timestamp"].iloc[0] == (pd.Timestamp(last) + pd.Timedelta("30min")).strftime("%Y-%m-%dT%H:%M:%S")
    assert (table["lower_95"] <= table["lower_80"]).all() and (table["lower_80"] <= table["point"]).all()
    assert (table["point"] <= table["upper_80"]).all() and (table["upper_80"] <= table["upper_95"]).all()
    assert about["intervals"]["points_per_lead"]["model"] == metrics["valid"]["points"] + metrics["test"]["points"]
    report = (repo / "reports/report.md").read_text().splitlines()
    assert report[4] == "## Forecast" and f"As of {about['origin']} (the last row)" in report[6]
    assert (repo / "reports/forecast.png").read_bytes().startswith(b"\x89PNG")


def test_the_network_forecast_from_a_truncated_series_is_the_backtests_forecast_from_that_origin(repo: Path) -> None:
    """The forecast and the backtest cannot drift apart: the same model, the same inputs, the same number."""
    import keras

    from honest_forecast.data.series import Series
    from honest_forecast.forecasting.origin import network_forecast, origin_store
    from honest_forecast.io import load_arrays, read_json
    from honest_forecast.params import load_params
    from honest_forecast.windows.scaling import Scaler
    from honest_forecast.windows.store import WindowStore

    params = load_params(repo / "params.yaml")
    series = Series.load(repo / "data/interim/series.npz")
    test = load_arrays(repo / "data/evaluate/1/test.npz")
    trained = WindowStore.load(repo / "data/windows/1/arrays.npz")
    scaler = Scaler.from_dict(read_json(repo / "data/windows/1/scaler.json"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = keras.saving.load_model(repo / "models/1/model.keras", safe_mode=True)
    for pick in (0, len(test["rows"]) // 2, len(test["rows"]) - 1):
        origin = int(test["rows"][pick, 0]) - 1
        head = series.head(origin + 1)
        future = series.timestamps[origin + 1 : origin + 1 + params.horizon]
        store, start = origin_store(head, future, scaler, trained.spec, params.calendar, params.target_calendar, trained.delta)
        np.testing.assert_allclose(network_forecast(model, store, start, scaler), test["forecast_model"][pick], rtol=1e-6)


def test_forecast_refit_refits_on_every_row_and_says_its_error_was_not_measured(repo: Path) -> None:
    params_file = repo / "params.yaml"
    committed = params_file.read_text()
    before = pd.read_csv(repo / "reports/forecast.csv")
    model = md5(repo / "models/1/model.keras")
    assert "forecast_refit: false" in committed
    params_file.write_text(committed.replace("forecast_refit: false", "forecast_refit: true"))
    try:
        run = dvc(repo, "repro", "--single-item", "forecast").stdout
        assert "refit: epoch 1/" in run and "every model refit on every row" in run and "Running stage 'train" not in run
        about = json.loads((repo / "reports/forecast.json").read_text())
        assert "No backtest measured this refit's error" in about["refit"]["all"]
        after = pd.read_csv(repo / "reports/forecast.csv")
        network = after["method"] == "model"
        assert not np.allclose(after.loc[network, "point"], before.loc[before["method"] == "model", "point"])
        assert md5(repo / "models/1/model.keras") == model  # the backtest's model stays what was measured
        dvc(repo, "repro", "--single-item", "report")
        assert "**Not what the backtest measured:**" in (repo / "reports/report.md").read_text()
    finally:
        params_file.write_text(committed)


def test_a_grown_file_gets_a_new_forecast_without_retraining_and_a_changed_one_is_refused(repo: Path) -> None:
    data = repo / TINY["data_path"]
    model_before = md5(repo / "models/1/model.keras")
    more = BUNDLED_CSV.read_text(encoding="utf-8").splitlines(keepends=True)[1501:1511]  # the next 10 rows of the series
    data.write_text(data.read_text() + "".join(more))
    run = dvc(repo, "repro", "--single-item", "forecast").stdout
    assert "Running stage 'forecast'" in run and "train" not in run and "ingest" not in run
    about = json.loads((repo / "reports/forecast.json").read_text())
    assert about["rows_added_since_backtest"] == 10 and about["origin"] == pd.Timestamp(more[-1].split(",")[0]).isoformat()
    assert md5(repo / "models/1/model.keras") == model_before
    assert "ingest" in json.loads(dvc(repo, "status", "--json").stdout)  # the backtest is behind the file, and says so
    lines = data.read_text().splitlines(keepends=True)
    changed_at = lines[700].split(",")[0]
    lines[700] = lines[700].replace(",", ",9", 1)  # an old row edited: 4.2 becomes 94.2
    data.write_text("".join(lines))
    failed = dvc(repo, "repro", "--single-item", "forecast", check=False)
    assert failed.returncode != 0
    assert f"the row at {pd.Timestamp(changed_at).isoformat()} is not the one the models were fit and scored on" in failed.stderr
    assert "rerun it with `dvc repro`" in failed.stderr and "Traceback" not in failed.stderr
    assert not (repo / "reports/forecast.csv").exists()  # DVC removed the stale forecast; the stage wrote none
