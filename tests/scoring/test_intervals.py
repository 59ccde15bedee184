from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy import stats

from honest_forecast.scoring.intervals import (
    conformal_radius,
    coverage,
    coverage_miss,
    interval,
    interval_summary,
    level_key,
    mean_width,
)

SIGMA = np.array([1.0, 1.5, 2.0, 3.0])  # noise grows with lead time, as forecast errors do
LEVELS = (0.8, 0.95)


def _noisy(rng: np.random.Generator, origins: int, noise: str = "normal") -> tuple[np.ndarray, np.ndarray]:
    """Forecast = the true mean; actual = mean + noise scaled by SIGMA per lead."""
    mean = rng.normal(10.0, 5.0, size=(origins, SIGMA.size))
    draws = rng.standard_normal(mean.shape) if noise == "normal" else rng.standard_t(3, size=mean.shape)
    return mean + draws * SIGMA, mean


def test_radius_by_hand() -> None:
    residuals = np.array([-3.0, 1.0, 2.0, -5.0, 4.0])  # |r| sorted: 1, 2, 3, 4, 5; n = 5
    # level 0.5: ceil(6 * 0.5) = 3 -> 3rd smallest = 3
    assert conformal_radius(residuals, level=0.5).tolist() == [3.0]
    # level 0.8: ceil(6 * 0.8) = ceil(4.8) = 5 -> 5th smallest = 5 (the largest)
    assert conformal_radius(residuals, level=0.8).tolist() == [5.0]
    # level 0.9: ceil(6 * 0.9) = 6 > n = 5 -> no order statistic is large enough
    assert conformal_radius(residuals, level=0.9).tolist() == [math.inf]


def test_radius_is_per_column_and_inf_when_too_few_points() -> None:
    residuals = np.column_stack([np.arange(1.0, 20.0), -10 * np.arange(1.0, 20.0)])  # n = 19
    # 95 %: ceil(20 * 0.95) = 19 (not 20 from float error) -> the largest of 19, per column
    assert conformal_radius(residuals, level=0.95).tolist() == [19.0, 190.0]
    # 80 %: ceil(20 * 0.8) = 16
    assert conformal_radius(residuals, level=0.8).tolist() == [16.0, 160.0]
    # 95 % needs n >= 19: with 18 points ceil(19 * 0.95) = 19 > 18
    assert conformal_radius(residuals[:18], level=0.95).tolist() == [math.inf, math.inf]
    assert conformal_radius(np.empty((0, 3)), level=0.5).tolist() == [math.inf] * 3


def test_nan_and_bad_level_raise() -> None:
    with pytest.raises(ValueError, match="NaN"):
        conformal_radius(np.array([[1.0, 2.0], [np.nan, 1.0]]), level=0.8)
    with pytest.raises(ValueError, match="NaN"):
        coverage(np.array([np.nan, 1.0]), np.zeros(2), np.full(2, 2.0))
    with pytest.raises(ValueError, match="NaN"):
        interval_summary(np.array([[np.nan]] * 20), np.zeros((20, 1)), np.zeros((5, 1)), np.zeros((5, 1)), levels=(0.8,))
    for level in (0.0, 1.0, 80.0):
        with pytest.raises(ValueError, match="between 0 and 1"):
            conformal_radius(np.ones(10), level=level)


def test_interval_coverage_and_width_by_hand() -> None:
    forecast = np.array([[0.0, 10.0], [1.0, 20.0], [2.0, 30.0]])
    lower, upper = interval(forecast, radius=np.array([1.0, 5.0]))
    np.testing.assert_array_equal(lower, [[-1.0, 5.0], [0.0, 15.0], [1.0, 25.0]])
    np.testing.assert_array_equal(upper, [[1.0, 15.0], [2.0, 25.0], [3.0, 35.0]])
    actual = np.array([[1.0, 16.0], [-0.5, 20.0], [2.0, 24.999]])  # lead 1: on the bound, outside, inside; lead 2: out, in, out
    np.testing.assert_allclose(coverage(actual, lower, upper), [2 / 3, 1 / 3])
    np.testing.assert_allclose(mean_width(lower, upper), [2.0, 10.0])


def test_level_keys() -> None:
    assert [level_key(level) for level in (0.8, 0.95, 0.975, 0.29, 0.999)] == ["80", "95", "97.5", "29", "99.9"]


def test_known_normal_noise_covers_per_lead_and_recovers_the_quantile() -> None:
    rng = np.random.default_rng(0)
    valid_actual, valid_forecast = _noisy(rng, 20_000)
    test_actual, test_forecast = _noisy(rng, 50_000)
    for level in LEVELS:
        radius = conformal_radius(valid_actual - valid_forecast, level=level)
        # |N(0, s)| has its level-quantile at s * z_{(1 + level) / 2}
        np.testing.assert_allclose(radius, SIGMA * stats.norm.ppf((1 + level) / 2), rtol=0.05)
        lower, upper = interval(test_forecast, radius)
        np.testing.assert_allclose(coverage(test_actual, lower, upper), level, atol=0.015)
        assert np.all(np.diff(mean_width(lower, upper)) > 0)  # wider where the noise is larger


def test_heavy_tails_still_cover_where_a_normal_interval_does_not() -> None:
    rng = np.random.default_rng(1)
    valid_actual, valid_forecast = _noisy(rng, 20_000, noise="t3")
    test_actual, test_forecast = _noisy(rng, 50_000, noise="t3")
    residuals = valid_actual - valid_forecast
    for level in LEVELS:
        radius = conformal_radius(residuals, level=level)
        np.testing.assert_allclose(radius, SIGMA * stats.t.ppf((1 + level) / 2, df=3), rtol=0.05)
        np.testing.assert_allclose(coverage(test_actual, *interval(test_forecast, radius)), level, atol=0.015)
    # contrast: mean +/- z * std assumes normal errors and over-covers at 80 % (about 0.89 for t3)
    normal_radius = stats.norm.ppf(0.9) * residuals.std(axis=0)
    assert coverage(test_actual, *interval(test_forecast, normal_radius)).mean() > 0.85


def test_finite_sample_guarantee_with_19_calibration_points() -> None:
    # 4000 independent small experiments, one per column: 19 calibration and 50 test points each.
    # Exchangeability gives expected coverage in [level, level + 1 / (n + 1)] (Lei et al. 2018, thm 2.2).
    rng = np.random.default_rng(2)
    experiments, n = 4000, 19
    scale = rng.uniform(0.5, 5.0, size=experiments)  # every experiment has its own error scale
    calibration = rng.standard_normal((n, experiments)) * scale
    test_actual = rng.standard_normal((50, experiments)) * scale
    for level in (0.8, 0.9, 0.95):
        radius = conformal_radius(calibration, level=level)
        average = coverage(test_actual, *interval(np.zeros_like(test_actual), radius)).mean()
        assert level - 0.01 <= average <= level + 1 / (n + 1) + 0.01
    # the plain empirical quantile (no n + 1 correction) under-covers at this size
    naive = np.quantile(np.abs(calibration), 0.8, axis=0)
    assert coverage(test_actual, *interval(np.zeros_like(test_actual), naive)).mean() < 0.79


def test_summary_shape_and_json() -> None:
    rng = np.random.default_rng(3)
    valid_actual, valid_forecast = _noisy(rng, 500)
    test_actual, test_forecast = _noisy(rng, 300)
    summary = interval_summary(valid_actual, valid_forecast, test_actual, test_forecast, levels=(0.8, 0.95, 0.975))
    assert list(summary) == ["80", "95", "97.5"]
    for key, entry in summary.items():
        assert set(entry) == {"coverage", "width", "coverage_by_lead", "width_by_lead", "radius_by_lead"}
        assert len(entry["coverage_by_lead"]) == len(entry["width_by_lead"]) == len(entry["radius_by_lead"]) == SIGMA.size
        radius = conformal_radius(valid_actual - valid_forecast, level=float(key) / 100)
        assert entry["radius_by_lead"] == radius.tolist()
        assert entry["width_by_lead"] == pytest.approx((2 * radius).tolist())
        assert entry["width"] == pytest.approx(2 * radius.mean())
        assert entry["coverage"] == pytest.approx(np.mean(entry["coverage_by_lead"]))
        assert type(entry["coverage"]) is float
    assert summary["80"]["width"] < summary["95"]["width"] < summary["97.5"]["width"]
    json.dumps(summary, allow_nan=False)
    with pytest.raises(ValueError, match="horizons differ"):
        interval_summary(valid_actual, valid_forecast, test_actual[:, :2], test_forecast[:, :2], levels=(0.8,))


def test_coverage_miss_flags_too_narrow_and_too_wide_but_not_good() -> None:
    rng = np.random.default_rng(4)
    test_actual, test_forecast = _noisy(rng, 5000)
    valid_actual, valid_forecast = _noisy(rng, 2000)
    good = interval_summary(valid_actual, valid_forecast, test_actual, test_forecast, levels=LEVELS)
    assert coverage_miss(good, tolerance=0.03) == []
    # calibrating on residuals half as large gives a radius too small: coverage falls to about 0.49 and 0.68
    shrunk = valid_forecast + 0.5 * (valid_actual - valid_forecast)
    narrow = interval_summary(shrunk, valid_forecast, test_actual, test_forecast, levels=LEVELS)
    assert narrow["80"]["coverage"] < 0.6
    assert coverage_miss(narrow, tolerance=0.03) == ["80", "95"]
    # three times too wide: 80 % covers about 0.9985, far above; 95 % (about 1.0) is also 5 points off
    widened = valid_forecast + 3.0 * (valid_actual - valid_forecast)
    wide = interval_summary(widened, valid_forecast, test_actual, test_forecast, levels=LEVELS)
    assert coverage_miss(wide, tolerance=0.03) == ["80", "95"]
    assert coverage_miss(wide, tolerance=0.10) == ["80"]
    # too few valid origins for 95 % (10 < 19): inf radius, full coverage, flagged as 5 points over
    few = interval_summary(valid_actual[:10], valid_forecast[:10], test_actual, test_forecast, levels=(0.95,))
    assert few["95"]["radius_by_lead"] == [math.inf] * SIGMA.size and few["95"]["coverage"] == 1.0
    assert coverage_miss(few, tolerance=0.03) == ["95"]
