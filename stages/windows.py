"""Stage windows: split in time, scale with train statistics, cut windows, prove it in an audit.

The split happens on rows, before any scaling or windowing. A window's targets never
cross a block boundary; its inputs may reach back into an earlier block, because the
past is known at forecast time. Only the training windows are shuffled.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.utils import shuffle as sklearn_shuffle

from stages.common import DataError, load_arrays, run_stage, save_arrays, write_json
from stages.params import Params, load_params
from stages.paths import ARRAYS_FILE, AUDIT_FILE, SCALER_FILE, SERIES_FILE

BLOCKS = ("train", "valid", "test")
CALENDAR_CHANNELS = ("time_of_day_sin", "time_of_day_cos", "day_of_week_sin", "day_of_week_cos")
DAY_SECONDS = 86_400
MAX_SLOTS = 288  # five-minute data; finer one-hot slots would dwarf the window itself


@dataclass(frozen=True)
class WindowSpec:
    """The window geometry: ``window`` inputs, then ``horizon`` targets right after them."""

    window: int
    horizon: int

    @property
    def span(self) -> int:
        return self.window + self.horizon

    def starts_with_targets_in(self, lo: int, hi: int) -> np.ndarray:
        """Window starts whose targets all lie in rows [lo, hi); inputs may precede lo."""
        first = max(lo - self.window, 0)
        last = hi - self.span  # inclusive
        return np.arange(first, last + 1, dtype=np.int64) if last >= first else np.empty(0, np.int64)

    def target_rows(self, starts: np.ndarray) -> np.ndarray:
        """Row index of every target, shape (windows, horizon)."""
        return starts[:, None] + self.window + np.arange(self.horizon)

    def inputs(self, features: np.ndarray, starts: np.ndarray) -> np.ndarray:
        """Input windows (windows, window, channels), cut from a strided view without copying the series."""
        view = np.lib.stride_tricks.sliding_window_view(features, self.window, axis=0)
        return np.ascontiguousarray(view[starts].transpose(0, 2, 1))

    def targets(self, series: np.ndarray, starts: np.ndarray) -> np.ndarray:
        view = np.lib.stride_tricks.sliding_window_view(series[self.window :], self.horizon)
        return np.ascontiguousarray(view[starts])


@dataclass(frozen=True)
class Scaler:
    """Per-column affine scaling, ``(x - center) / scale``, kept as plain numbers (no pickle)."""

    kind: str
    center: np.ndarray
    scale: np.ndarray

    def transform(self, values: np.ndarray) -> np.ndarray:
        return (values - self.center) / self.scale

    def inverse(self, values: np.ndarray, column: int = 0) -> np.ndarray:
        return values * self.scale[column] + self.center[column]

    def to_dict(self, names: list[str], fit_rows: tuple[int, int]) -> dict:
        return {
            "kind": self.kind,
            "fit_rows": list(fit_rows),
            "columns": {
                name: {"center": float(c), "scale": float(s)} for name, c, s in zip(names, self.center, self.scale, strict=True)
            },
        }

    @classmethod
    def from_dict(cls, data: dict) -> Scaler:
        columns = data["columns"].values()
        return cls(data["kind"], np.array([c["center"] for c in columns]), np.array([c["scale"] for c in columns]))


def fit_scaler(rows: np.ndarray, kind: str) -> Scaler:
    """Fit on the rows given (the train block, unless the leaky ``scaler_fit: all`` is chosen)."""
    width = rows.shape[1]
    if kind == "standard":
        center, scale = rows.mean(axis=0), rows.std(axis=0)
    elif kind == "minmax":
        center, scale = rows.min(axis=0), rows.max(axis=0) - rows.min(axis=0)
    elif kind == "robust":
        q1, median, q3 = np.percentile(rows, [25, 50, 75], axis=0)
        center, scale = median, q3 - q1
    else:
        center, scale = np.zeros(width), np.ones(width)
    # A column constant over the fit rows keeps its offset but is not divided by zero.
    return Scaler(kind, center, np.where(scale > 0, scale, 1.0))


def split_rows(rows: int, params: Params) -> tuple[int, int]:
    """End rows (exclusive) of the train and valid blocks, by fraction of rows."""
    train_end = round(rows * params.train_frac)
    valid_end = round(rows * (params.train_frac + params.valid_frac))
    return train_end, valid_end


def calendar_features(timestamps: np.ndarray) -> np.ndarray:
    """Time of day and day of week as points on a circle; known in advance for any time."""
    stamps = pd.DatetimeIndex(timestamps)
    day = (stamps.hour * 3600 + stamps.minute * 60 + stamps.second).to_numpy() / 86400.0
    week = (stamps.day_of_week.to_numpy() + day) / 7.0
    return np.column_stack([np.sin(2 * np.pi * day), np.cos(2 * np.pi * day), np.sin(2 * np.pi * week), np.cos(2 * np.pi * week)])


def time_of_day_slots(timestamps: np.ndarray) -> tuple[np.ndarray, int]:
    """Slot of the day of each timestamp (0 = the first step after midnight) and the slots per day.

    The slot width is the series' median spacing, so half-hourly data has 48 slots.
    """
    stamps = pd.DatetimeIndex(timestamps)
    step = int(pd.Series(stamps).diff().median().total_seconds()) if len(stamps) > 1 else 0
    if step <= 0 or DAY_SECONDS % step or DAY_SECONDS // step > MAX_SLOTS:
        raise DataError(
            f"param 'target_calendar' needs a spacing that divides a day into at most {MAX_SLOTS} slots; "
            f"this series steps every {step} s. Set target_calendar: false"
        )
    seconds = (stamps.hour * 3600 + stamps.minute * 60 + stamps.second).to_numpy()
    return seconds // step, DAY_SECONDS // step


def known_inputs(timestamps: np.ndarray, params: Params) -> np.ndarray:
    """What is known in advance about each row's time: (rows, width), width 0 if nothing.

    Only timestamps are read, never an observation, so nothing from after the forecast
    origin can enter. A one-hot slot lets even a linear map learn a sharp daily profile
    (Victoria's off-peak loads switch on at fixed times), which smooth sin/cos channels cannot.
    """
    if not params.target_calendar:
        return np.zeros((len(timestamps), 0), dtype=np.float32)
    slot, slots = time_of_day_slots(timestamps)
    return np.eye(slots, dtype=np.float32)[slot]


def targets_seen_in_training(target_rows: np.ndarray, train_starts: np.ndarray, span: int) -> np.ndarray:
    """True for each target row that lies inside some training window (as an input or a target).

    Inputs reaching back into the train block are fine (the past is known); a target the
    model saw during training is not.
    """
    if not target_rows.size or not train_starts.size:
        return np.zeros(target_rows.shape, dtype=bool)
    ordered = np.sort(train_starts)
    # A training window covers rows [t, t + span): row r is inside iff r - span < t <= r.
    first = np.searchsorted(ordered, target_rows - span + 1, side="left")
    last = np.searchsorted(ordered, target_rows, side="right")
    return last > first


def assign_windows(rows: int, spec: WindowSpec, params: Params, bounds: tuple[int, int]) -> dict[str, np.ndarray]:
    """Window starts per block: by target rows in time (honest) or shuffled before the split (leaky)."""
    train_end, valid_end = bounds
    if params.shuffle != "before_split":
        starts = {
            "train": spec.starts_with_targets_in(0, train_end),
            "valid": spec.starts_with_targets_in(train_end, valid_end),
            "test": spec.starts_with_targets_in(valid_end, rows),
        }
        if params.shuffle == "train":
            starts["train"] = np.random.default_rng(params.seed).permutation(starts["train"])
        return starts
    # The asker's mistake, reproduced on purpose: every window of the train and valid rows,
    # shuffled, then cut. The test block stays chronological, so an honest score still exists.
    every = sklearn_shuffle(spec.starts_with_targets_in(0, valid_end), random_state=params.seed)
    n_train = round(len(every) * params.train_frac / (params.train_frac + params.valid_frac))
    return {"train": every[:n_train], "valid": every[n_train:], "test": spec.starts_with_targets_in(valid_end, rows)}


def audit(
    starts: dict[str, np.ndarray],
    spec: WindowSpec,
    scaler: Scaler,
    train_rows: np.ndarray,
    channels: list[dict],
    known: list[dict],
    params: Params,
    bounds: tuple[int, int],
    rows: int,
) -> dict:
    """Facts a reader can check, computed from the index arrays rather than assumed."""
    targets = {block: spec.target_rows(starts[block]) for block in BLOCKS}
    blocks = {}
    for block in BLOCKS:
        if starts[block].size:
            blocks[block] = {
                "windows": int(starts[block].size),
                "input_rows": [int(starts[block].min()), int(starts[block].max() + spec.window - 1)],
                "target_rows": [int(targets[block].min()), int(targets[block].max())],
            }
        else:
            blocks[block] = {"windows": 0}
    train_stats = fit_scaler(train_rows, params.scaler)
    seen = {block: targets_seen_in_training(targets[block], starts["train"], spec.span) for block in ("valid", "test")}
    checks = {
        "max_train_target_before_min_valid_target": bool(targets["train"].max() < targets["valid"].min()),
        "max_valid_target_before_min_test_target": bool(targets["valid"].max() < targets["test"].min()),
        "valid_targets_inside_train_windows": int(seen["valid"].sum()),
        "test_targets_inside_train_windows": int(seen["test"].sum()),
        "valid_windows_with_targets_seen_in_training": float(seen["valid"].any(axis=1).mean()) if seen["valid"].size else 0.0,
        "test_windows_with_targets_seen_in_training": float(seen["test"].any(axis=1).mean()) if seen["test"].size else 0.0,
        "scaler_fit_on_train_rows_only": params.scaler_fit == "train",
        "scaler_equals_train_rows_statistics": bool(
            np.allclose(train_stats.center, scaler.center) and np.allclose(train_stats.scale, scaler.scale)
        ),
        "inputs_end_before_first_target": all(
            bool(np.all(starts[block] + spec.window - 1 < targets[block].min(axis=1))) for block in BLOCKS
        ),
    }
    checks["leak_free"] = bool(
        checks["max_train_target_before_min_valid_target"]
        and checks["inputs_end_before_first_target"]
        and checks["max_valid_target_before_min_test_target"]
        and checks["valid_targets_inside_train_windows"] == 0
        and checks["test_targets_inside_train_windows"] == 0
        and checks["scaler_fit_on_train_rows_only"]
        and checks["scaler_equals_train_rows_statistics"]
    )
    return {
        "rows": rows,
        "window": spec.window,
        "horizon": spec.horizon,
        "split_rows": {"train": [0, bounds[0] - 1], "valid": [bounds[0], bounds[1] - 1], "test": [bounds[1], rows - 1]},
        "shuffle": params.shuffle,
        "scaler": params.scaler,
        "scaler_fit": params.scaler_fit,
        "target": params.target,
        "channels": channels,
        "known_inputs": known,
        "blocks": blocks,
        "checks": checks,
    }


def model_inputs(arrays: dict[str, np.ndarray], block: str) -> dict[str, np.ndarray]:
    """The named inputs of the model for one block: the window, and what is known about the targets if anything."""
    inputs = {"window": arrays[f"x_{block}"]}
    if arrays[f"known_{block}"].shape[-1]:
        inputs["known"] = arrays[f"known_{block}"]
    return inputs


def build_windows(
    timestamps: np.ndarray,
    target: np.ndarray,
    covariates: np.ndarray,
    names: list[str],
    params: Params,
) -> tuple[dict[str, np.ndarray], Scaler, dict]:
    """Pure core of the stage: arrays per block, the fitted scaler and the audit."""
    spec = WindowSpec(params.window, params.horizon)
    rows = len(target)
    bounds = split_rows(rows, params)
    train_end, valid_end = bounds
    sizes = {"train": train_end, "valid": valid_end - train_end, "test": rows - valid_end}
    if sizes["train"] < spec.span or min(sizes["valid"], sizes["test"]) < spec.horizon:
        raise DataError(
            f"{rows} rows split {sizes['train']}/{sizes['valid']}/{sizes['test']} "
            f"leave a block without a whole window (window {spec.window} + horizon {spec.horizon}); "
            "use more data or lower 'window'/'horizon', or change the '*_frac' params"
        )
    raw = np.column_stack([target, covariates])
    fit_rows = raw[:train_end] if params.scaler_fit == "train" else raw
    scaler = fit_scaler(fit_rows, params.scaler)
    scaled = scaler.transform(raw)
    channels = [{"name": names[0], "role": "target: past values inside the window"}]
    channels += [{"name": name, "role": "covariate: past values inside the window"} for name in names[1:]]
    features = scaled
    if params.calendar:
        features = np.column_stack([scaled, calendar_features(timestamps)])
        channels += [
            {"name": name, "role": "calendar: computed from the input steps' timestamps, known in advance"}
            for name in CALENDAR_CHANNELS
        ]
    known_table = known_inputs(timestamps, params)
    known = []
    if params.target_calendar:
        known.append(
            {
                "name": "time_of_day_slot",
                "width": known_table.shape[1],
                "role": "calendar of each target time: one-hot slot of the day from its timestamp, known in advance",
            }
        )
    starts = assign_windows(rows, spec, params, bounds)
    arrays: dict[str, np.ndarray] = {}
    for block in BLOCKS:
        x = spec.inputs(features, starts[block])
        y = spec.targets(scaled[:, 0], starts[block])
        if params.target == "delta":
            y = y - x[:, -1:, 0]
        target_rows = spec.target_rows(starts[block])
        arrays[f"x_{block}"] = x.astype(np.float32)
        arrays[f"known_{block}"] = known_table[target_rows]  # (windows, horizon, width)
        arrays[f"y_{block}"] = y.astype(np.float32)
        arrays[f"rows_{block}"] = target_rows
    report = audit(starts, spec, scaler, raw[:train_end], channels, known, params, bounds, rows)
    if params.shuffle != "before_split" and params.scaler_fit == "train" and not report["checks"]["leak_free"]:
        raise AssertionError(f"windows audit failed on a leak-free configuration: {report['checks']}")
    return arrays, scaler, report


def main() -> None:
    params = load_params()
    series = load_arrays(SERIES_FILE)
    names = [str(series["target_name"]), *(str(name) for name in series["covariate_names"])]
    arrays, scaler, report = build_windows(series["timestamps"], series["target"], series["covariates"], names, params)
    train_end = split_rows(len(series["target"]), params)[0]
    fit_rows = (0, train_end - 1) if params.scaler_fit == "train" else (0, len(series["target"]) - 1)
    save_arrays(ARRAYS_FILE, **arrays)
    write_json(SCALER_FILE, scaler.to_dict(names, fit_rows))
    write_json(AUDIT_FILE, report)
    counts = ", ".join(f"{block} {report['blocks'][block]['windows']}" for block in BLOCKS)
    print(f"windows: {counts}; leak_free={report['checks']['leak_free']}")


if __name__ == "__main__":
    run_stage(main)
