"""Facts about a split that a reader can check, computed from the window starts rather than assumed."""

from __future__ import annotations

import numpy as np

from honest_forecast.names import BLOCKS
from honest_forecast.params import Params
from honest_forecast.windows.scaling import Scaler
from honest_forecast.windows.store import WindowSpec, chunks


def targets_in_training_windows(starts: np.ndarray, train_starts: np.ndarray, spec: WindowSpec, rows: int) -> np.ndarray:
    """How many of each window's targets lie inside some training window (as an input or a target).

    Inputs reaching back into the train block are fine (the past is known); a target the
    model saw during training is not. Rows covered by a training window are marked once, so
    the cost is linear in rows and windows.
    """
    windows = np.zeros(rows + 1, dtype=np.int32)  # starting at each row, then (summed) covering it
    windows[train_starts] += 1  # each start once: a block's starts are distinct
    windows[train_starts + spec.span] -= 1
    np.cumsum(windows, out=windows)
    return spec.targets_flagged(windows[:rows] > 0, starts)


def audit(
    starts: dict[str, np.ndarray],
    spec: WindowSpec,
    scaler: Scaler,
    train_stats: Scaler,
    channels: list[dict],
    known: list[dict],
    params: Params,
    bounds: tuple[int, int],
    rows: int,
    calendar: dict,
) -> dict:
    """Facts a reader can check, computed from the index arrays rather than assumed.

    ``train_stats`` is the scaler fit on the train rows alone, whatever ``scaler_fit`` asked for.
    """
    # Each block's target rows run from its first start + window to its last start + window + horizon - 1.
    first_target = {block: int(starts[block].min()) + spec.window for block in BLOCKS if starts[block].size}
    last_target = {block: int(starts[block].max()) + spec.span - 1 for block in BLOCKS if starts[block].size}
    blocks = {}
    for block in BLOCKS:
        if starts[block].size:
            blocks[block] = {
                "windows": int(starts[block].size),
                "input_rows": [int(starts[block].min()), int(starts[block].max() + spec.window - 1)],
                "target_rows": [first_target[block], last_target[block]],
            }
        else:
            blocks[block] = {"windows": 0}
    seen = {block: targets_in_training_windows(starts[block], starts["train"], spec, rows) for block in ("valid", "test")}
    checks = {
        "max_train_target_before_min_valid_target": bool(last_target["train"] < first_target["valid"]),
        "max_valid_target_before_min_test_target": bool(last_target["valid"] < first_target["test"]),
        "valid_targets_inside_train_windows": int(seen["valid"].sum()),
        "test_targets_inside_train_windows": int(seen["test"].sum()),
        "valid_windows_with_targets_seen_in_training": float((seen["valid"] > 0).mean()) if seen["valid"].size else 0.0,
        "test_windows_with_targets_seen_in_training": float((seen["test"] > 0).mean()) if seen["test"].size else 0.0,
        "scaler_fit_on_train_rows_only": params.scaler_fit == "train",
        "scaler_equals_train_rows_statistics": bool(
            np.allclose(train_stats.center, scaler.center) and np.allclose(train_stats.scale, scaler.scale)
        ),
        "inputs_end_before_first_target": all(
            bool(np.all(part + spec.window - 1 < spec.target_rows(part).min(axis=1)))
            for block in BLOCKS
            for part in chunks(starts[block])
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
        "calendar": calendar,
        "blocks": blocks,
        "checks": checks,
    }
