"""Keras batches cut on the fly from a WindowStore, in the order Keras itself would use.

Training on materialised window arrays with ``fit(..., shuffle=True)`` presents each epoch's
windows in a permutation drawn by Keras's array adapter. :func:`epoch_order` draws that same
permutation from the same adapter, applied to the window positions, at the point ``fit`` would
draw it; the batches are then identical and so are the trained weights (tests/test_feeding.py
checks it against ``fit`` on arrays). Evaluation batches are the blocks in stored order.
"""

from __future__ import annotations

import keras
import numpy as np
from keras.src.trainers.data_adapters.array_data_adapter import ArrayDataAdapter

from honest_forecast.windows.store import WindowStore

EVALUATION_BATCH = 1024


class WindowBatches(keras.utils.PyDataset):
    """Batches of ``(inputs, targets)`` for the windows starting at ``starts``, in that order, cut one batch at a time."""

    def __init__(self, store: WindowStore, starts: np.ndarray, batch_size: int) -> None:
        super().__init__()
        self.store, self.starts, self.batch_size = store, starts, batch_size

    def __len__(self) -> int:
        return -(-len(self.starts) // self.batch_size)

    def __getitem__(self, index: int) -> tuple[dict[str, np.ndarray], np.ndarray]:
        return self.store.cut(self.starts[index * self.batch_size : (index + 1) * self.batch_size])

    def release(self) -> None:
        """Let go of the store: Keras keeps the last dataset it was given alive, and with it every row of the series."""
        self.store, self.starts = None, self.starts[:0]


def epoch_order(windows: int, shuffle: bool) -> np.ndarray:
    """Positions of the training windows in the order of one epoch of ``fit(arrays, shuffle=shuffle)``.

    The permutation does not depend on the batch size (Keras shuffles all indices, then slices),
    so it is drawn as one batch. Call it once per ``fit``, right before it, as ``fit`` would.
    """
    if not shuffle:
        return np.arange(windows)
    adapter = ArrayDataAdapter(np.arange(windows), batch_size=windows, shuffle=True)
    return np.concatenate([np.asarray(batch) for batch in adapter.get_tf_dataset()])


def training_batches(store: WindowStore, shuffle: bool, batch_size: int, steps: int = 0, epoch: int = 0) -> WindowBatches:
    """One epoch of training batches: every training window once, or with ``steps`` > 0, ``steps`` batches.

    Epoch ``epoch`` then takes the next ``steps`` batches of the shuffled order, wrapping around,
    so that successive epochs go through every window even where the order repeats.
    """
    windows = store.windows("train")
    order = epoch_order(windows, shuffle)
    if steps:
        order = order[np.arange(epoch * steps * batch_size, (epoch + 1) * steps * batch_size) % windows]
    return WindowBatches(store, store.starts["train"][order], batch_size)


def block_batches(store: WindowStore, starts: np.ndarray) -> WindowBatches:
    """Evaluation batches of the windows at ``starts``, in that order."""
    return WindowBatches(store, starts, EVALUATION_BATCH)


def evaluate_windows(model: keras.Model, store: WindowStore, starts: np.ndarray) -> dict[str, float]:
    """Keras's loss and metrics on the windows at ``starts``; afterwards nothing Keras keeps holds the store."""
    batches = block_batches(store, starts)
    try:
        return model.evaluate(batches, verbose=0, return_dict=True)
    finally:
        batches.release()


def predict_windows(model: keras.Model, store: WindowStore, starts: np.ndarray) -> np.ndarray:
    """The model's scaled forecasts of the windows at ``starts``; afterwards nothing Keras keeps holds the store."""
    batches = block_batches(store, starts)
    try:
        return model.predict(batches, verbose=0)
    finally:
        batches.release()
