"""Training batches cut on the fly: a fresh seeded order every epoch and member, never a valid or test target."""

from __future__ import annotations

import math

import keras
import numpy as np
import pandas as pd
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from honest_forecast.errors import DataError
from honest_forecast.models.feeding import epoch_order, training_batches
from honest_forecast.models.network import build_model, compile_model
from honest_forecast.windows.build import build_windows
from tests.helpers import small_params


def _index_store(rows: int, **overrides: object) -> object:
    """Unscaled level targets equal to their row number, so every batch says which rows it holds."""
    stamps = pd.date_range("2014-01-01", periods=rows, freq="30min").to_numpy()
    params = small_params(scaler="none", target="level", **overrides)
    return build_windows(stamps, np.arange(rows, dtype=float), np.empty((rows, 0)), ["y"], params)[0]


def test_every_epoch_and_member_gets_its_own_order_and_a_rerun_the_same() -> None:
    orders = {(member, epoch): epoch_order(500, 7, member, epoch) for member in (1, 2) for epoch in range(3)}
    again = {(member, epoch): epoch_order(500, 7, member, epoch) for member in (1, 2) for epoch in range(3)}
    for key, order in orders.items():
        np.testing.assert_array_equal(order, again[key])
        np.testing.assert_array_equal(np.sort(order), np.arange(500))
    distinct = {order.tobytes() for order in orders.values()}
    assert len(distinct) == len(orders)  # six epochs over two members: six different orders
    assert not np.array_equal(epoch_order(500, 8), orders[1, 0])  # another seed, another order
    np.testing.assert_array_equal(epoch_order(7, None, 2, 5), np.arange(7))


def test_the_order_does_not_depend_on_the_global_seed_or_on_keras() -> None:
    """Keras's adapter drew one permutation at every fit call once the global seed was set; this order is the run's own."""
    keras.utils.set_random_seed(1)
    first = epoch_order(300, 42, 1, 4)
    keras.utils.set_random_seed(99)
    np.random.seed(5)
    np.testing.assert_array_equal(epoch_order(300, 42, 1, 4), first)


def test_the_library_never_imports_keras_internals() -> None:
    from pathlib import Path

    library = Path(__file__).resolve().parents[2] / "honest_forecast"
    offending = [str(path) for path in library.rglob("*.py") if "keras.src" in path.read_text()]
    assert offending == []


def test_successive_training_epochs_present_the_windows_in_different_orders() -> None:
    store = _index_store(400)
    epochs = [training_batches(store, 3, 16, epoch=epoch, member=member) for member in (1, 2) for epoch in (0, 1)]
    targets = [np.concatenate([batches[i][1].ravel() for i in range(len(batches))]) for batches in epochs]
    for seen in targets:
        np.testing.assert_array_equal(np.sort(seen), np.sort(store.target_rows("train").ravel()))
    assert len({seen.tobytes() for seen in targets}) == 4


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
    batches = training_batches(store, None if shuffle == "none" else 0, batch_size, steps)
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
    seen = []
    for epoch in range(math.ceil(windows / (steps * batch_size))):
        batches = training_batches(store, 0, batch_size, steps, epoch)
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
