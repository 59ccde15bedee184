"""Evaluate's own logic: time order, the same points for every method, original units."""

from __future__ import annotations

import numpy as np

from stages.evaluate import in_time_order, to_original_units
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
