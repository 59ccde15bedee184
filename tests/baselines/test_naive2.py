"""M4's Naive2: the seasonality test, the classical decomposition's indices, the frozen re-seasonalised last value."""

from __future__ import annotations

import numpy as np
import pytest
from statsmodels.tsa.seasonal import seasonal_decompose

from honest_forecast.baselines.simple import naive2, persistence, seasonal_indices, seasonality_test

RNG = np.random.default_rng(0)
SEASONAL = 100 * (1 + 0.3 * np.sin(np.arange(24 * 20) * 2 * np.pi / 24)) + RNG.normal(0, 1, 24 * 20)


def test_the_seasonality_test_finds_a_daily_cycle_and_not_noise() -> None:
    assert seasonality_test(SEASONAL, 24)
    assert not seasonality_test(100 + RNG.normal(0, 1, 480), 24)
    assert not seasonality_test(SEASONAL, 1)  # weekly M4 data: no season, Naive2 is Naive1
    assert not seasonality_test(SEASONAL[:71], 24)  # fewer than three seasons


@pytest.mark.parametrize("season", [24, 7])
def test_the_indices_are_the_multiplicative_classical_decompositions(season: int) -> None:
    values = SEASONAL[: season * 15] if season == 24 else 50 + 10 * np.cos(np.arange(140) * 2 * np.pi / 7) + RNG.normal(0, 1, 140)
    expected = seasonal_decompose(values, model="multiplicative", period=season).seasonal[:season]
    np.testing.assert_allclose(seasonal_indices(values, season), expected, rtol=1e-12)


def test_naive2_deseasonalises_the_last_value_and_reseasonalises_it_by_position() -> None:
    first = np.array([10, 10, 10])  # every window's series starts on row 10
    indices = np.array([[0.5, 1.0, 1.5, 1.0], [1.0, 1.0, 1.0, 1.0]])  # one row per series
    series = np.arange(30, dtype=float) + 1
    rows = np.array([[20, 21, 22], [25, 26, 27], [23, 24, 25]])  # origins 19 (position 1), 24 (2) and 22 (0)
    forecast = naive2(series, rows, indices, np.array([0, 1, 0]), first)
    np.testing.assert_allclose(forecast[0], series[19] / 1.0 * np.array([1.5, 1.0, 0.5]))
    np.testing.assert_array_equal(forecast[1], persistence(series, rows[1:2])[0])  # indices of ones: persistence
    np.testing.assert_allclose(forecast[2], series[22] / 0.5 * np.array([1.0, 1.5, 1.0]))  # the first series again
