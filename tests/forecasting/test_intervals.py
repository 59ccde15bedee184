"""Intervals the backtest earned: adaptive conformal, covering what it promises lead by lead, even when errors drift."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from honest_forecast.forecasting.intervals import RankCounts, earned_intervals
from honest_forecast.scoring.intervals import conformal_radius

HORIZON = 4
SPREAD = np.sqrt(np.arange(1, HORIZON + 1))  # errors that grow with the lead, as a forecast's do


def block(errors: np.ndarray, first_origin: int) -> dict[str, np.ndarray]:
    """Evaluate's arrays for a block whose origins run on from ``first_origin``, with these errors of method ets."""
    origins = first_origin + np.arange(len(errors))
    rows = origins[:, None] + 1 + np.arange(errors.shape[1])
    return {"rows": rows, "actual": errors, "forecast_ets": np.zeros_like(errors)}


def test_per_lead_coverage_is_within_3_points_of_each_level_on_exchangeable_errors() -> None:
    rng = np.random.default_rng(7)
    valid = block(rng.normal(scale=SPREAD, size=(3000, HORIZON)), 0)
    test = block(rng.normal(scale=SPREAD, size=(6000, HORIZON)), 3000)
    earned = earned_intervals(valid, test, "ets", (0.8, 0.95))
    for key, level in (("80", 0.8), ("95", 0.95)):
        assert np.all(np.abs(earned[key].coverage_by_lead - level) <= 0.03), (key, earned[key].coverage_by_lead)
        assert not earned[key].capped.any()
    assert np.all(np.diff(earned["95"].radius) > 0)  # wider at later leads, as the errors are


def test_when_errors_grow_after_the_valid_block_the_adaptive_intervals_still_cover_and_static_ones_do_not() -> None:
    rng = np.random.default_rng(8)
    valid_errors = rng.normal(scale=SPREAD, size=(3000, HORIZON))
    test_errors = rng.normal(scale=1.6 * SPREAD, size=(6000, HORIZON))  # the test block's season is harder
    static = (np.abs(test_errors) <= conformal_radius(valid_errors, 0.8)).mean(axis=0)
    assert np.all(static < 0.7)
    earned = earned_intervals(block(valid_errors, 0), block(test_errors, 3000), "ets", (0.8, 0.95))
    for key, level in (("80", 0.8), ("95", 0.95)):
        assert np.all(np.abs(earned[key].coverage_by_lead - level) <= 0.03), (key, earned[key].coverage_by_lead)
    # the forecast's radius reflects the test block's larger errors, not valid's
    assert np.all(earned["80"].radius > 1.3 * conformal_radius(valid_errors, 0.8))


def test_a_level_no_error_seen_can_back_gives_the_largest_error_and_says_so() -> None:
    valid = block(np.full((5, 1), 1.0), 0)
    test = block(np.arange(6, 46, dtype=float)[:, None], 5)  # every test error larger than all before it: each one a miss
    earned = earned_intervals(valid, test, "ets", (0.95,), step=0.05)["95"]
    assert earned.capped.all() and earned.radius[0] == 45.0 and earned.level_reached[0] >= 0.999


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0, 100, allow_nan=False), min_size=1, max_size=60), st.data())
def test_rank_counts_give_the_kth_smallest_inserted(values: list[float], data: st.DataObject) -> None:
    ordered = np.sort(values)
    ranks = np.empty(len(values), dtype=np.int64)
    ranks[np.argsort(values, kind="stable")] = np.arange(len(values))
    inserted = data.draw(st.lists(st.sampled_from(range(len(values))), min_size=1, max_size=len(values), unique=True))
    counts = RankCounts(len(values))
    for index in inserted:
        counts.add(int(ranks[index]))
    k = data.draw(st.integers(1, len(inserted)))
    assert ordered[counts.kth(k)] == np.sort([values[index] for index in inserted])[k - 1]
