"""Keras batches cut on the fly from a WindowStore, in an order the run draws itself.

Each pass through the training windows is a fresh permutation from
``np.random.default_rng((seed, member, pass))``: a rerun presents the same batches, while
successive epochs and members differ. (Keras's own array adapter, with the global seed set,
draws the same permutation at every ``fit`` call, so every epoch of every member used to see
one order.) Evaluation batches are the blocks in stored order.
"""

from __future__ import annotations

import keras
import numpy as np

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


def pass_order(windows: int, seed: int | None, member: int, sweep: int) -> np.ndarray:
    """Positions of the training windows in pass ``sweep`` (0, 1, ...) of member ``member``; stored order without a seed."""
    return np.arange(windows) if seed is None else np.random.default_rng((seed, member, sweep)).permutation(windows)


def epoch_order(windows: int, seed: int | None, member: int = 1, epoch: int = 0, per_epoch: int = 0) -> np.ndarray:
    """Positions of the training windows for one epoch; ``seed`` None keeps them in stored order.

    An epoch is every window once (``per_epoch`` 0: pass ``epoch``) or the next ``per_epoch``
    positions of the passes laid end to end, so that successive short epochs go through every
    window before any comes again.
    """
    if not per_epoch:
        return pass_order(windows, seed, member, epoch)
    positions = np.arange(epoch * per_epoch, (epoch + 1) * per_epoch)
    sweeps = positions // windows
    order = np.empty(per_epoch, dtype=np.int64)
    for sweep in np.unique(sweeps):
        taken = sweeps == sweep
        order[taken] = pass_order(windows, seed, member, int(sweep))[positions[taken] % windows]
    return order


def training_batches(
    store: WindowStore, seed: int | None, batch_size: int, steps: int = 0, epoch: int = 0, member: int = 1
) -> WindowBatches:
    """One epoch of member ``member``'s training batches: every training window once, or with ``steps`` > 0, ``steps`` batches.

    ``seed`` None (``shuffle: none``) keeps the stored order.
    """
    order = epoch_order(store.windows("train"), seed, member, epoch, steps * batch_size)
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
