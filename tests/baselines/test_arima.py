"""ARIMA with frozen coefficients: the library's residuals and forecasts, and nothing read after the origin."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from statsforecast.models import AutoARIMA

from honest_forecast.baselines import arima
from honest_forecast.baselines import statistical as sb


def _series(kind: str, rows: int = 260, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    steps = np.arange(rows)
    if kind == "trend":  # a random walk with drift: ARIMA(p,1,q) with drift
        return 20 + 0.3 * steps + rng.normal(size=rows).cumsum()
    if kind == "ar":  # stationary with a mean: an intercept
        values = np.zeros(rows)
        noise = rng.normal(size=rows)
        for row in range(2, rows):
            values[row] = 4 + 0.6 * values[row - 1] - 0.3 * values[row - 2] + noise[row]
        return values
    return 50 + 10 * np.sin(2 * np.pi * steps / 12) + 0.3 * rng.normal(size=rows).cumsum()  # seasonal, period 12


def _fit(series: np.ndarray, season: int) -> AutoARIMA:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return AutoARIMA(season_length=season).fit(series)


@pytest.mark.parametrize(("kind", "season"), [("trend", 1), ("ar", 1), ("seasonal", 12)])
def test_frozen_forecasts_equal_the_librarys_predict_and_its_filtered_residuals(kind: str, season: int) -> None:
    series, train_end = _series(kind, rows=460), 400
    library = _fit(series[:train_end], season)
    paths, residuals = arima.frozen_paths(library.model_, series, 0, 6)
    # the filter through the fit stretch is the library's: its standardised innovations, row for row
    np.testing.assert_allclose(residuals[:train_end], library.model_["residuals"], rtol=1e-11, atol=1e-11)
    # from the train block's end: the library's own forecast
    np.testing.assert_allclose(paths[train_end - 1], library.predict(6)["mean"], rtol=1e-11)
    # lead 1: the library's fitted values (series less residuals) once the filter has settled (gain 1)
    fitted = series[:train_end] - library.model_["residuals"]
    settled = slice(train_end - 40, train_end)
    np.testing.assert_allclose(paths[settled.start - 1 : settled.stop - 1, 0], fitted[settled], rtol=1e-6)


def test_the_trend_and_the_mean_terms_are_used() -> None:
    """The cases above must exercise the regression terms, or they would test less than they claim."""
    assert "drift" in _fit(_series("trend", rows=460)[:400], 1).model_["coef"]
    assert "intercept" in _fit(_series("ar", rows=460)[:400], 1).model_["coef"]


@pytest.mark.parametrize(("kind", "season"), [("trend", 1), ("seasonal", 12), ("seasonal", 24)])
def test_a_forecast_never_reads_the_value_it_forecasts_or_anything_later(kind: str, season: int) -> None:
    series = _series(kind, rows=400)
    train_end = 280
    forecast, _ = arima.arima_forecasts(series, train_end, season, horizon=3)
    cut = 340
    changed = series.copy()
    changed[cut:] += 100 * np.random.default_rng(2).normal(size=len(series) - cut)
    altered, _ = arima.arima_forecasts(changed, train_end, season, horizon=3)
    np.testing.assert_array_equal(forecast[:cut], altered[:cut])
    assert not np.allclose(forecast[cut:-1], altered[cut:-1])
    assert np.isfinite(forecast).all()  # in-sample too: every origin of the fit stretch


def test_a_season_longer_than_the_cap_is_removed_as_the_train_blocks_fixed_profile() -> None:
    rows, season = 48 * 30, 48
    steps = np.arange(rows)
    series = 10 + 3 * np.sin(2 * np.pi * steps / season) + 0.05 * np.random.default_rng(5).normal(size=rows).cumsum()
    train_end = 48 * 20
    forecast, description = arima.arima_forecasts(series, train_end, season, horizon=2)
    assert "seasonal profile of period 48" in description and "[48]" not in description
    later = slice(train_end, rows)
    persistence_mae = np.mean(np.abs(series[later] - series[train_end - 1 : -1]))
    assert np.mean(np.abs(series[later] - forecast[train_end - 1 : -1, 0])) < 0.5 * persistence_mae


def test_only_the_train_blocks_last_rows_are_fit(monkeypatch) -> None:
    monkeypatch.setattr(arima, "MAX_FIT_ROWS", 120)
    series, train_end = _series("trend", rows=300), 220
    changed = series.copy()
    changed[:100] = -50.0  # before the fit stretch
    forecast, _ = arima.arima_forecasts(series, train_end, 1, horizon=2)
    altered, _ = arima.arima_forecasts(changed, train_end, 1, horizon=2)
    # the fit and every origin from the fit stretch on read none of those rows; only the in-sample origins before it do
    np.testing.assert_array_equal(forecast[100:], altered[100:])
    assert np.isfinite(altered).all() and not np.allclose(forecast[:100], altered[:100])


def test_arima_runs_beside_the_other_statistical_baselines_and_is_skipped_when_too_short() -> None:
    fitted = {f.name: f for f in sb.fit_all(_series("seasonal"), 180, 12, (12,), horizon=4)}
    assert fitted["arima"].description.startswith("ARIMA(") and fitted["arima"].forecast.shape == (260, 4)
    short = {f.name: f for f in sb.fit_all(_series("seasonal", rows=30), 21, 12, (12,))}
    assert "ARIMA needs at least 34 train rows" in short["arima"].skipped
