"""Real Keras training on a small slice of the bundled series."""

from __future__ import annotations

import dataclasses
import math
import re
import time
import zipfile
from pathlib import Path

import keras
import numpy as np
import pytest

from honest_forecast.baselines.linear import fit_linear_autoregression, predict_linear_autoregression
from honest_forecast.data.series import load_series
from honest_forecast.errors import TrainingError
from honest_forecast.models.saving import save_model
from honest_forecast.models.training import train_model
from honest_forecast.params import Params
from honest_forecast.windows.build import build_windows
from honest_forecast.windows.store import WindowStore
from tests.helpers import head_of_bundled_csv, small_params


@pytest.fixture(scope="module")
def small_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return head_of_bundled_csv(tmp_path_factory.mktemp("data") / "head.csv", 1200)


def windows_for(params: Params) -> WindowStore:
    series = load_series(params).series
    return build_windows(series.timestamps, series.target, series.covariates, [params.target_column, *params.covariates], params)[
        0
    ]


def test_same_seed_gives_identical_training(small_csv: Path) -> None:
    params = small_params(data_path=str(small_csv), seed=7)
    store = windows_for(params)
    first, first_summary, _ = train_model(store, params)
    second, second_summary, _ = train_model(store, params)
    assert first_summary["best_valid_mse"] == second_summary["best_valid_mse"]
    for a, b in zip(first.get_weights(), second.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    other, _, _ = train_model(store, small_params(data_path=str(small_csv), seed=8))
    assert not all(np.array_equal(a, b) for a, b in zip(first.get_weights(), other.get_weights(), strict=True))


def test_members_train_side_by_side_and_the_mean_forecast_drives_early_stopping(small_csv: Path) -> None:
    # no skip path: its guard (the untrained map kept when no epoch beats it) would hide the members' training here
    params = small_params(data_path=str(small_csv), members=2, epochs=3, patience=5, target_calendar=True)
    store = windows_for(params)
    model, summary, _ = train_model(store, params)
    members = [layer for layer in model.layers if isinstance(layer, keras.Model)]
    assert [member.name for member in members] == ["member_1", "member_2"]
    valid, y_valid = store.cut(store.starts["valid"])
    each = [member.predict(valid, verbose=0) for member in members]
    assert not np.allclose(each[0], each[1])  # own seeds and batch orders
    np.testing.assert_allclose(model.predict(valid, verbose=0), (each[0] + each[1]) / 2, rtol=1e-5, atol=1e-6)
    # the saved model is the best epoch's mean forecast, scored exactly as logged
    restored_mse = float(np.mean((model.predict(valid, verbose=0) - y_valid) ** 2))
    assert restored_mse == pytest.approx(summary["best_valid_mse"], rel=1e-4)
    assert int(keras.ops.convert_to_numpy(members[1].optimizer.iterations)) == summary["epochs_run"] * math.ceil(
        store.windows("train") / params.batch_size
    )


def test_learning_rate_reaches_the_optimizer(small_csv: Path) -> None:
    params = small_params(data_path=str(small_csv), lr=3.0e-4, epochs=1)
    _, summary, _ = train_model(windows_for(params), params)
    assert summary["optimizer_learning_rate"] == pytest.approx(3.0e-4)


def test_linear_skip_starts_as_the_ridge_baseline(small_csv: Path) -> None:
    params = small_params(
        data_path=str(small_csv),
        linear_skip=True,
        calendar=True,
        target_calendar=True,
        covariates=("temperature_c",),
        epochs=1,
        lr=1.0e-9,
    )
    store = windows_for(params)
    model, _, _ = train_model(store, params)
    ridge = fit_linear_autoregression(store, store.starts["train"], params.ridge_alpha)
    test = store.cut(store.starts["test"])[0]
    assert sorted(test) == ["known", "window"]
    # lr 1e-9: one epoch moves nothing visible, so this is the starting point
    np.testing.assert_allclose(model.predict(test, verbose=0), predict_linear_autoregression(ridge, test), atol=1e-3)


def test_a_network_that_no_epoch_makes_better_than_its_skip_path_on_valid_is_the_skip_path(small_csv: Path) -> None:
    params = small_params(data_path=str(small_csv), linear_skip=True, epochs=2, lr=0.3, clipnorm=0.0)
    store = windows_for(params)
    model, summary, _ = train_model(store, params)
    assert summary["best_epoch"] == 0
    ridge = fit_linear_autoregression(store, store.starts["train"], params.ridge_alpha)
    valid = store.cut(store.starts["valid"])[0]
    np.testing.assert_allclose(model.predict(valid, verbose=0), predict_linear_autoregression(ridge, valid), atol=1e-5)
    assert summary["best_valid_mse"] == summary["untrained_valid_mse"]


def test_diverging_run_stops_at_once_with_remedies(small_csv: Path) -> None:
    params = small_params(
        data_path=str(small_csv), cell="simple_rnn", activation=("linear",), lr=10.0, clipnorm=0.0, scaler="none", epochs=5
    )
    with pytest.raises(TrainingError) as caught:
        train_model(windows_for(params), params)
    message = str(caught.value)
    assert "training diverged" in message and "at epoch 1, batch" in message
    assert "lower 'lr' (now 10)" in message and "clipnorm" in message and "instead of linear" in message
    with pytest.raises(TrainingError, match="at member 1, epoch 1, batch"):
        train_model(windows_for(params), dataclasses.replace(params, members=2))


def test_batch_size_and_epochs_set_the_number_of_updates(small_csv: Path) -> None:
    params = small_params(data_path=str(small_csv), batch_size=50, epochs=2, patience=10)
    store = windows_for(params)
    model, summary, _ = train_model(store, params)
    assert summary["epochs_run"] == 2
    assert int(keras.ops.convert_to_numpy(model.optimizer.iterations)) == 2 * math.ceil(store.windows("train") / 50)


def test_reduce_on_plateau_halves_the_learning_rate(small_csv: Path) -> None:
    # at lr 1e-9 the valid loss cannot improve by ReduceLROnPlateau's min_delta, so every epoch is a plateau
    params = small_params(data_path=str(small_csv), lr=1.0e-9, reduce_lr_patience=1, epochs=3, patience=10)
    model, _, _ = train_model(windows_for(params), params)
    assert float(keras.ops.convert_to_numpy(model.optimizer.learning_rate)) < 1.0e-9 / 2 * 1.01


def test_patience_stops_early_and_restores_the_best_epoch(small_csv: Path) -> None:
    params = small_params(data_path=str(small_csv), lr=1.0, clipnorm=1.0, epochs=30, patience=1)
    _, summary, _ = train_model(windows_for(params), params)
    assert summary["epochs_run"] < 30
    assert summary["best_epoch"] == summary["epochs_run"] - 1


def test_finite_but_exploding_loss_counts_as_divergence(small_csv: Path) -> None:
    # the default model at lr 10 never reaches NaN, but its loss grows a thousandfold
    params = small_params(data_path=str(small_csv), lr=10.0, linear_skip=True, target="delta", epochs=5)
    with pytest.raises(TrainingError) as caught:
        train_model(windows_for(params), params)
    assert "times its value before training" in str(caught.value) and "at epoch 1, batch" in str(caught.value)


def test_saved_model_is_byte_reproducible_and_loads_safely(small_csv: Path, tmp_path: Path) -> None:
    params = small_params(data_path=str(small_csv), epochs=1, l2=0.01, l2_bias=0.01, linear_skip=True, target_calendar=True)
    store = windows_for(params)
    model, _, _ = train_model(store, params)
    save_model(model, tmp_path / "a.keras")
    time.sleep(2.1)  # Keras stamps seconds, zip entries two-second steps: without pinning, the files would differ
    save_model(model, tmp_path / "b.keras")
    assert (tmp_path / "a.keras").read_bytes() == (tmp_path / "b.keras").read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.keras", "b.keras"]  # no scratch files left
    with zipfile.ZipFile(tmp_path / "a.keras") as archive:
        ids = re.findall(r'"shared_object_id": (\d+)', archive.read("config.json").decode())
    assert ids and max(map(int, ids)) <= len(ids)  # small renumbered ids, not memory addresses
    loaded = keras.saving.load_model(tmp_path / "a.keras", safe_mode=True)
    test = store.cut(store.starts["test"])[0]
    np.testing.assert_array_equal(loaded.predict(test, verbose=0), model.predict(test, verbose=0))
