from __future__ import annotations

import math
import time

import numpy as np
import pytest
from scipy import stats

from honest_forecast.scoring.significance import block_bootstrap_ratio, compare, default_block, diebold_mariano

LOSS_A = [1.0, 2.0, 3.0, 4.0, 5.0, 2.0, 3.0]
LOSS_B = [2.0, 2.0, 1.0, 3.0, 3.0, 1.0, 1.0]


def dm_by_hand(loss_a: list[float], loss_b: list[float], horizon: int) -> tuple[float, float]:
    """The DM statistic with the HLN correction, step by step in plain Python."""
    n = len(loss_a)
    d = [a - b for a, b in zip(loss_a, loss_b, strict=True)]
    mean = sum(d) / n
    gamma = [sum((d[t] - mean) * (d[t - k] - mean) for t in range(k, n)) / n for k in range(horizon)]
    variance = (gamma[0] + 2 * sum(gamma[1:])) / n
    dm = mean / math.sqrt(variance)
    hln = math.sqrt((n + 1 - 2 * horizon + horizon * (horizon - 1) / n) / n)
    statistic = dm * hln
    return statistic, 2 * stats.t.sf(abs(statistic), df=n - 1)


def test_diebold_mariano_matches_the_hand_computation() -> None:
    for horizon in (1, 2):
        expected_statistic, expected_p = dm_by_hand(LOSS_A, LOSS_B, horizon)
        result = diebold_mariano(np.array(LOSS_A), np.array(LOSS_B), horizon=horizon)
        assert result.statistic == pytest.approx(expected_statistic, rel=1e-12)
        assert result.p_value == pytest.approx(expected_p, rel=1e-12)
        assert result.mean_difference == pytest.approx(1.0)
        assert result.points == 7


def test_diebold_mariano_literal_values() -> None:
    # d = [-1, 0, 2, 1, 2, 1, 2], mean 1, deviations [-2, -1, 1, 0, 1, 0, 1]
    # gamma_0 = 8/7, gamma_1 = (2 - 1 + 0 + 0 + 0 + 0)/7 = 1/7
    # h=1: DM = 1/sqrt(8/49) = 7/sqrt(8), HLN factor sqrt(6/7) -> sqrt(42/8) = sqrt(5.25)
    # h=2: DM = 1/sqrt(10/49) = 7/sqrt(10), HLN factor sqrt((4 + 2/7)/7) = sqrt(30)/7 -> sqrt(3)
    one = diebold_mariano(np.array(LOSS_A), np.array(LOSS_B), horizon=1)
    two = diebold_mariano(np.array(LOSS_A), np.array(LOSS_B), horizon=2)
    assert one.statistic == pytest.approx(2.2912878474779, abs=1e-10)
    assert two.statistic == pytest.approx(1.7320508075689, abs=1e-10)
    assert one.p_value == pytest.approx(2 * stats.t.sf(math.sqrt(5.25), df=6), rel=1e-12)
    assert 0.05 < one.p_value < 0.07  # t(6) two-sided 5% critical value is 2.447
    # swapping the models flips the sign and keeps the p-value
    swapped = diebold_mariano(np.array(LOSS_B), np.array(LOSS_A), horizon=1)
    assert swapped.statistic == pytest.approx(-one.statistic)
    assert swapped.p_value == pytest.approx(one.p_value)


def test_negative_rectangular_variance_falls_back_to_lag_zero() -> None:
    # alternating differences: gamma_1 = -gamma_0 * (n-1)/n, so gamma_0 + 2 gamma_1 < 0
    d = np.array([1.0, -1.0] * 5) + 0.3
    result = diebold_mariano(d, np.zeros_like(d), horizon=2)
    n, gamma_0 = 10, 1.0
    hln = math.sqrt((n + 1 - 4 + 2 / n) / n)
    assert result.statistic == pytest.approx(0.3 / math.sqrt(gamma_0 / n) * hln)


def test_identical_forecasts_are_not_distinguishable() -> None:
    losses = np.random.default_rng(1).exponential(size=50)
    with np.errstate(all="raise"):
        result = diebold_mariano(losses, losses.copy(), horizon=3)
    assert result.statistic == 0.0
    assert result.p_value == 1.0
    assert result.mean_difference == 0.0
    assert compare(losses, losses.copy()) == "not distinguishable from"


def test_constant_nonzero_difference_is_certain() -> None:
    rival = np.random.default_rng(2).exponential(size=20)
    result = diebold_mariano(rival + 0.1, rival, horizon=1)
    assert result.statistic == math.inf
    assert result.p_value == 0.0
    assert diebold_mariano(rival - 0.1, rival).statistic == -math.inf
    assert compare(rival - 0.1, rival) == "better than"
    # losses that agree up to rounding (the same model scored by two code paths) are identical, not certain
    noisy = diebold_mariano((rival + 0.1) - 0.1, rival)
    assert (noisy.statistic, noisy.p_value) == (0.0, 1.0)


def test_clearly_better_and_worse() -> None:
    rival = np.random.default_rng(3).exponential(size=500)
    model = 0.5 * rival
    assert compare(model, rival) == "better than"
    assert compare(rival, model) == "worse than"
    assert compare(model, rival, horizon=4) == "better than"


def rejection_rate(differences: np.ndarray, horizon: int) -> float:
    """Share of rows whose DM test rejects equal loss at 5%."""
    base = np.ones(differences.shape[1])
    return float(np.mean([diebold_mariano(base + row, base, horizon=horizon).p_value < 0.05 for row in differences]))


def test_size_under_the_null_with_iid_losses() -> None:
    rng = np.random.default_rng(4)
    loss_a = rng.normal(size=(400, 200)) ** 2  # squared errors of two equally good forecasts
    loss_b = rng.normal(size=(400, 200)) ** 2
    rate = np.mean([diebold_mariano(a, b).p_value < 0.05 for a, b in zip(loss_a, loss_b, strict=True)])
    assert 0.02 <= rate <= 0.09


def test_size_under_the_null_with_ma1_differences_needs_the_horizon() -> None:
    rng = np.random.default_rng(5)
    shocks = rng.normal(size=(400, 201))
    differences = shocks[:, 1:] + 0.8 * shocks[:, :-1]  # MA(1): what 2-step-ahead errors look like
    assert 0.02 <= rejection_rate(differences, horizon=2) <= 0.10
    # ignoring the dependence (horizon 1) understates the variance by (1 + 0.8)^2 / 1.64 = 2 and over-rejects (about 16%)
    assert rejection_rate(differences, horizon=1) > 0.10


@pytest.mark.parametrize(
    ("loss_a", "loss_b", "horizon", "message"),
    [
        ([1.0, 2.0], [1.0], 1, "same length"),
        ([1.0], [2.0], 1, "at least 2"),
        ([1.0, 2.0, 3.0], [1.0, 1.0, 1.0], 0, "horizon"),
        ([1.0, 2.0, 3.0], [1.0, 1.0, 1.0], 3, "horizon"),
        ([1.0, np.nan, 3.0], [1.0, 1.0, 1.0], 1, "NaN"),
        ([[1.0, 2.0], [3.0, 4.0]], [[1.0, 2.0], [3.0, 4.0]], 1, "1-D"),
    ],
)
def test_diebold_mariano_rejects_bad_input(loss_a: list, loss_b: list, horizon: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        diebold_mariano(np.array(loss_a), np.array(loss_b), horizon=horizon)


def test_compare_rejects_bad_alpha() -> None:
    with pytest.raises(ValueError, match="alpha"):
        compare(np.ones(5), np.ones(5), alpha=1.5)


def paired_errors(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Absolute errors of a model and persistence that err together; true MAE ratio 0.9."""
    persistence = rng.normal(size=n)
    model = 0.9 * (0.6 * persistence + 0.8 * rng.normal(size=n))  # standard deviation 0.9
    return np.abs(model), np.abs(persistence)


def test_bootstrap_matches_explicit_circular_blocks() -> None:
    rng = np.random.default_rng(6)
    numerator, denominator = paired_errors(rng, 23)
    block, reps = 5, 300
    low, high = block_bootstrap_ratio(numerator, denominator, block=block, level=0.9, reps=reps, seed=11)
    # the same draws, resampled index by index: 5 blocks of 5 starting anywhere, wrapping, cut to 23 points
    starts = np.random.default_rng(11).integers(0, 23, size=(reps, 5))
    indices = ((starts[:, :, None] + np.arange(block)) % 23).reshape(reps, -1)[:, :23]
    ratios = numerator[indices].mean(axis=1) / denominator[indices].mean(axis=1)
    assert (low, high) == pytest.approx(tuple(np.quantile(ratios, [0.05, 0.95])), rel=1e-12)


def test_bootstrap_interval_contains_the_point_ratio_and_narrows_with_n() -> None:
    rng = np.random.default_rng(7)
    widths = []
    for n in (100, 3000):
        numerator, denominator = paired_errors(rng, n)
        low, high = block_bootstrap_ratio(numerator, denominator, block=default_block(n, 1))
        assert low < numerator.mean() / denominator.mean() < high
        widths.append(high - low)
    assert widths[1] < widths[0] / 3  # width shrinks like 1/sqrt(n): about 5.5 times here


def test_bootstrap_identical_series_and_seeding() -> None:
    rng = np.random.default_rng(8)
    numerator, denominator = paired_errors(rng, 300)
    assert block_bootstrap_ratio(denominator, denominator.copy(), block=7) == (1.0, 1.0)
    first = block_bootstrap_ratio(numerator, denominator, block=7, seed=3)
    assert block_bootstrap_ratio(numerator, denominator, block=7, seed=3) == first
    assert block_bootstrap_ratio(numerator, denominator, block=7, seed=4) != first


def test_bootstrap_is_fast() -> None:
    numerator, denominator = paired_errors(np.random.default_rng(9), 3000)
    started = time.perf_counter()
    block_bootstrap_ratio(numerator, denominator, block=default_block(3000, 1), reps=2000)
    assert time.perf_counter() - started < 0.5


def test_bootstrap_coverage_on_iid_data() -> None:
    rng = np.random.default_rng(10)
    covered = 0
    for experiment in range(200):
        numerator, denominator = paired_errors(rng, 200)
        low, high = block_bootstrap_ratio(numerator, denominator, block=default_block(200, 1), reps=1000, seed=experiment)
        covered += low <= 0.9 <= high
    assert 0.88 <= covered / 200 <= 0.99


@pytest.mark.parametrize(
    ("numerator", "denominator", "block", "level", "message"),
    [
        ([1.0, 2.0, 3.0], [1.0, 2.0], 1, 0.95, "same length"),
        ([1.0, 2.0, 3.0], [1.0, 2.0, 3.0], 0, 0.95, "block"),
        ([1.0, 2.0, 3.0], [1.0, 2.0, 3.0], 4, 0.95, "block"),
        ([1.0, 2.0, 3.0], [1.0, 2.0, 3.0], 1, 1.0, "level"),
        ([1.0, 2.0, 3.0], [1.0, 2.0, 3.0], 1, 0.0, "level"),
        ([1.0, np.inf, 3.0], [1.0, 2.0, 3.0], 1, 0.95, "NaN"),
        ([], [], 1, 0.95, "at least one"),
    ],
)
def test_bootstrap_rejects_bad_input(numerator: list, denominator: list, block: int, level: float, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        block_bootstrap_ratio(np.array(numerator), np.array(denominator), block=block, level=level)


def test_default_block() -> None:
    assert default_block(3000, 1) == 14  # 3000^(1/3) = 14.42
    assert default_block(1000, 1) == 10
    assert default_block(1000, 24) == 24  # the horizon wins over the n^(1/3) rule
    assert default_block(5, 24) == 5  # capped at the number of points
    assert default_block(1, 1) == 1
    with pytest.raises(ValueError, match="points"):
        default_block(0, 1)
