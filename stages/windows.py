"""Stage windows: split in time, scale with train statistics, cut windows, prove it in an audit.

The split happens on rows, before any scaling or windowing. A window's targets never
cross a block boundary; its inputs may reach back into an earlier block, because the
past is known at forecast time. Only the training windows are shuffled.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.utils import shuffle as sklearn_shuffle

from stages.common import DataError, run_stage, write_json
from stages.params import Params, load_params
from stages.paths import fold_paths
from stages.scaling import Scaler, fit_scaler
from stages.split import BLOCKS, load_fold_series, split_rows, stage_fold
from stages.windowing import WindowSpec, WindowStore, chunks

# Input channels per calendar kind (set by ingest from the series' spacing): each a position on a circle.
CALENDAR_CHANNELS = {
    "time_of_day": ("time_of_day_sin", "time_of_day_cos", "day_of_week_sin", "day_of_week_cos"),
    "day_of_week": ("day_of_week_sin", "day_of_week_cos", "day_of_year_sin", "day_of_year_cos"),
    "week_of_year": ("week_of_year_sin", "week_of_year_cos"),
    "month_of_year": ("month_of_year_sin", "month_of_year_cos"),
    "quarter": ("quarter_sin", "quarter_cos"),
    "none": (),
}
# The one-hot slot of each target time that target_calendar feeds, per calendar kind (time_of_day: see time_of_day_slots).
KNOWN_SLOTS = {
    "day_of_week": ("day_of_week", "day of the week", 7, lambda stamps: stamps.day_of_week.to_numpy()),
    "week_of_year": (
        "week_of_year",
        "ISO week of the year",
        53,
        lambda stamps: stamps.isocalendar().week.to_numpy().astype(int) - 1,
    ),
    "month_of_year": ("month_of_year", "month of the year", 12, lambda stamps: stamps.month.to_numpy() - 1),
    "quarter": ("quarter", "quarter of the year", 4, lambda stamps: stamps.quarter.to_numpy() - 1),
}
NO_CALENDAR = "the series' spacing has no calendar cycle (annual, whole days other than 1 or 7, integer index or freq none)"
DAY_SECONDS = 86_400
MAX_SLOTS = 288  # five-minute data; finer one-hot slots would dwarf the window itself
CALENDAR_ROWS = 1 << 20  # rows whose calendar channels are computed at once


def _circles(*fractions: np.ndarray) -> np.ndarray:
    """Each fraction of its cycle as (sin, cos): the cycle's end meets its start."""
    return np.column_stack([f(2 * np.pi * x) for x in fractions for f in (np.sin, np.cos)])


def _seconds_of_day(stamps: pd.DatetimeIndex) -> np.ndarray:
    return (stamps.hour * 3600 + stamps.minute * 60 + stamps.second).to_numpy()


def calendar_features(timestamps: np.ndarray, kind: str = "time_of_day") -> np.ndarray:
    """The calendar channels of ``kind`` (see CALENDAR_CHANNELS); known in advance for any time."""
    if kind == "none":
        return np.zeros((len(timestamps), 0))
    stamps = pd.DatetimeIndex(timestamps)
    if kind == "time_of_day":
        day = _seconds_of_day(stamps) / 86400.0
        return _circles(day, (stamps.day_of_week.to_numpy() + day) / 7.0)
    if kind == "day_of_week":
        return _circles(stamps.day_of_week.to_numpy() / 7.0, (stamps.day_of_year.to_numpy() - 1) / 365.25)
    if kind == "week_of_year":
        return _circles((stamps.isocalendar().week.to_numpy() - 1) / 52.0)  # week 53 sits where week 1 does
    if kind == "month_of_year":
        return _circles((stamps.month.to_numpy() - 1) / 12.0)
    return _circles((stamps.quarter.to_numpy() - 1) / 4.0)


def time_of_day_slots(timestamps: np.ndarray) -> tuple[np.ndarray, int, str]:
    """Slot of the day of each timestamp, the slots per day and their name.

    The slot width is the series' median spacing, so half-hourly data has 48 slots; a spacing
    that does not divide the day, or divides it into more than MAX_SLOTS, gets the hour instead.
    """
    stamps = pd.DatetimeIndex(timestamps)
    step = int(pd.Series(stamps).diff().median().total_seconds()) if len(stamps) > 1 else 0
    hours = step <= 0 or DAY_SECONDS % step or DAY_SECONDS // step > MAX_SLOTS
    slots = np.empty(len(stamps), dtype=np.int16)
    for lo in range(0, len(stamps), CALENDAR_ROWS):  # a piece at a time: each field is a copy of the series
        piece = stamps[lo : lo + CALENDAR_ROWS]
        slots[lo : lo + CALENDAR_ROWS] = piece.hour.to_numpy() if hours else _seconds_of_day(piece) // step
    return (slots, 24, "hour_of_day") if hours else (slots, DAY_SECONDS // step, "time_of_day_slot")


def calendar_slots(timestamps: np.ndarray, kind: str) -> tuple[np.ndarray, int, str, str]:
    """Slot of each timestamp in the cycle of ``kind``, the number of slots, their name and what they are."""
    if kind == "time_of_day":
        slot, slots, name = time_of_day_slots(timestamps)
        return slot, slots, name, "slot of the day" if name == "time_of_day_slot" else "hour of the day"
    name, what, slots, slot_of = KNOWN_SLOTS[kind]
    return slot_of(pd.DatetimeIndex(timestamps)), slots, name, what


def known_inputs(
    timestamps: np.ndarray, params: Params, calendar_kind: str = "time_of_day"
) -> tuple[np.ndarray, int, list[dict]]:
    """What is known in advance about each row's time: its one-hot slot (-1: nothing), the slots and the audit entry.

    Only timestamps are read, never an observation, so nothing from after the forecast
    origin can enter. A one-hot slot lets even a linear map learn a sharp daily profile
    (Victoria's off-peak loads switch on at fixed times), which smooth sin/cos channels cannot.
    The slot is stored per row and one-hot encoded only for the windows cut at a time.
    """
    if not params.target_calendar or calendar_kind == "none":
        return np.full(len(timestamps), -1, dtype=np.int16), 0, []
    slot, slots, name, what = calendar_slots(timestamps, calendar_kind)
    entry = {
        "name": name,
        "width": slots,
        "role": f"calendar of each target time: one-hot {what} from its timestamp, known in advance",
    }
    return slot.astype(np.int16, copy=False), slots, [entry]


def feature_table(scaled: np.ndarray, timestamps: np.ndarray, calendar_kind: str | None) -> np.ndarray:
    """The window inputs per row in float32: the scaled columns, then the calendar channels if any.

    The calendar is computed in pieces of rows (it is a function of each row's time alone), so a
    long series never holds more than one piece of its float64 channels.
    """
    width = len(CALENDAR_CHANNELS[calendar_kind]) if calendar_kind else 0
    features = np.empty((len(scaled), scaled.shape[1] + width), dtype=np.float32)
    features[:, : scaled.shape[1]] = scaled
    if width:
        for lo in range(0, len(scaled), CALENDAR_ROWS):
            hi = lo + CALENDAR_ROWS
            features[lo:hi, scaled.shape[1] :] = calendar_features(timestamps[lo:hi], calendar_kind)
    return features


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


def assign_windows(
    rows: int, spec: WindowSpec, params: Params, bounds: tuple[int, int], missing: np.ndarray | None = None
) -> dict[str, np.ndarray]:
    """Window starts per block: by target rows in time (honest) or shuffled before the split (leaky).

    A window that would read a ``missing`` row is not cut at all: nothing is invented to fill it.
    """
    train_end, valid_end = bounds
    missing = np.zeros(rows, dtype=bool) if missing is None else missing

    def cut(lo: int, hi: int) -> np.ndarray:
        return spec.complete(spec.starts_with_targets_in(lo, hi), missing)

    if params.shuffle != "before_split":
        starts = {"train": cut(0, train_end), "valid": cut(train_end, valid_end), "test": cut(valid_end, rows)}
        if params.shuffle == "train":
            starts["train"] = np.random.default_rng(params.seed).permutation(starts["train"])
        return starts
    # The asker's mistake, reproduced on purpose: every window of the train and valid rows,
    # shuffled, then cut. The test block stays chronological, so an honest score still exists.
    every = sklearn_shuffle(cut(0, valid_end), random_state=params.seed)
    n_train = round(len(every) * params.train_frac / (params.train_frac + params.valid_frac))
    return {"train": every[:n_train], "valid": every[n_train:], "test": cut(valid_end, rows)}


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


def check_blocks(target: np.ndarray, bounds: tuple[int, int], name: str) -> None:
    """Refuse, before any training, a valid or test block where repeating the last value makes no error.

    rel_mae divides by persistence's error; on a flat block it would be a division by zero.
    """
    train_end, valid_end = bounds
    for block, values in (("valid", target[train_end - 1 : valid_end]), ("test", target[valid_end - 1 :])):
        known = values[np.isfinite(values)]
        if known.size and known.min() == known.max():
            raise DataError(
                f"column '{name}' is flat in the {block} block (every value {known[0]:g}): repeating the last value "
                "makes no error there, so rel_mae (MAE / persistence MAE) cannot mean anything; "
                "change 'train_frac'/'valid_frac'/'test_frac' or trim the flat stretch"
            )


def check_finite(raw: np.ndarray, scaled: np.ndarray, scaler: Scaler, names: list[str]) -> None:
    """Every known value must stay finite through scaling (values near 1e308 overflow), checked in float64."""
    broken = (~np.isfinite(scaled) & np.isfinite(raw)).any(axis=0) | ~np.isfinite(scaler.center) | ~np.isfinite(scaler.scale)
    if broken.any():
        column = names[int(np.flatnonzero(broken)[0])]
        raise DataError(
            f"column '{column}': values too large to scale in float64 (largest magnitude "
            f"{np.nanmax(np.abs(raw[:, int(np.flatnonzero(broken)[0])])):.3g}); rescale the column, e.g. to other units"
        )


def build_windows(
    timestamps: np.ndarray,
    target: np.ndarray,
    covariates: np.ndarray,
    names: list[str],
    params: Params,
    calendar_kind: str = "time_of_day",
    season: int = 1,
    filled_target: np.ndarray | None = None,
    bounds: tuple[int, int] | None = None,
) -> tuple[WindowStore, Scaler, dict]:
    """Pure core of the stage: the scaled rows and each block's window starts, the fitted scaler and the audit.

    ``calendar_kind`` comes from ingest (series.npz): which calendar the spacing has to encode.
    ``bounds`` (train end, valid end) default to the fractions' single split; a fold passes its own.
    """
    spec = WindowSpec(params.window, params.horizon)
    rows = len(target)
    bounds = split_rows(rows, params) if bounds is None else bounds
    train_end, valid_end = bounds
    sizes = {"train": train_end, "valid": valid_end - train_end, "test": rows - valid_end}
    if sizes["train"] < spec.span or min(sizes["valid"], sizes["test"]) < spec.horizon:
        raise DataError(
            f"{rows} rows split {sizes['train']}/{sizes['valid']}/{sizes['test']} "
            f"leave a block without a whole window (window {spec.window} + horizon {spec.horizon}); "
            "use more data or lower 'window'/'horizon', or change the '*_frac' params"
        )
    raw = np.column_stack([target, covariates]).astype(np.float64)
    if season >= train_end:
        raise DataError(
            f"param 'season' is {season} but the train block has {train_end} rows; MASE and the seasonal naive "
            "need more than a season of training data: lower 'season' or use more data"
        )
    check_blocks(target, bounds, names[0])
    # What the largest intermediates feed is taken from them and they are dropped at once: on a
    # long series each is a copy of the whole series, and the stage's memory is their sum.
    known_slot, known_width, known = known_inputs(timestamps, params, calendar_kind)
    fit_rows = raw[:train_end] if params.scaler_fit == "train" else raw
    with np.errstate(over="ignore", invalid="ignore"):
        scaler = fit_scaler(fit_rows, params.scaler)
        scaled = scaler.transform(raw)
    check_finite(raw, scaled, scaler, names)
    train_stats = fit_scaler(raw[:train_end], params.scaler)
    del raw, fit_rows
    channels = [{"name": names[0], "role": "target: past values inside the window"}]
    channels += [{"name": name, "role": "covariate: past values inside the window"} for name in names[1:]]
    features = feature_table(scaled, timestamps, calendar_kind if params.calendar else None)
    scaled_target = scaled[:, 0].copy()
    del scaled
    if params.calendar:
        channels += [
            {"name": name, "role": "calendar: computed from the input steps' timestamps, known in advance"}
            for name in CALENDAR_CHANNELS[calendar_kind]
        ]
    calendar = {"kind": calendar_kind}
    asked = [name for name, on in (("calendar", params.calendar), ("target_calendar", params.target_calendar)) if on]
    if calendar_kind == "none" and asked:
        calendar["note"] = f"{' and '.join(asked)} gave no input: {NO_CALENDAR}"
    missing = np.isnan(features).any(axis=1)
    starts = assign_windows(rows, spec, params, bounds, missing)
    # A target the missing-value policy made up may feed inputs, but no metric may grade a forecast against it.
    filled = np.zeros(rows, dtype=bool) if filled_target is None else filled_target.astype(bool)
    filled_out = {}
    for block in ("valid", "test"):
        graded = spec.targets_flagged(filled, starts[block]) == 0
        filled_out[block] = int((~graded).sum())
        starts[block] = starts[block][graded]
    empty = [block for block in BLOCKS if not starts[block].size]
    if empty:
        raise DataError(
            f"the {empty[0]} block has no window of {spec.span} rows without a missing value "
            f"({int(missing.sum())} rows have one); use a shorter 'window' or fill short gaps with 'missing: interpolate'"
        )
    store = WindowStore(spec, features, scaled_target, known_slot, known_width, params.target == "delta", starts)
    report = audit(starts, spec, scaler, train_stats, channels, known, params, bounds, rows, calendar)
    edges = (0, train_end, valid_end, rows)
    report["missing"] = {
        block: {
            "rows_with_a_missing_value": int(missing[lo:hi].sum()),
            "windows_left_out": int(spec.starts_with_targets_in(lo, hi).size - starts[block].size)
            if params.shuffle != "before_split"
            else None,
            "filled_targets_left_out": filled_out.get(block, 0),
            "filled_values": int(filled[lo:hi].sum()),
        }
        for block, lo, hi in zip(BLOCKS, edges[:-1], edges[1:], strict=True)
    }
    if params.shuffle != "before_split" and params.scaler_fit == "train" and not report["checks"]["leak_free"]:
        raise AssertionError(f"windows audit failed on a leak-free configuration: {report['checks']}")
    return store, scaler, report


def main() -> None:
    params = load_params()
    paths = fold_paths(stage_fold())
    series, train_end, valid_end = load_fold_series(params, paths.fold)
    names = [str(series["target_name"]), *(str(name) for name in series["covariate_names"])]
    store, scaler, report = build_windows(
        series.get("wall_times", series["timestamps"]),  # the calendar follows the wall clock the file states
        series["target"],
        series["covariates"],
        names,
        params,
        str(series["calendar_kind"]),
        int(series["season"]),
        series.get("filled_target"),
        (train_end, valid_end),
    )
    fit_rows = (0, train_end - 1) if params.scaler_fit == "train" else (0, len(series["target"]) - 1)
    store.save(paths.arrays)
    write_json(paths.scaler, scaler.to_dict(names, fit_rows))
    write_json(paths.audit, {"fold": paths.fold, **report})
    counts = ", ".join(f"{block} {report['blocks'][block]['windows']}" for block in BLOCKS)
    print(f"windows (fold {paths.fold}): {counts}; leak_free={report['checks']['leak_free']}")


if __name__ == "__main__":
    run_stage(main)
