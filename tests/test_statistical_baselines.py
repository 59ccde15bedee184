"""Statistical baselines: frozen parameters, the library's own fitted values, and nothing from after the origin."""

from __future__ import annotations

import numpy as np
import pytest
from statsforecast.models import AutoETS, AutoTheta

from stages import statistical_baselines as sb

MONTHS = 240


def _monthly(rows: int = MONTHS, seed: int = 0) -> np.ndarray:
    """Positive, seasonal (period 12) and trending: the case Theta decomposes multiplicatively."""
    rng = np.random.default_rng(seed)
    steps = np.arange(rows)
    return 50 + 0.1 * steps + 8 * np.sin(2 * np.pi * steps / 12) + rng.normal(size=rows)


def _half_hourly(rows: int = 48 * 7 * 8, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    steps = np.arange(rows)
    return 10 + np.sin(2 * np.pi * steps / 48) + 0.5 * np.sin(2 * np.pi * steps / 336) + 0.02 * rng.normal(size=rows)


def test_ets_forecasts_equal_the_librarys_forecast_from_the_train_end_and_its_filtered_one_step_values() -> None:
    series, train_end = _monthly(), 168
    forecast, description = sb.ets_forecasts(series, train_end, season=12, horizon=6)
    library = AutoETS(season_length=12).fit(series[:train_end])
    np.testing.assert_allclose(forecast[train_end - 1], library.predict(6)["mean"], rtol=1e-10)
    one_step = library.forward(y=series, h=1, fitted=True)["fitted"]
    np.testing.assert_allclose(forecast[train_end - 1 : -1, 0], one_step[train_end:], rtol=1e-10)
    assert np.isnan(forecast[: train_end - 1]).all() and description.startswith("ETS(")


def test_theta_forecasts_equal_the_librarys_forecast_from_the_train_end() -> None:
    series, train_end = _monthly(), 168
    forecast, description = sb.theta_forecasts(series, train_end, season=12, horizon=6)
    library = AutoTheta(season_length=12, model="DOTM").fit(series[:train_end])
    assert library.model_["decompose"] and library.model_["decomposition_type"] == "multiplicative"
    np.testing.assert_allclose(forecast[train_end - 1], library.predict(6)["mean"], rtol=1e-10)
    assert "multiplicative seasonal profile" in description


@pytest.mark.parametrize(
    ("name", "make", "kwargs"), [("theta", _monthly, {"season": 12}), ("mstl", _half_hourly, {"seasons": (48, 336)})]
)
def test_the_first_lead_of_a_multi_step_run_is_the_one_step_forecast(name: str, make, kwargs: dict) -> None:
    series = make()
    train_end = round(len(series) * 0.7)
    run = getattr(sb, f"{name}_forecasts")
    one_step, _ = run(series, train_end, **kwargs)
    several, _ = run(series, train_end, **kwargs, horizon=5)
    np.testing.assert_allclose(several[:, 0], one_step[:, 0], rtol=1e-12, equal_nan=True)
    assert np.isfinite(several[train_end - 1 : -1]).all()


@pytest.mark.parametrize(
    ("name", "make", "kwargs"),
    [
        ("ets", _monthly, {"season": 12}),
        ("theta", _monthly, {"season": 12}),
        ("mstl", _half_hourly, {"seasons": (48, 336)}),
    ],
)
def test_a_forecast_never_reads_the_value_it_forecasts_or_anything_later(name: str, make, kwargs: dict) -> None:
    """Parameters are frozen on train, so changing the rows from k on cannot move the forecasts of rows up to k."""
    series = make()
    train_end = round(len(series) * 0.7)
    run = getattr(sb, f"{name}_forecasts")
    forecast, _ = run(series, train_end, **kwargs, horizon=3)
    cut = train_end + (len(series) - train_end) // 2
    changed = series.copy()
    changed[cut:] += 100 * np.random.default_rng(2).normal(size=len(series) - cut)
    altered, _ = run(changed, train_end, **kwargs, horizon=3)
    # origins up to cut - 1 have seen nothing from row cut on; from origin cut on, every lead moves
    np.testing.assert_allclose(forecast[train_end - 1 : cut], altered[train_end - 1 : cut], rtol=1e-12, atol=1e-9)
    assert not np.allclose(forecast[cut:-1], altered[cut:-1])


def test_mstl_follows_two_seasons_better_than_copying() -> None:
    series = _half_hourly()
    train_end = round(len(series) * 0.7)
    forecast, description = sb.mstl_forecasts(series, train_end, (48, 336))
    later = slice(train_end, len(series))
    persistence_mae = np.mean(np.abs(series[later] - series[train_end - 1 : -1]))
    assert np.mean(np.abs(series[later] - forecast[train_end - 1 : -1, 0])) < 0.5 * persistence_mae
    assert "MSTL (periods 48, 336)" in description


def test_what_cannot_be_fit_is_skipped_with_the_reason() -> None:
    fitted = {f.name: f for f in sb.fit_all(_monthly(30), train_end=21, season=12, seasons=(12,))}
    assert fitted["ets"].forecast is None and "needs at least 26 train rows" in fitted["ets"].skipped
    assert "several seasonal periods" in fitted["mstl"].skipped
    ahead = {f.name: f for f in sb.fit_all(_monthly(), 168, 12, (12,), horizon=4)}
    assert ahead["ets"].forecast.shape == ahead["theta"].forecast.shape == (MONTHS, 4)


def test_a_multiplicative_model_on_zeros_falls_back_or_is_skipped_never_crashes() -> None:
    rng = np.random.default_rng(3)
    rain = np.where(rng.random(400) < 0.6, 0.0, rng.gamma(1.0, 3.0, size=400))
    for fitted in sb.fit_all(rain, 280, season=7, seasons=(7,)):
        assert fitted.skipped or np.all(np.isfinite(fitted.forecast[279:]))
