"""Scoring a block: the predictions table, errors per lead, intervals and the significance of a win."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from honest_forecast.backtest.tables import predictions_table
from honest_forecast.scoring.blocks import calibrate, interval_report, interval_scores, lead_table, significance


def test_predictions_table_lists_each_target_in_time_order_with_its_origin_and_lead() -> None:
    stamps = pd.date_range("2014-01-01", periods=10, freq="30min").to_numpy()
    rows = np.array([[4, 5], [6, 7]])
    actual = rows.astype(float)
    bounds = {"model_95": (actual - 0.5, actual + 0.5)}
    table = predictions_table(stamps, rows, actual, {"model": actual + 1, "persistence": actual - 1}, bounds)
    assert list(table.columns) == [
        "origin",
        "timestamp",
        "lead",
        "actual",
        "model",
        "persistence",
        "model_95_lower",
        "model_95_upper",
    ]
    assert list(table["lead"]) == [1, 1, 2, 2]
    assert list(table["origin"]) == ["2014-01-01T01:30:00", "2014-01-01T02:30:00"] * 2
    assert list(table["model_95_upper"]) == [4.5, 6.5, 5.5, 7.5]
    assert list(table["timestamp"]) == [
        "2014-01-01T02:00:00",
        "2014-01-01T03:00:00",
        "2014-01-01T02:30:00",
        "2014-01-01T03:30:00",
    ]
    assert list(table["model"]) == [5.0, 7.0, 6.0, 8.0]


def test_lead_table_scores_each_lead_on_its_own() -> None:
    actual = np.array([[1.0, 2.0], [3.0, 4.0]])
    forecasts = {"model": actual + np.array([0.1, 1.0]), "persistence": actual + np.array([0.2, -2.0])}
    table = lead_table(actual, forecasts)
    np.testing.assert_allclose(table["model_mae"], [0.1, 1.0])
    np.testing.assert_allclose(table["persistence_rmse"], [0.2, 2.0])
    np.testing.assert_allclose(table["model_rel_mae"], [0.5, 0.5])


def test_two_identical_forecasts_are_not_distinguishable_and_a_much_better_one_is_better() -> None:
    rng = np.random.default_rng(0)
    actual = rng.normal(size=(400, 3)).cumsum(axis=0)
    persistence = np.vstack([actual[:1], actual[:-1]])
    rival = actual + rng.normal(scale=1.0, size=actual.shape)
    same, by_lead = significance(actual, {"model": rival, "linear_ar": rival, "persistence": persistence}, "linear_ar", seed=0)
    assert same["absolute"]["verdict"] == same["squared"]["verdict"] == "not distinguishable from"
    assert same["absolute"]["p_value"] == 1.0 and list(by_lead["dm_p_absolute"]) == [1.0, 1.0, 1.0]
    sharper = actual + rng.normal(scale=0.3, size=actual.shape)
    better, _ = significance(actual, {"model": sharper, "linear_ar": rival, "persistence": persistence}, "linear_ar", seed=0)
    assert better["absolute"]["verdict"] == "better than" and better["absolute"]["p_value"] < 1e-6
    interval = better["model_rel_mae_95"]
    point = np.abs(actual - sharper).mean() / np.abs(actual - persistence).mean()
    assert interval["low"] < point < interval["high"] and interval["block"] >= 3


def test_intervals_are_calibrated_on_valid_and_measured_on_test() -> None:
    rng = np.random.default_rng(1)
    spread = np.array([1.0, 3.0])  # errors grow with the lead time
    valid_actual, test_actual = rng.normal(size=(2000, 2)) * spread, rng.normal(size=(4000, 2)) * spread
    zeros = {"valid": np.zeros((2000, 2)), "test": np.zeros((4000, 2))}
    stats, radii = calibrate(valid_actual, {"model": zeros["valid"]}, test_actual, {"model": zeros["test"]}, (0.8, 0.95))
    assert abs(stats["model"]["95"]["coverage"] - 0.95) < 0.015 and abs(stats["model"]["80"]["coverage"] - 0.8) < 0.02
    assert radii["model"]["95"][1] / radii["model"]["95"][0] == pytest.approx(3.0, rel=0.1)  # wider where errors are wider
    bounds = {key: (-radius * np.ones((4000, 2)), radius * np.ones((4000, 2))) for key, radius in radii["model"].items()}
    assert interval_scores(test_actual, bounds)["95"]["coverage"] == pytest.approx(stats["model"]["95"]["coverage"])
    summary, by_lead = interval_report({"model": stats["model"]}, ("model",))
    assert set(summary["model"]["95"]) == {"coverage", "width"} and list(by_lead) == ["model_coverage_80", "model_coverage_95"]
