"""Training batches cut on the fly: Keras's own order, the same for the same seed, never a valid or test target."""

from __future__ import annotations

import math

import keras
import numpy as np
import pandas as pd
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from honest_forecast.errors import DataError
from honest_forecast.models.feeding import block_batches, epoch_order, training_batches
from honest_forecast.models.network import build_model, compile_model
from honest_forecast.windows.build import build_windows
from tests.helpers import small_params


def _index_store(rows: int, **overrides: object) -> object:
    """Unscaled level targets equal to their row number, so every batch says which rows it holds."""
    stamps = pd.date_range("2014-01-01", periods=rows, freq="30min").to_numpy()
    params = small_params(scaler="none", target="level", **overrides)
    return build_windows(stamps, np.arange(rows, dtype=float), np.empty((rows, 0)), ["y"], params)[0]


def test_the_same_seed_gives_the_same_order_and_another_seed_another() -> None:
    orders = []
    for seed in (1, 1, 2):
        keras.utils.set_random_seed(seed)
        orders.append([epoch_order(500, shuffle=True) for _ in range(2)])  # two fit calls in a row
    np.testing.assert_array_equal(orders[0], orders[1])
    assert not np.array_equal(orders[0][0], orders[2][0])
    assert sorted(orders[0][0]) == list(range(500))
    np.testing.assert_array_equal(epoch_order(7, shuffle=False), np.arange(7))


def test_streamed_training_gives_the_weights_of_fit_on_materialised_windows() -> None:
    """Keras's fit(arrays, shuffle=True), one fit per epoch as train_model runs it, against the streamed batches."""
    rng = np.random.default_rng(0)
    rows = 1500
    stamps = pd.date_range("2014-01-01", periods=rows, freq="30min").to_numpy()
    target = rng.normal(size=rows).cumsum()
    params = small_params(units=4, batch_size=50, target="delta", target_calendar=True, calendar=True)
    store = build_windows(stamps, target, np.empty((rows, 0)), ["y"], params)[0]
    x, y = store.cut(store.starts["train"])
    x_valid, y_valid = store.cut(store.starts["valid"])

    def trained(streamed: bool) -> tuple[np.ndarray, float]:
        keras.utils.set_random_seed(3)
        model = build_model(*store.shape[:3], params, known=store.shape[3])
        compile_model(model, params)
        for epoch in range(3):
            if streamed:
                model.fit(training_batches(store, True, 50), initial_epoch=epoch, epochs=epoch + 1, shuffle=False, verbose=0)
                valid = model.evaluate(block_batches(store, store.starts["valid"]), verbose=0, return_dict=True)
            else:
                model.fit(x, y, batch_size=50, initial_epoch=epoch, epochs=epoch + 1, shuffle=True, verbose=0)
                valid = model.evaluate(x_valid, y_valid, batch_size=1024, verbose=0, return_dict=True)
        return np.concatenate([w.ravel() for w in model.get_weights()]), valid["mse"]

    (arrays_weights, arrays_mse), (streamed_weights, streamed_mse) = trained(False), trained(True)
    np.testing.assert_array_equal(streamed_weights, arrays_weights)
    assert streamed_mse == arrays_mse


@settings(max_examples=25, deadline=None)
@given(
    rows=st.integers(150, 600),
    window=st.integers(1, 30),
    horizon=st.integers(1, 5),
    batch_size=st.integers(1, 70),
    steps=st.integers(0, 4),
    shuffle=st.sampled_from(["train", "none", "before_split"]),
)
def test_no_valid_or_test_target_ever_appears_in_a_training_batch(
    rows: int, window: int, horizon: int, batch_size: int, steps: int, shuffle: str
) -> None:
    try:
        store = _index_store(rows, window=window, horizon=horizon, shuffle=shuffle)
    except DataError:
        assume(False)
    batches = training_batches(store, shuffle != "none", batch_size, steps)
    seen_inputs, seen_targets = [], []
    for index in range(len(batches)):
        inputs, y = batches[index]
        assert len(y) <= batch_size
        seen_inputs.append(inputs["window"][:, :, 0].ravel())
        seen_targets.append(y.ravel())
    targets = np.concatenate(seen_targets).astype(int)
    train_targets = store.target_rows("train")
    if steps == 0:  # an epoch is every training window once
        np.testing.assert_array_equal(np.sort(targets), np.sort(train_targets.ravel()))
    else:  # steps batches, wrapping around the order if the block holds fewer windows
        assert len(targets) == steps * batch_size * horizon
    assert np.isin(targets, train_targets).all()
    held_out = [store.target_rows("test").ravel()]
    if shuffle != "before_split":  # that is the leak the audit names: valid windows drawn from the same shuffled pool
        held_out.append(store.target_rows("valid").ravel())
    assert not np.isin(targets, np.concatenate(held_out)).any()
    assert not np.isin(np.concatenate(seen_inputs).astype(int), np.concatenate(held_out)).any()


def test_a_few_steps_per_epoch_go_through_every_training_window_over_the_epochs() -> None:
    store = _index_store(400)
    windows, steps, batch_size = store.windows("train"), 3, 7
    keras.utils.set_random_seed(0)
    seen = []
    for epoch in range(math.ceil(windows / (steps * batch_size))):
        batches = training_batches(store, True, batch_size, steps, epoch)
        assert len(batches) == steps
        seen += [batches[index][1].ravel() for index in range(len(batches))]
    np.testing.assert_array_equal(np.unique(np.concatenate(seen)), np.sort(store.target_rows("train").ravel()))


def test_scoring_windows_leaves_keras_no_hold_on_the_store() -> None:
    """Keras keeps the last dataset it evaluated; the store (every row of the series) must not stay with it."""
    import gc
    import weakref

    from honest_forecast.models.feeding import evaluate_windows, predict_windows

    params = small_params(window=8, horizon=2)
    timestamps = pd.date_range("2014-01-01", periods=300, freq="30min").to_numpy()
    target = np.sin(np.arange(300) / 5.0)
    store, _, _ = build_windows(timestamps, target, np.empty((300, 0)), ["y"], params)
    model = build_model(*store.shape[:3], params, known=store.shape[3])
    compile_model(model, params)
    alive = weakref.ref(store)
    assert predict_windows(model, store, store.starts["valid"]).shape == (store.windows("valid"), 2)
    assert set(evaluate_windows(model, store, store.starts["test"])) >= {"loss", "mse"}
    del store
    gc.collect()
    assert alive() is None
