"""Evaluate's own logic: time order, the same points for every method, original units."""

from __future__ import annotations

import numpy as np

from honest_forecast.backtest.evaluation import scored_starts
from honest_forecast.windows.scaling import Scaler, to_original_units
from honest_forecast.windows.store import WindowSpec, WindowStore


def test_blocks_are_scored_in_time_order_on_points_with_a_season_of_history() -> None:
    rows = np.arange(100.0)
    starts = np.array([69, 9, 49, 29])  # window 1: targets at rows 70, 10, 50, 30
    store = WindowStore(
        WindowSpec(1, 1), rows[:, None].astype(np.float32), rows, np.zeros(100, np.int16), 0, False, {"valid": starts}
    )
    kept, left_out = scored_starts(store, "valid", season=48)
    np.testing.assert_array_equal(store.spec.target_rows(kept)[:, 0], [50, 70])
    inputs, y = store.cut(kept)
    np.testing.assert_array_equal(inputs["window"][:, 0, 0], [49, 69])
    np.testing.assert_array_equal(y[:, 0], [50, 70])
    assert left_out == 2


def test_delta_forecasts_are_put_back_on_the_last_input_then_unscaled() -> None:
    scaler = Scaler("standard", center=np.array([10.0]), scale=np.array([2.0]))
    last_input = np.array([1.5, -1.0])  # scaled
    delta = np.array([[0.5], [0.25]])
    np.testing.assert_allclose(to_original_units(delta, last_input, scaler, delta=True), [[10 + 2 * 2.0], [10 + 2 * -0.75]])
    np.testing.assert_allclose(to_original_units(delta, last_input, scaler, delta=False), [[11.0], [10.5]])


def test_the_diagnostics_score_every_training_window_of_a_short_series_and_a_seeded_sample_of_a_long_one() -> None:
    from honest_forecast.backtest import evaluation

    short = np.random.default_rng(0).permutation(5000)
    np.testing.assert_array_equal(evaluation.train_sample(short, seed=42), short)
    long = np.random.default_rng(0).permutation(3 * evaluation.TRAIN_SCORED_WINDOWS)
    sample = evaluation.train_sample(long, seed=42)
    assert len(sample) == evaluation.TRAIN_SCORED_WINDOWS == len(np.unique(sample))
    assert np.isin(sample, long).all()
    np.testing.assert_array_equal(sample, evaluation.train_sample(long, seed=42))
    assert not np.array_equal(sample, evaluation.train_sample(long, seed=43))
