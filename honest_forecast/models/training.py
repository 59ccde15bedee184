"""Fit the network on the training windows, stop early on the valid block.

The seed is set before the model is built, so two runs give the same weights.
A loss that turns non-finite, or grows a thousandfold, stops training at that batch with
a remedy, and no model file is written that a later stage could take for a good one."""

from __future__ import annotations

import hashlib
import math
import time
from typing import ClassVar

import keras
import numpy as np
from dvclive import Live

from honest_forecast.baselines.linear import alpha_record, best_statistical_map, fit_linear_autoregression
from honest_forecast.errors import TrainingError
from honest_forecast.models.feeding import EVALUATION_BATCH, block_batches, training_batches
from honest_forecast.models.network import STEPS_PER_EXECUTION, average_members, build_model, compile_model, start_from_ridge
from honest_forecast.params import UNBOUNDED_ACTIVATIONS, Params
from honest_forecast.windows.store import WindowStore

MONITOR = "val_mse"  # the valid block's data loss; the L2 penalty is not forecast error

DIVERGENCE_FACTOR = 1e3  # a loss this many times its first value has diverged, finite or not


class StopOnDivergence(keras.callbacks.Callback):
    """Raise at the first batch whose loss is non-finite or has exploded, instead of wasting epochs.

    Keras reports the loss every ``STEPS_PER_EXECUTION`` batches, by which time a diverging
    run may have grown already; growth is therefore measured against the loss before training.
    """

    def __init__(self, params: Params, initial_loss: float, member: int | None = None) -> None:
        super().__init__()
        self.params_ = params
        self.member = member
        self.epoch = 0
        self.first_loss = initial_loss

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self.epoch = epoch

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        loss = float((logs or {}).get("loss", 0.0))
        if not math.isfinite(loss) or loss > DIVERGENCE_FACTOR * self.first_loss:
            where = f"member {self.member}, epoch {self.epoch + 1}" if self.member else f"epoch {self.epoch + 1}"
            raise TrainingError(divergence_message(self.params_, where, batch + 1, loss, self.first_loss))


def divergence_message(params: Params, where: str, batch: int, loss: float, first_loss: float) -> str:
    remedies = [f"lower 'lr' (now {params.lr:g}), e.g. dvc exp run -S lr={params.lr / 10:g}"]
    if not params.clipnorm:
        remedies.append("clip gradients with 'clipnorm' (e.g. 1.0)")
    unbounded = sorted({a for a in params.layer_activations() if a in UNBOUNDED_ACTIVATIONS})
    if unbounded:
        remedies.append(f"use a bounded 'activation' such as tanh instead of {', '.join(unbounded)}")
    growth = f", {loss / first_loss:.3g} times its value before training, {first_loss:.3g}" if math.isfinite(loss) else ""
    return (
        f"training diverged: the loss became {loss:.4g} at {where}, batch {batch}{growth}; no model was saved. "
        f"Try: {'; '.join(remedies)}"
    )


class LiveLogger(keras.callbacks.Callback):
    """Per-epoch train and valid losses to dvclive, under names that match dvc.yaml's plots."""

    NAMES: ClassVar[dict[str, str]] = {"loss": "train/loss", "mse": "train/mse", "val_loss": "valid/loss", "val_mse": "valid/mse"}

    def __init__(self, live: Live) -> None:
        super().__init__()
        self.live = live

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        for key, name in self.NAMES.items():
            if key in (logs or {}):
                self.live.log_metric(name, float(logs[key]))
        self.live.log_metric("learning_rate", float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate)))
        self.live.next_step()


class ProgressLine(keras.callbacks.Callback):
    """One compact line per epoch on stdout, so a person watching `dvc repro` sees training move.

    Early stopping ends training ``patience`` epochs after the best one unless valid improves
    meanwhile, so the line gives both: when it stops if nothing improves, and the most epochs left.
    """

    def __init__(self, epochs: int, patience: int, label: str = "train") -> None:
        super().__init__()
        self.epochs, self.patience, self.label = epochs, patience, label
        self.best, self.best_epoch, self.started = math.inf, 0, time.perf_counter()

    def on_train_begin(self, logs: dict | None = None) -> None:
        self.started = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        logs = logs or {}
        done = epoch + 1
        if logs.get(MONITOR, math.inf) < self.best:
            self.best, self.best_epoch = logs[MONITOR], done
        per_epoch = (time.perf_counter() - self.started) / done
        most = self.epochs - done
        stops = min(most, self.best_epoch + self.patience - done)
        print(
            f"{self.label}: epoch {done}/{self.epochs}  loss {logs.get('loss', math.nan):.5f}  "
            f"valid {logs.get(MONITOR, math.nan):.5f}  best {self.best:.5f} (epoch {self.best_epoch})  "
            f"{per_epoch:.1f} s/epoch; {stops} more if valid does not improve (~{stops * per_epoch:.0f} s), "
            f"at most {most} (~{most * per_epoch:.0f} s)",
            flush=True,
        )


def initial_weights_fingerprint(shape: tuple[int, int, int, int], params: Params, seed: int | None, series: int = 0) -> str:
    """Hash of a freshly built model's weights; equal for two builds only if seeding works."""
    if seed is not None:
        keras.utils.set_random_seed(seed)
    model = build_model(*shape[:3], params, known=shape[3], series=series)
    return hashlib.sha256(b"".join(np.asarray(w).tobytes() for w in model.get_weights())).hexdigest()[:16]


def new_member(
    shape: tuple[int, int, int, int], params: Params, member: int, ridge: object | None, series: int = 0
) -> keras.Model:
    """Member ``member`` (1, 2, ...), built from seed ``seed + member - 1`` and compiled with its own optimizer."""
    keras.utils.set_random_seed(params.seed + member - 1)
    name = f"member_{member}" if params.members > 1 else None
    model = build_model(*shape[:3], params, known=shape[3], name=name, series=series)
    if ridge is not None:
        start_from_ridge(model, ridge.coef_, ridge.intercept_)
    compile_model(model, params)
    return model


def fit_skip_path(store: WindowStore, params: Params) -> tuple[object | None, dict]:
    """The fixed linear map the recurrent part learns the residual of (None without ``linear_skip``), and what it is.

    ``ridge``: a ridge on every input the network reads, fit on the training windows;
    ``best_statistical``: the statistical forecast with the lowest MSE on them, weight one.
    """
    about = {"statistical_inputs": list(store.statistical_names), "skip_path": None, "skip_path_ridge_alpha": None}
    if not params.linear_skip:
        return None, about
    starts = store.starts["train"]
    if params.skip_path == "best_statistical":
        if not store.statistical_methods:
            raise TrainingError(
                "param 'skip_path' is best_statistical, but no statistical baseline could be fit on this series "
                "(data/statistical/*/summary.json says why); set 'skip_path' to ridge"
            )
        skip, best = best_statistical_map(store, starts)
        return skip, about | {"skip_path": f"best_statistical: {store.statistical_names[best]}"}
    skip = fit_linear_autoregression(store, starts, params.ridge_alpha)
    return skip, about | {"skip_path": "ridge", "skip_path_ridge_alpha": alpha_record(skip.alpha)}


def batch_order_seed(params: Params) -> int | None:
    """The seed of the training batches' order; None keeps the stored order (``shuffle: none``)."""
    return None if params.shuffle == "none" else params.seed


def train_model(
    store: WindowStore, params: Params, live: Live | None = None, label: str = "train"
) -> tuple[keras.Model, dict, float]:
    """Build, compile and fit; return the model with the best valid weights, a summary and the seconds fit took.

    Batches are cut from ``store`` on the fly (honest_forecast/models/feeding.py), each epoch of
    each member in its own seeded order. With several ``members`` they train side by side, one
    epoch each in turn, every one from its own seed; the valid figures that drive early
    stopping, the plateau schedule and the logs are those of their mean forecast, the model
    that is saved. With the skip path, the model before training is that fixed map; if no epoch
    beats it on valid it is what is returned (``best_epoch`` 0). The time is kept out
    of the summary so the tracked summary file only changes when training does.
    """
    shape = store.shape
    fingerprints = [initial_weights_fingerprint(shape, params, params.seed, store.series_count) for _ in range(2)]
    ridge, skip_about = fit_skip_path(store, params)
    members = [new_member(shape, params, member, ridge, store.series_count) for member in range(1, params.members + 1)]
    model = average_members(members)
    if params.members > 1:
        compile_model(model, params)  # for its loss and mse metric; its own optimizer never steps
    keras.utils.set_random_seed(params.seed)  # dropout draws during fit; the batch order is drawn apart
    order_seed = batch_order_seed(params)
    # Read back from the compiled optimizer: the rate training really starts with, not the one asked for.
    learning_rate = float(keras.ops.convert_to_numpy(members[0].optimizer.learning_rate))
    # Stock Keras callbacks, driven by hand with the mean forecast's valid figures.
    stopper = keras.callbacks.EarlyStopping(monitor=MONITOR, mode="min", patience=params.patience, restore_best_weights=True)
    stopper.set_model(model)
    progress = ProgressLine(params.epochs, params.patience, label)
    progress.set_model(model)
    watchers: list[keras.callbacks.Callback] = [stopper, progress]
    if params.reduce_lr_patience:
        for member in members:
            plateau = keras.callbacks.ReduceLROnPlateau(monitor=MONITOR, factor=0.5, patience=params.reduce_lr_patience)
            plateau.set_model(member)
            watchers.append(plateau)
    if live is not None:
        logger = LiveLogger(live)
        logger.set_model(members[0])
        watchers.append(logger)
    # about the batches of the first compiled call, in the stored (seeded) order
    start, y_start = store.cut(store.starts["train"][: STEPS_PER_EXECUTION * params.batch_size])
    guards = [
        StopOnDivergence(
            params,
            float(member.evaluate(start, y_start, batch_size=EVALUATION_BATCH, verbose=0, return_dict=True)["loss"]),
            member=number if params.members > 1 else None,
        )
        for number, member in enumerate(members, start=1)
    ]
    # with the skip path the untrained model is that fixed map: training is kept only if it beats it on valid
    untrained = float(model.evaluate(block_batches(store, store.starts["valid"]), verbose=0, return_dict=True)["mse"])
    untrained_weights = [member.get_weights() for member in members]
    for watcher in watchers:
        watcher.on_train_begin()
    history: list[dict[str, float]] = []
    started = time.perf_counter()
    for epoch in range(params.epochs):
        fits = [
            member.fit(
                training_batches(store, order_seed, params.batch_size, params.steps_per_epoch, epoch, number),
                initial_epoch=epoch,
                epochs=epoch + 1,
                shuffle=False,  # the batches come in fit's own shuffled order already
                callbacks=[guard],
                verbose=0,
            ).history
            for number, (member, guard) in enumerate(zip(members, guards, strict=True), start=1)
        ]
        valid = model.evaluate(block_batches(store, store.starts["valid"]), verbose=0, return_dict=True)
        logs = {
            "loss": float(np.mean([fit["loss"][-1] for fit in fits])),
            "mse": float(np.mean([fit["mse"][-1] for fit in fits])),
            "val_loss": float(valid["loss"]),
            "val_mse": float(valid["mse"]),
        }
        history.append(logs)
        for watcher in watchers:
            watcher.on_epoch_end(epoch, logs)
        if model.stop_training:
            break
    for watcher in watchers:
        watcher.on_train_end()
    seconds = time.perf_counter() - started
    valid_mse = [logs[MONITOR] for logs in history]
    best = int(min(range(len(valid_mse)), key=valid_mse.__getitem__))
    best_epoch, best_mse = best + 1, valid_mse[best]
    if ridge is not None and untrained <= best_mse:
        for member, weights in zip(members, untrained_weights, strict=True):
            member.set_weights(weights)
        best_epoch, best_mse = 0, untrained
        print(f"{label}: no epoch beat the skip path alone on valid (mse {untrained:.5f}); the network is the skip path")
    summary = {
        "epochs_run": len(valid_mse),
        "best_epoch": best_epoch,
        "untrained_valid_mse": untrained,
        "best_valid_mse": best_mse,
        "optimizer_learning_rate": learning_rate,
        "parameters": model.count_params(),
        **skip_about,
        "seed_fingerprints": fingerprints,
    }
    return model, summary, seconds


def refit_model(store: WindowStore, params: Params, epochs: int, label: str = "refit") -> keras.Model:
    """The training recipe again on the store's training windows, for a fixed number of ``epochs`` and no valid block.

    Same seeds, members, skip path (fit on those windows) and batch order as :func:`train_model`;
    what early stopping chose in the backtest is the number of epochs (0: the skip path alone), so
    no row is held out to choose it again.
    """
    skip, _ = fit_skip_path(store, params)
    members = [new_member(store.shape, params, member, skip, store.series_count) for member in range(1, params.members + 1)]
    model = average_members(members)
    keras.utils.set_random_seed(params.seed)
    order_seed = batch_order_seed(params)
    started = time.perf_counter()
    for epoch in range(epochs):
        for number, member in enumerate(members, start=1):
            batches = training_batches(store, order_seed, params.batch_size, params.steps_per_epoch, epoch, number)
            member.fit(batches, initial_epoch=epoch, epochs=epoch + 1, shuffle=False, verbose=0)
        print(f"{label}: epoch {epoch + 1}/{epochs}, {(time.perf_counter() - started) / (epoch + 1):.1f} s/epoch", flush=True)
    return model
