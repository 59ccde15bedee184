"""Covariates known in advance: read at the target times only, and, where production only has a forecast, its stand-in."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from honest_forecast.windows.build import build_windows
from honest_forecast.windows.store import WindowStore
from tests.helpers import small_params

ROWS, WINDOW, HORIZON, SEASON = 480, 24, 3, 48
TIMES = pd.date_range("2014-01-01", periods=ROWS, freq="30min").to_numpy()
PARAMS = small_params(
    window=WINDOW,
    horizon=HORIZON,
    known_covariates=("holiday", "temperature"),
    known_covariates_forecast=("temperature",),
    target_calendar=True,
)


def store_for(known: np.ndarray) -> WindowStore:
    rng = np.random.default_rng(3)
    target = 4 + np.sin(np.arange(ROWS) * 2 * np.pi / SEASON) + 0.1 * rng.normal(size=ROWS)
    names = ["demand", "holiday", "temperature"]
    store, _, _ = build_windows(TIMES, target, np.zeros((ROWS, 0)), names, PARAMS, "time_of_day", SEASON, known_covariates=known)
    return store


@pytest.fixture(scope="module")
def setting() -> tuple[np.ndarray, object, np.ndarray]:
    import keras

    from honest_forecast.models.network import build_model

    known = np.column_stack([np.arange(ROWS) % 7 == 0, 20 + np.random.default_rng(4).normal(size=ROWS)]).astype(float)
    store = store_for(known)
    keras.utils.set_random_seed(0)
    model = build_model(*store.shape[:3], PARAMS, known=store.shape[3])
    return known, model, store.starts["test"][5:6]


def forecast(model: object, known: np.ndarray, start: np.ndarray, as_forecast: bool = False) -> np.ndarray:
    store = store_for(known)
    store = store.with_forecast_stand_ins() if as_forecast else store
    return model.predict(store.cut(start)[0], verbose=0)


def test_the_known_input_is_the_slot_then_each_covariate_at_the_target_times(setting: tuple) -> None:
    known, _, start = setting
    store = store_for(known)
    inputs, _ = store.cut(start)
    targets = store.spec.target_rows(start)[0]
    assert inputs["known"].shape == (1, HORIZON, 48 + 2) and store.shape[3] == 50
    np.testing.assert_array_equal(inputs["known"][0, :, 48:], store.known_values[targets])
    assert inputs["window"].shape[2] == 1  # the target alone: a known covariate is no input inside the window
    origin = int(start[0]) + WINDOW - 1
    stand_in = store.with_forecast_stand_ins().cut(start)[0]["known"][0]
    np.testing.assert_array_equal(stand_in[:, 48], store.known_values[targets, 0])  # the holiday is known: as it is
    np.testing.assert_array_equal(stand_in[:, 49], store.known_values[origin + np.arange(1, HORIZON + 1) - SEASON, 1])


def test_a_known_covariate_reaches_the_forecast_only_through_its_values_at_the_target_times(setting: tuple) -> None:
    known, model, start = setting
    base = forecast(model, known, start)
    last_target = int(start[0]) + WINDOW + HORIZON - 1
    later = known.copy()
    later[last_target + 1 :] += 5.0
    np.testing.assert_array_equal(forecast(model, later, start), base)
    at_target = known.copy()
    at_target[last_target - 1, 1] += 5.0
    assert not np.allclose(forecast(model, at_target, start), base)


def test_a_forecast_only_covariate_read_as_production_reads_it_uses_nothing_after_the_origin(setting: tuple) -> None:
    known, model, start = setting
    base = forecast(model, known, start, as_forecast=True)
    origin = int(start[0]) + WINDOW - 1
    after = known.copy()
    after[origin + 1 :, 1] += 5.0  # every temperature after the origin
    np.testing.assert_array_equal(forecast(model, after, start, as_forecast=True), base)
    holiday = known.copy()
    holiday[origin + 1, 0] = 1 - holiday[origin + 1, 0]  # known in truth: its value at a target time still counts
    assert not np.allclose(forecast(model, holiday, start, as_forecast=True), base)
