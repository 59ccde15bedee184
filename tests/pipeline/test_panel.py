"""Many series through the real `dvc repro`: one global network, every series judged on its own, summed up honestly."""

from __future__ import annotations

import dataclasses
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
HORIZON = 3


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    repo = tiny_repo(tmp_path_factory.mktemp("panel") / "repo")
    panel_frame(LENGTHS).to_csv(repo / "data/raw/stores.csv", index=False)
    params = yaml.safe_load((repo / "params.yaml").read_text())
    params.update(PANEL, data_path="data/raw/stores.csv", known_covariates=[], known_covariates_forecast=[], members=1)
    params.update(epochs=2, patience=2, units=8, horizon=HORIZON, id_embedding=2)
    (repo / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "a panel")
    dvc(repo, "repro", timeout=900)
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
    assert store.series_count == 3 and audit["id_embedding"] == 2  # each series' id, embedded


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


def test_every_series_is_forecast_past_its_own_last_row_by_the_models_the_backtest_scored(repo: Path) -> None:
    forecast = pd.read_csv(repo / "reports/forecast.csv", dtype={"id": str})
    about = json.loads((repo / "reports/forecast.json").read_text())
    metrics = json.loads((repo / "reports/metrics.json").read_text())
    assert about["recommended"] == metrics["selected"]["method"] == forecast["method"].iloc[0]
    assert about["series_forecast"] == 3 and NETWORK in about["methods"]
    assert len(forecast) == 3 * HORIZON * len(about["methods"]) and forecast["point"].notna().all()
    frame = panel_frame(LENGTHS)
    for name in LENGTHS:  # each series' own next hours, from its own last row
        last = pd.Timestamp(frame.loc[frame.store == name, "ds"].max())
        mine = forecast[(forecast.id == name) & (forecast.method == NETWORK)]
        expected = [(last + pd.Timedelta(hours=lead)).strftime("%Y-%m-%dT%H:%M:%S") for lead in range(1, HORIZON + 1)]
        assert mine["timestamp"].tolist() == expected and mine["lead"].tolist() == [1, 2, 3]
        level = 10 * (1 + ord(name) - ord("A"))  # the series' own level: no series forecast in another's units
        assert np.all(np.abs(mine["point"] - level) < 3)
    for key in ("80", "95"):
        assert (forecast[f"lower_{key}"] <= forecast["point"]).all() and (forecast["point"] <= forecast[f"upper_{key}"]).all()
        assert 0 <= about["intervals"]["backtest_coverage"][NETWORK][key]["test"] <= 1


def test_the_network_forecast_of_each_series_is_that_of_its_last_window_read_alone(repo: Path) -> None:
    import keras

    from honest_forecast.data.series import Series
    from honest_forecast.forecasting.origin import network_forecast, origin_store
    from honest_forecast.forecasting.panel import series_piece
    from honest_forecast.windows.scaling import Scaler, SeriesScalers

    series = Series.load(repo / "data/interim/series.npz")
    trained = WindowStore.load(repo / "data/windows/1/arrays.npz")
    scalers = SeriesScalers.from_dict(json.loads((repo / "data/windows/1/scaler.json").read_text()))
    model = keras.saving.load_model(repo / "models/1/model.keras", safe_mode=True)
    forecast = pd.read_csv(repo / "reports/forecast.csv", dtype={"id": str})
    for index, (name, lo, hi) in enumerate(series.segments()):
        piece = series_piece(series, lo, hi)
        future = piece.timestamps[-1] + np.arange(1, HORIZON + 1) * np.timedelta64(1, "h")
        scaler = Scaler(scalers.kind, scalers.center[index], scalers.scale[index])
        store, start = origin_store(piece, future, scaler, trained.spec, True, True, trained.delta)
        store = dataclasses.replace(store, series_index=np.full(len(store.target), index, np.int32))  # its id, embedded
        alone = network_forecast(model, store, start, scaler)
        mine = forecast[(forecast.id == name) & (forecast.method == NETWORK)]["point"].to_numpy()
        np.testing.assert_allclose(mine, alone, rtol=1e-5, atol=1e-5)


def test_the_report_shows_the_spread_of_skill_over_series_and_the_worst_and_best(repo: Path) -> None:
    report = (repo / "reports/report.md").read_text()
    assert report.startswith("# Forecast report: 3 series") and "Wilcoxon" in report and "OWA" in report
    assert "The forecast past each series' last row" in report and "naive2" in report
    for image in ("skill.png", "forecast_test.png", "forecast.png", "lead_errors.png", "scatter.png", "mimicry.png"):
        assert f"]({image})" in report and (repo / "reports" / image).stat().st_size > 10_000


def test_a_panel_forecast_refuses_a_refit_and_a_file_changed_since_its_backtest(repo: Path) -> None:
    params_path, csv = repo / "params.yaml", repo / "data/raw/stores.csv"
    params, original = yaml.safe_load(params_path.read_text()), csv.read_text()
    try:
        params_path.write_text(yaml.safe_dump({**params, "forecast_refit": True}, sort_keys=False))
        refused = dvc(repo, "repro", "--single-item", "forecast", check=False)
        assert refused.returncode != 0 and "error: param 'forecast_refit'" in refused.stderr
        assert "Traceback" not in refused.stderr
        params_path.write_text(yaml.safe_dump(params, sort_keys=False))
        frame = panel_frame(LENGTHS)
        grown = pd.DataFrame(
            {
                "store": ["D"],
                "ds": [(pd.Timestamp(frame[frame.store == "D"].ds.max()) + pd.Timedelta(hours=1)).isoformat()],
                "y": [40.0],
                "x": [300],
            }
        )
        pd.concat([frame, grown]).to_csv(csv, index=False)
        changed = dvc(repo, "repro", "--single-item", "forecast", check=False)
        assert changed.returncode != 0 and "1 series changed since the backtest" in changed.stderr
        assert "'D' in column 'store'" in changed.stderr and "Traceback" not in changed.stderr
    finally:
        params_path.write_text(yaml.safe_dump(params, sort_keys=False))
        csv.write_text(original)
