"""The network's statistical inputs: every method it reads is made at the window's origin and reads nothing after it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from honest_forecast.baselines.linear import best_statistical_map, linear_features
from honest_forecast.baselines.statistical import fit_all
from honest_forecast.errors import DataError
from honest_forecast.models.inputs import network_store, statistical_input_names
from honest_forecast.names import STATISTICAL_BASELINES
from honest_forecast.windows.build import build_windows
from tests.helpers import small_params

ROWS = 48 * 7 * 8  # eight weeks of half-hourly rows: MSTL (day and week) is fit too


def _series(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    steps = np.arange(ROWS)
    noise = np.random.default_rng(seed).normal(scale=0.1, size=ROWS)
    target = 10 + np.sin(2 * np.pi * steps / 48) + 0.5 * np.sin(2 * np.pi * steps / 336) + np.cumsum(noise) * 0.1
    times = pd.date_range("2024-01-01", periods=ROWS, freq="30min").to_numpy()
    return times, target


def _inputs(times: np.ndarray, target: np.ndarray, horizon: int) -> tuple[dict, object, dict[str, np.ndarray]]:
    """Every valid and test window's inputs as the network reads them (the stages' own functions), and the forecasts read."""
    params = small_params(horizon=horizon, target="delta", statistical_inputs=True)
    store, scaler, _ = build_windows(times, target, np.zeros((ROWS, 0)), ["y"], params, "time_of_day", 48)
    train_end = int(store.starts["train"].max()) + store.spec.span
    fitted = {f.name: f.forecast for f in fit_all(target, train_end, 48, (48, 336), horizon) if f.forecast is not None}
    names = statistical_input_names(True, fitted)
    hybrid = network_store(store, fitted, names, scaler)
    starts = np.sort(np.concatenate([hybrid.starts[block] for block in ("valid", "test")]))
    known = hybrid.cut(starts)[0]["known"]
    return dict(zip(starts, known, strict=True)), hybrid, {name: fitted[name] for name in names}


@pytest.mark.parametrize("horizon", [1, 4])
def test_perturbing_every_value_after_an_origin_changes_no_input_made_at_that_origin(horizon: int) -> None:
    times, target = _series()
    before, store, read = _inputs(times, target, horizon)
    assert list(read) == list(STATISTICAL_BASELINES)  # ETS, Theta, MSTL and ARIMA are all read
    cut = ROWS - 200  # a row in the test block: the origins before it have seen nothing from it on
    changed = target.copy()
    changed[cut:] += np.random.default_rng(3).normal(scale=5.0, size=ROWS - cut)
    after, _, reread = _inputs(times, changed, horizon)
    compared = 0
    for start, known in before.items():
        origin = start + store.spec.window - 1
        if origin < cut:
            np.testing.assert_array_equal(known, after[start], err_msg=f"origin {origin}")
            compared += 1
    assert compared > 100
    for name, forecasts in read.items():  # and the test can fail: from the cut on, each method follows the new values
        assert not np.allclose(forecasts[cut:-1], reread[name][cut:-1]), name


def test_inputs_are_the_scaled_forecasts_less_the_last_input_and_every_block_has_them() -> None:
    times, target = _series(1)
    params = small_params(horizon=2, target="delta")
    store, scaler, _ = build_windows(times, target, np.zeros((ROWS, 0)), ["y"], params, "time_of_day", 48)
    forecasts = {"ets": np.full((ROWS, 2), 11.0), "arima": np.full((ROWS, 2), 9.0)}
    forecasts["ets"][:100] = np.nan  # origins before a fit stretch: those windows are not used
    hybrid = network_store(store, forecasts, ["ets", "arima"], scaler)
    origins = hybrid.starts["train"] + store.spec.window - 1
    assert origins.min() >= 100 and hybrid.windows("valid") == store.windows("valid")
    known = hybrid.cut(hybrid.starts["train"])[0]["known"]
    last = (target[origins] - scaler.center[0]) / scaler.scale[0]
    expected = (11.0 - scaler.center[0]) / scaler.scale[0] - last
    np.testing.assert_allclose(known[:, :, -2], np.repeat(expected[:, None], 2, axis=1), atol=1e-5)
    assert hybrid.shape[3] == store.shape[3] + 2 and hybrid.without_statistical().shape == store.shape
    with pytest.raises(DataError, match="mstl could not be fit"):
        network_store(store, forecasts, ["ets", "mstl"], scaler)


def test_the_best_statistical_skip_path_is_that_forecast_as_it_is() -> None:
    times, target = _series(2)
    params = small_params(horizon=3, target="delta")
    store, scaler, _ = build_windows(times, target, np.zeros((ROWS, 0)), ["y"], params, "time_of_day", 48)
    rows = np.arange(ROWS)[:, None] + 1 + np.arange(3)
    exact = np.concatenate([target, np.full(3, np.nan)])[rows]
    noisy = exact + np.random.default_rng(0).normal(size=exact.shape)
    hybrid = network_store(store, {"ets": noisy, "theta": exact}, ["ets", "theta"], scaler)
    skip, best = best_statistical_map(hybrid, hybrid.starts["train"])
    assert best == 1
    inputs, y = hybrid.cut(hybrid.starts["valid"])
    np.testing.assert_allclose(skip.predict(linear_features(inputs)), y, atol=1e-5)
