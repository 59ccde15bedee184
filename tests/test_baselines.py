from __future__ import annotations

import numpy as np
import pytest

from stages import baselines

SERIES = np.array([10.0, 11.0, 13.0, 12.0, 14.0, 15.0, 17.0, 16.0])
# Two windows of 3 inputs and 2 targets: inputs rows 0-2 -> targets 3,4; inputs 2-4 -> targets 5,6.
TARGET_ROWS = np.array([[3, 4], [5, 6]])


def test_persistence_repeats_the_last_input() -> None:
    np.testing.assert_array_equal(baselines.persistence(SERIES, TARGET_ROWS), [[13.0, 13.0], [14.0, 14.0]])


def test_seasonal_naive_goes_back_whole_seasons() -> None:
    # season 2: row 3 <- row 1; row 4 (2 steps ahead) <- row 2; row 5 <- 3; row 6 <- 4
    np.testing.assert_array_equal(baselines.seasonal_naive(SERIES, TARGET_ROWS, season=2), [[11.0, 13.0], [12.0, 14.0]])
    # season 1 with 2 steps ahead: both targets take the last known value
    np.testing.assert_array_equal(baselines.seasonal_naive(SERIES, TARGET_ROWS, season=1), [[13.0, 13.0], [14.0, 14.0]])
    with pytest.raises(ValueError, match="before the first row"):
        baselines.seasonal_naive(SERIES, TARGET_ROWS, season=4)


def test_window_mean_and_drift_by_hand() -> None:
    np.testing.assert_allclose(baselines.window_mean(SERIES, TARGET_ROWS, window=3), [[34 / 3] * 2, [13.0] * 2])
    # window rows 0-2: slope (13-10)/2 = 1.5; rows 2-4: slope (14-13)/2 = 0.5
    np.testing.assert_allclose(baselines.drift(SERIES, TARGET_ROWS, window=3), [[14.5, 16.0], [14.5, 15.0]])


def test_linear_autoregression_recovers_a_linear_rule() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 5, 1))
    y = 2 * x[:, -1, :] - x[:, 0, :]
    model = baselines.fit_linear_autoregression({"window": x}, y, alpha=1e-6)
    np.testing.assert_allclose(baselines.predict_linear_autoregression(model, {"window": x}), y, atol=1e-4)


def test_linear_autoregression_reads_what_is_known_about_the_target_too() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(300, 5, 1))
    slot = rng.integers(0, 4, size=300)
    known = np.eye(4)[slot][:, None, :]  # (windows, horizon 1, 4 slots)
    profile = np.array([0.0, 3.0, -1.0, 0.5])  # a sharp step per slot: no function of the window alone
    y = x[:, -1, :] + profile[slot][:, None]
    inputs = {"window": x, "known": known}
    assert baselines.linear_features(inputs).shape == (300, 5 + 4)
    model = baselines.fit_linear_autoregression(inputs, y, alpha=1e-6)
    np.testing.assert_allclose(baselines.predict_linear_autoregression(model, inputs), y, atol=1e-4)
    window_only = baselines.fit_linear_autoregression({"window": x}, y, alpha=1e-6)
    assert np.abs(baselines.predict_linear_autoregression(window_only, {"window": x}) - y).mean() > 0.5


def test_window_mean_ignores_missing_values_outside_the_window() -> None:
    series = SERIES.copy()
    series[0] = np.nan  # before every window below: a skipped missing value
    np.testing.assert_allclose(baselines.window_mean(series, np.array([[5, 6]]), window=3), [[13.0, 13.0]])
