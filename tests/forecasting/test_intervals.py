"""Intervals the backtest earned cover what they promise on new points, lead by lead."""

from __future__ import annotations

import numpy as np

from honest_forecast.forecasting.intervals import backtest_residuals, earned_radii


def test_per_lead_coverage_of_the_earned_intervals_is_within_3_points_of_each_level() -> None:
    """Errors that grow with the lead, as a forecast's do: calibrated on 4,000 backtest origins, checked on 20,000 new ones."""
    rng = np.random.default_rng(7)
    horizon, spread = 6, np.sqrt(np.arange(1, 7))
    backtest = [{"actual": rng.normal(scale=spread, size=(4000, horizon)), "forecast_ets": np.zeros((4000, horizon))}]
    radii = earned_radii(backtest_residuals(backtest, "ets"), (0.8, 0.95))
    new_errors = rng.normal(scale=spread, size=(20_000, horizon))  # new origins, exchangeable with the backtest's
    for key, level in (("80", 0.8), ("95", 0.95)):
        coverage = (np.abs(new_errors) <= radii[key]).mean(axis=0)
        assert np.all(np.abs(coverage - level) <= 0.03), (key, coverage)
    assert np.all(np.diff(radii["95"]) > 0)  # wider at later leads, as the errors are


def test_residuals_come_from_every_block_that_scored_the_method() -> None:
    blocks = [
        {"actual": np.ones((3, 2)), "forecast_ets": np.zeros((3, 2))},
        {"actual": np.ones((2, 2)), "forecast_theta": np.zeros((2, 2))},  # ets skipped in this fold
        {"actual": np.full((4, 2), 2.0), "forecast_ets": np.ones((4, 2))},
    ]
    assert backtest_residuals(blocks, "ets").shape == (7, 2)
