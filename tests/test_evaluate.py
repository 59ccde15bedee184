"""Evaluate's own logic: time order, the same points for every method, original units."""

from __future__ import annotations

import numpy as np
import pandas as pd

from stages.evaluate import in_time_order, predictions_table, to_original_units
from stages.scaling import Scaler


def test_blocks_are_scored_in_time_order_on_points_with_a_season_of_history() -> None:
    rows = np.array([[70], [10], [50], [30]])
    arrays = {
        "x_valid": rows[:, :, None].astype(float),
        "known_valid": np.eye(100)[rows],  # one-hot of the row: follows its window through the sorting
        "y_valid": rows.astype(float),
        "rows_valid": rows,
    }
    inputs, y, kept, left_out = in_time_order(arrays, "valid", season=48)
    np.testing.assert_array_equal(kept[:, 0], [50, 70])
    np.testing.assert_array_equal(inputs["window"][:, 0, 0], [50, 70])
    np.testing.assert_array_equal(inputs["known"][:, 0].argmax(axis=1), [50, 70])
    np.testing.assert_array_equal(y[:, 0], [50, 70])
    assert left_out == 2


def test_delta_forecasts_are_put_back_on_the_last_input_then_unscaled() -> None:
    scaler = Scaler("standard", center=np.array([10.0]), scale=np.array([2.0]))
    x = np.array([[[0.0], [1.5]], [[0.0], [-1.0]]])  # last inputs, scaled: 1.5 and -1.0
    delta = np.array([[0.5], [0.25]])
    np.testing.assert_allclose(to_original_units(delta, x, scaler, "delta"), [[10 + 2 * 2.0], [10 + 2 * -0.75]])
    np.testing.assert_allclose(to_original_units(delta, x, scaler, "level"), [[11.0], [10.5]])


def test_predictions_table_lists_each_target_in_time_order_with_its_step() -> None:
    stamps = pd.date_range("2014-01-01", periods=10, freq="30min").to_numpy()
    rows = np.array([[4, 5], [6, 7]])
    actual = rows.astype(float)
    table = predictions_table(stamps, rows, actual, {"model": actual + 1, "persistence": actual - 1})
    assert list(table.columns) == ["timestamp", "step", "actual", "model", "persistence"]
    assert list(table["step"]) == [1, 1, 2, 2]
    assert list(table["timestamp"]) == [
        "2014-01-01T02:00:00",
        "2014-01-01T03:00:00",
        "2014-01-01T02:30:00",
        "2014-01-01T03:30:00",
    ]
    assert list(table["model"]) == [5.0, 7.0, 6.0, 8.0]
