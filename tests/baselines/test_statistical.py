"""Statistical baselines: frozen parameters, the library's own fitted values, and nothing from after the origin."""

from __future__ import annotations

import numpy as np
import pytest
from statsforecast import ets as ets_core
from statsforecast import theta as theta_core
from statsforecast._lib import theta as theta_kernel
from statsforecast.models import AutoETS, AutoTheta

from honest_forecast.baselines import statistical as sb

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
    # in-sample: the same frozen model's one-step forecasts from every origin of the train block
    np.testing.assert_allclose(forecast[: train_end - 1, 0], one_step[1:train_end], rtol=1e-10)
    assert description.startswith("ETS(")


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
    assert np.isfinite(several[train_end - 1 :]).all()


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


@pytest.mark.parametrize(
    ("season", "model", "damped"), [(12, "AAA", False), (12, "MAM", True), (1, "AAN", True), (1, "ANN", False)]
)
def test_ets_paths_are_the_librarys_per_origin_forecasts_bit_for_bit(monkeypatch, season: int, model: str, damped: bool) -> None:
    monkeypatch.setattr(sb, "ETS_FILTER_ROWS", 50)  # several blocks, each filtered on from the last one's final state
    series, train_end = _monthly(), 168
    fit = AutoETS(season_length=season, model=model, damped=damped).fit(series[:train_end]).model_
    states = ets_core.forward_ets(fit, series)["states"]
    origins = range(train_end - 1, MONTHS)
    library = [ets_core.pegelsfcast_C(4, {**fit, "states": states[origin + 1 : origin + 2]}) for origin in origins]
    assert np.array_equal(sb.ets_paths(fit, series, train_end - 1, 4)[train_end - 1 :], library)


@pytest.mark.parametrize("seed", [0, 1])
def test_theta_paths_are_the_librarys_per_origin_forecasts_bit_for_bit(seed: int) -> None:
    series, train_end = 100 + np.cumsum(np.random.default_rng(seed).normal(size=MONTHS)), 168
    fit = AutoTheta(model="DOTM").fit(series[:train_end]).model_
    states = theta_core.forward_theta({**fit, "m": 1}, y=series)["states"]
    kind, alpha, theta = theta_core.switch_theta(fit["modeltype"]), fit["par"]["alpha"], fit["par"]["theta"]
    library = np.full((MONTHS - train_end + 1, 4), np.nan)
    for row, origin in enumerate(range(train_end - 1, MONTHS)):
        theta_kernel.forecast(states[: origin + 1], origin + 1, kind, library[row], alpha, theta)
    forecast, _ = sb.theta_forecasts(series, train_end, season=1, horizon=4)
    assert np.array_equal(forecast[train_end - 1 :], library)


def test_only_the_train_blocks_last_max_fit_rows_are_read(monkeypatch) -> None:
    """The forecasts are those of the fit stretch alone, NaN-padded: changing the rows before it moves nothing."""
    monkeypatch.setattr(sb, "MAX_FIT_ROWS", 900)
    series = _half_hourly(rows=48 * 7 * 6)
    train_end = round(len(series) * 0.7)
    start = sb.fit_start(train_end)
    changed = series.copy()
    changed[:start] = 100 * np.random.default_rng(4).normal(size=start)
    fitted = sb.fit_all(changed, train_end, 48, (48, 336), horizon=2)
    alone = sb.fit_all(series[start:], train_end - start, 48, (48, 336), horizon=2)
    assert start == train_end - 900
    for capped, stretch in zip(fitted, alone, strict=True):
        assert not capped.skipped and capped.description == stretch.description
        assert capped.forecast.shape == (len(series), 2) and np.isnan(capped.forecast[:start]).all()
        assert np.array_equal(capped.forecast[start:], stretch.forecast, equal_nan=True)


def test_mstl_refreshes_less_often_on_a_long_series_and_only_holds_its_profile_longer(monkeypatch) -> None:
    series = _half_hourly(rows=48 * 7 * 6)
    train_end = round(len(series) * 0.7)  # two weeks after it: two weekly refreshes
    weekly, weekly_description = sb.mstl_forecasts(series, train_end, (48, 336))
    monkeypatch.setattr(sb, "MSTL_MAX_REFRESHES", 1)
    once, once_description = sb.mstl_forecasts(series, train_end, (48, 336))
    assert "every 336 steps" in weekly_description and "every 672 steps" in once_description
    first_week = slice(train_end - 1, train_end + 335)
    assert np.array_equal(once[first_week], weekly[first_week]) and np.isfinite(once[train_end - 1 : -1]).all()


def test_mstl_in_sample_forecasts_read_only_past_rows_from_the_second_longest_season_on(monkeypatch) -> None:
    """STL's decomposition of train reads each row's neighbours: the in-sample profiles come from past rows only."""
    series = _half_hourly(rows=48 * 7 * 6)
    train_end = round(len(series) * 0.7)
    fit = sb.MSTL(season_length=[48, 336], trend_forecaster=sb.AutoETS(model="ZZN")).fit(series[:train_end])
    monkeypatch.setattr(sb.MSTL, "fit", lambda self, y: fit)  # the same parameters whatever the rows: only the filtering moves
    forecast, _ = sb.mstl_forecasts(series, train_end, (48, 336), horizon=3)
    assert np.isnan(forecast[: 2 * 336 - 1]).all() and np.isfinite(forecast[2 * 336 - 1 : -1]).all()
    cut = 2 * 336 + 100
    changed = series.copy()
    changed[cut:] += 10 * np.random.default_rng(5).normal(size=len(series) - cut)
    altered, _ = sb.mstl_forecasts(changed, train_end, (48, 336), horizon=3)
    np.testing.assert_array_equal(forecast[:cut], altered[:cut])
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


def test_the_forecast_from_the_last_row_is_the_librarys_from_its_state_after_every_row() -> None:
    """What the forecast stage ships for ETS: the frozen model run forward through the whole series, then H steps."""
    series, train_end = _monthly(), 168
    forecast, _ = sb.ets_forecasts(series, train_end, season=12, horizon=6)
    library = AutoETS(season_length=12).fit(series[:train_end]).forward(y=series, h=6)["mean"]
    np.testing.assert_allclose(forecast[-1], library, rtol=1e-10)


def test_mstl_forecasts_from_the_last_row_too() -> None:
    series = _half_hourly()
    forecast, _ = sb.mstl_forecasts(series, round(len(series) * 0.7), (48, 336), horizon=4)
    assert np.isfinite(forecast[-1]).all()
