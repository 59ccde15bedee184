"""Pooling folds: exact pooled means, one fold passes through unchanged, and the test blocks join in time order."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from honest_forecast.backtest.pooling import pool, pooled_block, pooled_diagnostics
from honest_forecast.params import Params
from honest_forecast.scoring.blocks import calibrate, interval_report, score, significance
from honest_forecast.scoring.selection import selection_summary

HORIZON = 2
LEVELS = (0.8, 0.95)


def _block(rng: np.random.Generator, first_row: int, origins: int, noise: float) -> tuple[np.ndarray, np.ndarray, dict]:
    rows = first_row + np.arange(origins)[:, None] + np.arange(HORIZON)
    actual = np.sin(rows / 7.0) + rng.normal(scale=0.1, size=rows.shape)
    forecasts = {
        "model": actual + rng.normal(scale=noise, size=rows.shape),
        "persistence": actual + rng.normal(scale=0.5, size=rows.shape),
        "linear_ar": actual + rng.normal(scale=0.3, size=rows.shape),
    }
    return rows, actual, forecasts


def _fold(fold: int, first_test_row: int, origins: int, seed: int) -> tuple[dict, dict[str, np.ndarray]]:
    """What the evaluate stage writes for one fold, built with the same scoring functions."""
    rng = np.random.default_rng(seed)
    _, valid_actual, valid = _block(rng, first_test_row - origins, origins, noise=0.2)
    rows, actual, test = _block(rng, first_test_row, origins, noise=0.2)
    metrics = {"fold": fold, "mase_scale": 0.5, "season": 7, "horizon": HORIZON, "ridge_alpha": 10.0**fold}
    metrics["valid"] = score(valid, valid_actual, 0.5) | {"points": valid_actual.size}
    metrics["test"] = score(test, actual, 0.5) | {"points": actual.size}
    metrics["selected"] = selection_summary(metrics)
    rival = metrics["selected"]["best_baseline"]["valid"]
    metrics["significance"], _ = significance(actual, test, rival, seed=Params().seed)  # as evaluate seeds it
    stats, radii = calibrate(valid_actual, valid, actual, test, LEVELS)
    metrics["intervals"], _ = interval_report(stats, ("model", rival))
    metrics["skipped"] = {}
    metrics["audit"] = {"test_rows": [int(rows[0, 0]), int(rows[-1, -1])], "leak_free": True}
    arrays = {"rows": rows, "actual": actual} | {f"forecast_{name}": values for name, values in test.items()}
    arrays |= {f"radius_{name}_{key}": radius for name, per_level in radii.items() for key, radius in per_level.items()}
    return metrics, arrays


TIMESTAMPS = pd.date_range("2020-01-01", periods=2000, freq="h").to_numpy()


def test_one_fold_passes_through_unchanged() -> None:
    metrics, arrays = _fold(1, 1000, 300, seed=1)
    pooled, table, leads = pool([metrics], [arrays], TIMESTAMPS, seed=Params().seed)
    for key in ("valid", "test", "selected", "significance", "intervals"):
        assert pooled[key] == metrics[key]
    assert pooled["folds"]["count"] == 1 and pooled["folds"]["per_fold"]["1"]["model_mae"] == metrics["test"]["model"]["mae"]
    assert pooled["folds"]["per_fold"]["1"]["ridge_alpha"] == 10.0  # each fold's own penalty, chosen on its train windows
    assert len(table) == arrays["actual"].size and list(leads["lead"]) == [1, 2]


def test_two_folds_pool_exactly_and_join_in_time_order() -> None:
    last, last_arrays = _fold(1, 1300, 300, seed=1)
    earlier, earlier_arrays = _fold(2, 1000, 300, seed=2)
    pooled, table, leads = pool([last, earlier], [last_arrays, earlier_arrays], TIMESTAMPS, seed=Params().seed)
    actual = np.concatenate([earlier_arrays["actual"], last_arrays["actual"]])
    model = np.concatenate([earlier_arrays["forecast_model"], last_arrays["forecast_model"]])
    persistence = np.concatenate([earlier_arrays["forecast_persistence"], last_arrays["forecast_persistence"]])
    assert pooled["test"]["model"]["mae"] == pytest.approx(np.abs(actual - model).mean(), rel=1e-12)
    assert pooled["test"]["model"]["rmse"] == pytest.approx(np.sqrt(((actual - model) ** 2).mean()), rel=1e-12)
    rel_mae = np.abs(actual - model).mean() / np.abs(actual - persistence).mean()
    assert pooled["test"]["model"]["rel_mae"] == pytest.approx(rel_mae, rel=1e-12)
    assert pooled["test"]["points"] == actual.size
    first_lead = table[table["lead"] == 1]
    assert first_lead["timestamp"].is_monotonic_increasing and len(first_lead) == 600
    assert pooled["folds"]["spread"]["model_rel_mae"]["min"] <= pooled["test"]["model"]["rel_mae"]
    coverage = np.mean(
        (table["actual"] >= table["model_95_lower"]) & (table["actual"] <= table["model_95_upper"])
    )  # each fold's own radius, measured on the joined blocks
    assert pooled["intervals"]["model"]["95"]["coverage"] == pytest.approx(coverage, abs=1e-6)
    assert len(leads) == HORIZON and {"dm_p_absolute", "model_coverage_95"} <= set(leads)


def test_diagnostics_count_problems_over_every_fold() -> None:
    last = {"problems": 1, "warnings": 0, "problems_for_selected": 1, "checks": {"leakage": {}}}
    earlier = {"problems": 0, "warnings": 2, "problems_for_selected": 0, "checks": {"other": {}}}
    pooled = pooled_diagnostics([last, earlier])
    assert (pooled["problems"], pooled["warnings"]) == (1, 2) and pooled["checks"] == last["checks"]
    assert pooled["per_fold"]["2"]["warnings"] == 2


def test_pooled_block_of_one_fold_is_that_fold() -> None:
    block = {"model": {"mae": 0.1, "rmse": 0.2}, "persistence": {"mae": 0.3, "rmse": 0.4}, "points": 10}
    assert pooled_block([block], ["model", "persistence"]) is block


def test_a_metric_undefined_in_any_fold_is_undefined_pooled() -> None:
    fold = {
        "points": 10,
        "model": {"mae": 1.0, "rmse": 1.0, "mase": None},
        "persistence": {"mae": 2.0, "rmse": 2.0, "mase": None},
    }
    other = {"points": 30, "model": {"mae": 3.0, "rmse": 3.0, "mase": 1.5}, "persistence": {"mae": 2.0, "rmse": 2.0, "mase": 1.0}}
    pooled = pooled_block([fold, other], ["model", "persistence"])
    assert pooled["model"]["mase"] is None and pooled["model"]["mae"] == pytest.approx(2.5)
    assert pooled_block([other, other], ["model", "persistence"])["model"]["mase"] == pytest.approx(1.5)
