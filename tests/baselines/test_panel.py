"""The statistical baselines of many series: each series' own fit, the same on this machine and on a real Dask cluster."""

from __future__ import annotations

import numpy as np
import pytest
import yaml
from dask.distributed import LocalCluster

from honest_forecast.baselines.panel import fit_panel
from honest_forecast.baselines.statistical import bridge_gaps, fit_all
from honest_forecast.io import load_arrays
from honest_forecast.paths import fold_paths
from stages import ingest, statistical
from tests.helpers import exit_code

ROWS = {"a": 180, "b": 240, "c": 200}


def panel_csv(seed: int = 0) -> str:
    rng = np.random.default_rng(seed)
    lines = ["id,t,y"]
    for name, rows in ROWS.items():
        level = {"a": 5.0, "b": 50.0, "c": 500.0}[name]
        values = level * (1 + 0.2 * np.sin(np.arange(rows) * 2 * np.pi / 12)) + rng.normal(0, level / 50, rows)
        values[37] = np.nan if name == "b" else values[37]  # a missing value, bridged for the states only
        lines += [f"{name},{t},{'' if np.isnan(v) else f'{v:.5f}'}" for t, v in enumerate(values)]
    return "\n".join(lines) + "\n"


PARAMS = {"time_column": "t", "target_column": "y", "id_column": "id", "covariates": [], "season": 12, "horizon": 3}


def run_statistical(tmp_path, monkeypatch, capsys, **params: object) -> dict[str, np.ndarray]:
    (tmp_path / "params.yaml").write_text(yaml.safe_dump({"data_path": "input.csv", **PARAMS, **params}))
    code, err = exit_code(statistical.main, capsys)
    assert code == 0, err
    return load_arrays(fold_paths(1).statistical)


@pytest.fixture
def ingested(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "input.csv").write_text(panel_csv())
    (tmp_path / "params.yaml").write_text(yaml.safe_dump({"data_path": "input.csv", **PARAMS}))
    code, err = exit_code(ingest.main, capsys)
    assert code == 0, err
    return tmp_path


def test_each_series_gets_the_forecasts_it_would_get_alone() -> None:
    rng = np.random.default_rng(1)
    parts = [10 + np.sin(np.arange(rows) * 2 * np.pi / 12) + rng.normal(0, 0.1, rows) for rows in (150, 190)]
    target = np.concatenate(parts)
    edges = [("x", 0, 110, 130, 150), ("y", 150, 290, 320, 340)]
    fits = fit_panel(target, edges, 12, (12,), 3)
    assert fits.fitted["ets"] == 2 and fits.skipped["mstl"].keys() == {"x", "y"}
    for _, lo, train_end, _, end in edges:
        alone = {f.name: f.forecast for f in fit_all(bridge_gaps(target[lo:end])[0], train_end - lo, 12, (12,), 3)}
        for method, forecast in alone.items():
            if forecast is not None:
                np.testing.assert_array_equal(fits.forecasts[method][lo:end], forecast)


def test_the_stage_on_a_real_dask_cluster_gives_the_local_engines_forecasts(ingested, monkeypatch, capsys) -> None:
    local = run_statistical(ingested, monkeypatch, capsys)
    assert {"ets", "theta", "arima"} <= set(local) and np.isfinite(local["ets"][-1]).all()
    with LocalCluster(host="127.0.0.1", n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        on_cluster = run_statistical(ingested, monkeypatch, capsys, engine="dask", dask_address=cluster.scheduler_address)
    assert set(on_cluster) == set(local)
    for method in local:
        np.testing.assert_array_equal(on_cluster[method], local[method])
    started = run_statistical(ingested, monkeypatch, capsys, engine="dask")  # no address: the stage starts its own
    for method in local:
        np.testing.assert_array_equal(started[method], local[method])


def test_a_scheduler_that_does_not_answer_is_one_error_line(ingested, monkeypatch, capsys) -> None:
    (ingested / "params.yaml").write_text(
        yaml.safe_dump({"data_path": "input.csv", **PARAMS, "engine": "dask", "dask_address": "tcp://127.0.0.1:9"})
    )
    code, err = exit_code(statistical.main, capsys)
    assert code == 2 and "error: param 'dask_address': no Dask scheduler answers at tcp://127.0.0.1:9" in err, err
    assert err.count("error:") == 1 and "Traceback" not in err
    assert not fold_paths(1).statistical.exists()
