"""Stage train: fit the Keras model on the training windows, stop early on the valid block.

The seed is set before the model is built, so two runs give the same weights.
A loss that turns non-finite, or grows a thousandfold, stops training at that batch with
a remedy, and no model file is written that a later stage could take for a good one.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
import zipfile
from pathlib import Path
from typing import ClassVar

import numpy as np

from stages.common import TrainingError, atomic_path, load_arrays, quiet_tensorflow, run_stage, write_json
from stages.params import UNBOUNDED_ACTIVATIONS, Params, as_dict, load_params
from stages.paths import ARRAYS_FILE, EFFECTIVE_PARAMS_FILE, LIVE_DIR, MODEL_FILE

quiet_tensorflow()
import keras  # noqa: E402
from dvclive import Live  # noqa: E402

from stages.baselines import fit_linear_autoregression  # noqa: E402
from stages.model import build_model, compile_model, start_from_ridge  # noqa: E402

MONITOR = "val_mse"  # the valid block's data loss; the L2 penalty is not forecast error
DIVERGENCE_FACTOR = 1e3  # a loss this many times its first value has diverged, finite or not


class StopOnDivergence(keras.callbacks.Callback):
    """Raise at the first batch whose loss is non-finite or has exploded, instead of wasting epochs."""

    def __init__(self, params: Params) -> None:
        super().__init__()
        self.params_ = params
        self.epoch = 0
        self.first_loss: float | None = None

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self.epoch = epoch

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        loss = float((logs or {}).get("loss", 0.0))
        if self.first_loss is None:
            self.first_loss = loss
        if not math.isfinite(loss) or loss > DIVERGENCE_FACTOR * self.first_loss:
            raise TrainingError(divergence_message(self.params_, self.epoch + 1, batch + 1, loss, self.first_loss))


def divergence_message(params: Params, epoch: int, batch: int, loss: float, first_loss: float) -> str:
    remedies = [f"lower 'lr' (now {params.lr:g}), e.g. dvc exp run -S lr={params.lr / 10:g}"]
    if not params.clipnorm:
        remedies.append("clip gradients with 'clipnorm' (e.g. 1.0)")
    unbounded = sorted({a for a in params.layer_activations() if a in UNBOUNDED_ACTIVATIONS})
    if unbounded:
        remedies.append(f"use a bounded 'activation' such as tanh instead of {', '.join(unbounded)}")
    growth = f", {loss / first_loss:.3g} times its first value {first_loss:.3g}" if math.isfinite(loss) else ""
    return (
        f"training diverged: the loss became {loss:.4g} at epoch {epoch}, batch {batch}{growth}; no model was saved. "
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


def initial_weights_fingerprint(shape: tuple[int, int, int], params: Params, seed: int | None) -> str:
    """Hash of a freshly built model's weights; equal for two builds only if seeding works."""
    if seed is not None:
        keras.utils.set_random_seed(seed)
    model = build_model(*shape, params)
    return hashlib.sha256(b"".join(np.asarray(w).tobytes() for w in model.get_weights())).hexdigest()[:16]


def train_model(arrays: dict, params: Params, live: Live | None = None) -> tuple[keras.Model, dict, float]:
    """Build, compile and fit; return the model with the best valid weights, a summary and the seconds fit took.

    The time is kept out of the summary so the tracked summary file only changes when training does.
    """
    x_train, y_train = arrays["x_train"], arrays["y_train"]
    shape = (x_train.shape[1], x_train.shape[2], y_train.shape[1])
    fingerprints = [initial_weights_fingerprint(shape, params, params.seed) for _ in range(2)]
    keras.utils.set_random_seed(params.seed)
    model = build_model(*shape, params)
    if params.linear_skip:
        ridge = fit_linear_autoregression(x_train, y_train, params.ridge_alpha)
        start_from_ridge(model, ridge.coef_, ridge.intercept_)
    compile_model(model, params)
    # Read back from the compiled optimizer: the rate training really starts with, not the one asked for.
    learning_rate = float(keras.ops.convert_to_numpy(model.optimizer.learning_rate))
    stopper = keras.callbacks.EarlyStopping(monitor=MONITOR, patience=params.patience, restore_best_weights=True)
    callbacks = [StopOnDivergence(params), stopper]
    if params.reduce_lr_patience:
        callbacks.append(keras.callbacks.ReduceLROnPlateau(monitor=MONITOR, factor=0.5, patience=params.reduce_lr_patience))
    if live is not None:
        callbacks.append(LiveLogger(live))
    started = time.perf_counter()
    history = model.fit(
        x_train,
        y_train,
        validation_data=(arrays["x_valid"], arrays["y_valid"]),
        epochs=params.epochs,
        batch_size=params.batch_size,
        shuffle=params.shuffle != "none",
        callbacks=callbacks,
        verbose=0,
    )
    seconds = time.perf_counter() - started
    valid = history.history[MONITOR]
    best = int(min(range(len(valid)), key=valid.__getitem__))
    summary = {
        "epochs_run": len(valid),
        "best_epoch": best + 1,
        "best_valid_mse": valid[best],
        "optimizer_learning_rate": learning_rate,
        "parameters": model.count_params(),
        "seed_fingerprints": fingerprints,
    }
    return model, summary, seconds


def renumber_shared_objects(config: object, numbers: dict[int, int]) -> object:
    """Replace Keras's shared_object_id (a memory address) by 1, 2, ... in order of appearance."""
    if isinstance(config, dict):
        return {
            key: numbers.setdefault(value, len(numbers) + 1)
            if key == "shared_object_id"
            else renumber_shared_objects(value, numbers)
            for key, value in config.items()
        }
    if isinstance(config, list):
        return [renumber_shared_objects(item, numbers) for item in config]
    return config


def save_model(model: keras.Model, path: Path) -> None:
    """Save atomically and byte-reproducibly: the same weights give the same file, so DVC sees no change.

    Keras stamps the save time into metadata.json and the zip entries, and memory addresses
    into config.json; all are pinned here.
    """
    with atomic_path(path) as pinned:
        saved = pinned.with_name(f"{pinned.stem}.unpinned.keras")
        try:
            model.save(saved)
            with zipfile.ZipFile(saved) as source, zipfile.ZipFile(pinned, "w", zipfile.ZIP_DEFLATED) as target:
                for name in sorted(source.namelist()):
                    data = source.read(name)
                    if name == "metadata.json":
                        metadata = json.loads(data)
                        metadata.pop("date_saved", None)
                        data = json.dumps(metadata, sort_keys=True).encode()
                    elif name == "config.json":
                        data = json.dumps(renumber_shared_objects(json.loads(data), {})).encode()
                    target.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data, zipfile.ZIP_DEFLATED)
        finally:
            saved.unlink(missing_ok=True)


def main() -> None:
    params = load_params()
    arrays = load_arrays(ARRAYS_FILE)
    with Live(str(LIVE_DIR), dvcyaml=False, save_dvc_exp=False, report=None) as live:
        model, summary, seconds = train_model(arrays, params, live)
    save_model(model, MODEL_FILE)
    write_json(EFFECTIVE_PARAMS_FILE, {"params": as_dict(params), "training": summary, "backend": keras.backend.backend()})
    print(
        f"train: {summary['epochs_run']} epochs in {seconds:.1f} s, "
        f"best valid mse {summary['best_valid_mse']:.5f} at epoch {summary['best_epoch']}"
    )


if __name__ == "__main__":
    run_stage(main)
