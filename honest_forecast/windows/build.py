"""Split in time, scale with train statistics, choose windows, prove it in an audit.

The split happens on rows, before any scaling or windowing. A window's targets never
cross a block boundary; its inputs may reach back into an earlier block, because the
past is known at forecast time. Only the training windows are shuffled."""

from __future__ import annotations

import numpy as np
from sklearn.utils import shuffle as sklearn_shuffle

from honest_forecast.errors import DataError
from honest_forecast.names import BLOCKS
from honest_forecast.params import Params
from honest_forecast.windows.audit import audit
from honest_forecast.windows.calendar import CALENDAR_CHANNELS, NO_CALENDAR, feature_table, known_inputs
from honest_forecast.windows.scaling import Scaler, fit_scaler
from honest_forecast.windows.split import AUTO_WINDOW_MIN, AUTO_WINDOW_SEASONS, Split, split_rows
from honest_forecast.windows.store import WindowSpec, WindowStore, rows_missing


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


def check_blocks(target: np.ndarray, bounds: tuple[int, int], name: str) -> None:
    """Refuse, before any training, a valid or test block where repeating the last value makes no error.

    rel_mae divides by persistence's error; on a flat block it would be a division by zero.
    """
    train_end, valid_end = bounds
    for block, lo, hi in (("train", 0, train_end), ("valid", train_end, valid_end), ("test", valid_end, len(target))):
        if not np.isfinite(target[lo:hi]).any():
            raise DataError(
                f"column '{name}' has no known value in the {block} block (rows {lo} to {hi - 1}): every target there is "
                "missing, so nothing can be fit or scored; trim the file to rows with values, or change the '*_frac' params"
            )
    for block, values in (("valid", target[train_end - 1 : valid_end]), ("test", target[valid_end - 1 :])):
        known = values[np.isfinite(values)]
        if known.size and known.min() == known.max():
            raise DataError(
                f"column '{name}' is flat in the {block} block (every value {known[0]:g}): repeating the last value "
                "makes no error there, so rel_mae (MAE / persistence MAE) cannot mean anything; "
                "change 'train_frac'/'valid_frac'/'test_frac' or trim the flat stretch"
            )


def known_covariate_entry(name: str, forecast_only: bool) -> dict:
    """The audit's entry of a covariate read at the target times."""
    if forecast_only:
        role = (
            "known covariate, only a forecast in production: its value at each target time in training; scored both "
            "with it and with its seasonal naive from the window's origin in its place (the figures used)"
        )
    else:
        role = "known covariate: its value at each target time, known in advance"
    return {"name": name, "width": 1, "role": role}


def check_finite(raw: np.ndarray, scaled: np.ndarray, scaler: Scaler, names: list[str]) -> None:
    """Every known value must stay finite through scaling (values near 1e308 overflow), checked in float64."""
    broken = (~np.isfinite(scaled) & np.isfinite(raw)).any(axis=0) | ~np.isfinite(scaler.center) | ~np.isfinite(scaler.scale)
    if broken.any():
        column = names[int(np.flatnonzero(broken)[0])]
        raise DataError(
            f"column '{column}': values too large to scale in float64 (largest magnitude "
            f"{np.nanmax(np.abs(raw[:, int(np.flatnonzero(broken)[0])])):.3g}); rescale the column, e.g. to other units"
        )


WINDOWS_PER_INPUT = 4  # and at most a quarter as many inputs per window as there are training windows


def window_length(window: int | str, season: int, train_rows: int, horizon: int, channels: int, known: int) -> int:
    """``window`` as given, or for 'auto' three seasons (at least 8 steps, at least the horizon), shortened until a
    window's inputs (``channels`` per step, ``known`` per target) are at most a quarter of the training windows.

    More inputs than a few per training window let the ridge, and the network's skip path on it, fit noise: on a
    year of daily data a 60-step window with calendar channels gave them several hundred inputs for under two
    hundred windows.
    """
    if window != "auto":
        return int(window)
    wanted = max(AUTO_WINDOW_SEASONS * season, AUTO_WINDOW_MIN, horizon)
    # w * channels + horizon * known <= (train_rows - w - horizon + 1) / WINDOWS_PER_INPUT
    room = (train_rows - horizon + 1) / WINDOWS_PER_INPUT - horizon * known
    return max(1, min(wanted, int(room / (channels + 1 / WINDOWS_PER_INPUT))))


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
    known_covariates: np.ndarray | None = None,
) -> tuple[WindowStore, Scaler, dict]:
    """Pure core of the stage: the scaled rows and each block's window starts, the fitted scaler and the audit.

    ``calendar_kind`` comes from ingest (series.npz): which calendar the spacing has to encode.
    ``bounds`` (train end, valid end) default to the fractions' single split; a fold passes its own.
    ``known_covariates`` (rows, k) are the covariates known in advance, named last in ``names`` and read at the
    target times; those in ``params.known_covariates_forecast`` are only forecast in production.
    """
    rows = len(target)
    bounds = split_rows(rows, Split.of(params)) if bounds is None else bounds
    train_end, valid_end = bounds
    known_slot, known_width, known = known_inputs(timestamps, calendar_kind if params.target_calendar else "none")
    calendar_channels = len(CALENDAR_CHANNELS[calendar_kind]) if params.calendar else 0
    past_columns = 1 + covariates.shape[1]
    known_count = known_width + (0 if known_covariates is None else known_covariates.shape[1])
    spec = WindowSpec(
        window_length(params.window, season, train_end, params.horizon, past_columns + calendar_channels, known_count),
        params.horizon,
    )
    sizes = {"train": train_end, "valid": valid_end - train_end, "test": rows - valid_end}
    if sizes["train"] < spec.span or min(sizes["valid"], sizes["test"]) < spec.horizon:
        raise DataError(
            f"{rows} rows split {sizes['train']}/{sizes['valid']}/{sizes['test']} "
            f"leave a block without a whole window (window {spec.window} + horizon {spec.horizon}); "
            "use more data or lower 'window'/'horizon', or change the '*_frac' params"
        )
    known_covariates = np.zeros((rows, 0)) if known_covariates is None else known_covariates
    raw = np.column_stack([target, covariates, known_covariates]).astype(np.float64)
    if season >= train_end:
        raise DataError(
            f"param 'season' is {season} but the train block has {train_end} rows; MASE and the seasonal naive "
            "need more than a season of training data: lower 'season' or use more data"
        )
    check_blocks(target, bounds, names[0])
    # What the largest intermediates feed is taken from them and they are dropped at once: on a
    # long series each is a copy of the whole series, and the stage's memory is their sum.
    fit_rows = raw[:train_end] if params.scaler_fit == "train" else raw
    with np.errstate(over="ignore", invalid="ignore"):
        scaler = fit_scaler(fit_rows, params.scaler)
        scaled = scaler.transform(raw)
    check_finite(raw, scaled, scaler, names)
    train_stats = fit_scaler(raw[:train_end], params.scaler)
    del raw, fit_rows
    channels = [{"name": names[0], "role": "target: past values inside the window"}]
    channels += [{"name": name, "role": "covariate: past values inside the window"} for name in names[1:past_columns]]
    features = feature_table(scaled[:, :past_columns], timestamps, calendar_kind if params.calendar else None)
    known_values = scaled[:, past_columns:].astype(np.float32)
    forecast_only = np.array([name in params.known_covariates_forecast for name in names[past_columns:]], dtype=bool)
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
    known += [known_covariate_entry(name, only) for name, only in zip(names[past_columns:], forecast_only, strict=True)]
    missing = rows_missing(features, known_values)
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
    store = WindowStore(
        spec,
        features,
        scaled_target,
        known_slot,
        known_width,
        params.target == "delta",
        starts,
        known_values,
        forecast_only,
        season,
    )
    stand_ins_missing = {block: 0 for block in BLOCKS}
    if store.has_forecast_only:  # both variants score the same windows: none whose stand-in would be a missing value
        for block in ("valid", "test"):
            stand_ins = store.known_values[store.stand_in_rows(starts[block])][..., forecast_only]
            usable = ~np.isnan(stand_ins).any(axis=(1, 2))
            stand_ins_missing[block] = int((~usable).sum())
            starts[block] = starts[block][usable]
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
            **({"windows_without_a_stand_in": stand_ins_missing[block]} if store.has_forecast_only else {}),
        }
        for block, lo, hi in zip(BLOCKS, edges[:-1], edges[1:], strict=True)
    }
    if params.shuffle != "before_split" and params.scaler_fit == "train" and not report["checks"]["leak_free"]:
        raise AssertionError(f"windows audit failed on a leak-free configuration: {report['checks']}")
    return store, scaler, report
