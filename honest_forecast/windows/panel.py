"""Windows of many series: each series split, scaled and windowed on its own, then pooled for one global network.

Each series goes through the one-series :func:`build_windows` with its own blocks, so every check
of one series holds for each; its scaler is fit on its own train rows (one scaler across series of
different units would leak scale between them and drown the small ones). A window is cut from one
series' rows only, so none spans two; the audit proves both from the pooled index arrays.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from honest_forecast.data.series import Series
from honest_forecast.errors import DataError
from honest_forecast.names import BLOCKS
from honest_forecast.params import Params
from honest_forecast.windows.build import build_windows
from honest_forecast.windows.scaling import Scaler, SeriesScalers
from honest_forecast.windows.split import Edges, panel_window
from honest_forecast.windows.store import WindowStore

WORST_SHOWN = 5
ROWS = ("features", "target", "known_slot")  # the store's per-row arrays, one row per row of the series
AUDIT_CHUNK = 1 << 20


def build_panel_windows(series: Series, edges: Edges, params: Params) -> tuple[WindowStore, SeriesScalers, dict]:
    """The pooled store of every series' windows, each series' scaler, and the audit summed up over series."""
    window = panel_window(params.window, series.season, params.horizon)
    # The training windows are shuffled once, pooled; shuffle before_split (leaky) stays each series' own.
    alone = replace(params, window=window, shuffle="none" if params.shuffle == "train" else params.shuffle)
    scalers, reports = {}, {}
    starts_lists: dict[str, list[np.ndarray]] = {block: [] for block in BLOCKS}
    lengths = [end - lo for _, lo, _, _, end in edges]
    pieces: dict[str, np.ndarray] = {}  # every series' rows written in place, so one pooled copy is ever held
    at = 0
    for name, lo, train_end, valid_end, end in edges:
        rows = slice(lo, end)
        try:
            store, scaler, report = build_windows(
                series.calendar_times[rows],
                series.target[rows],
                series.covariates[rows],
                series.column_names,
                alone,
                series.calendar_kind,
                series.season,
                series.filled_target[rows],
                (train_end - lo, valid_end - lo),
            )
        except DataError as err:
            raise DataError(f"series '{name}' (column '{params.id_column}'): {err}; fix it or leave the series out") from err
        if not pieces:
            first = store
            pieces = {key: np.empty((sum(lengths), *getattr(store, key).shape[1:]), getattr(store, key).dtype) for key in ROWS}
        for key in ROWS:
            pieces[key][at : at + end - lo] = getattr(store, key)
        for block in BLOCKS:
            starts_lists[block].append(store.starts[block] + lo)
        at += end - lo
        scalers[name] = scaler
        reports[name] = report
    starts = {block: np.concatenate(starts_lists.pop(block)) for block in BLOCKS}  # each list freed once pooled
    if params.shuffle == "train":
        np.random.default_rng(params.seed).shuffle(starts["train"])  # in place: the same order as permutation()
    pooled = WindowStore(
        first.spec,
        pieces["features"],
        pieces["target"],
        pieces["known_slot"],
        first.known_width,
        first.delta,
        starts,
        level_norm=params.level_norm,
        series_index=np.repeat(np.arange(len(lengths), dtype=np.int32), lengths)
        if params.id_embedding
        else np.zeros(0, np.int32),
    )
    return pooled, series_scalers(scalers), panel_audit(pooled, series.series_starts, edges, reports, params)


def windows_inside_one_series(store: WindowStore, series_starts: np.ndarray) -> bool:
    """Whether every window's rows, inputs and targets, lie inside the series its first row belongs to."""
    for block_starts in store.starts.values():
        for at in range(0, block_starts.size, AUDIT_CHUNK):  # in chunks: millions of windows need no full-size temporaries
            starts = block_starts[at : at + AUDIT_CHUNK]
            series = np.searchsorted(series_starts, starts, side="right") - 1
            if not np.all(starts + store.spec.span <= series_starts[series + 1]):
                return False
    return True


def panel_audit(store: WindowStore, series_starts: np.ndarray, edges: Edges, reports: dict[str, dict], params: Params) -> dict:
    """Each series' audit summed up: every check must hold in every series, and no window may span two series."""
    first = next(iter(reports.values()))
    checks = {}
    for key, value in first["checks"].items():
        values = [report["checks"][key] for report in reports.values()]
        checks[key] = all(values) if isinstance(value, bool) else (max(values) if isinstance(value, float) else sum(values))
    checks["series_leak_free"] = sum(report["checks"]["leak_free"] for report in reports.values())
    checks["windows_inside_one_series"] = windows_inside_one_series(store, series_starts)
    checks["leak_free"] = bool(checks["leak_free"] and checks["windows_inside_one_series"])
    lengths = {block: np.array([e[at + 2] - e[at + 1] for e in edges]) for at, block in enumerate(BLOCKS)}
    missing = {
        block: {key: sum(report["missing"][block][key] or 0 for report in reports.values()) for key in first["missing"][block]}
        for block in BLOCKS
    }
    return {
        "series": len(edges),
        "rows": int(series_starts[-1]),
        "window": store.spec.window,
        "horizon": store.spec.horizon,
        "split": "steps" if params.test_steps is not None else "fractions",
        "block_rows_per_series": {
            block: {"min": int(rows.min()), "median": float(np.median(rows)), "max": int(rows.max()), "total": int(rows.sum())}
            for block, rows in lengths.items()
        },
        "shuffle": params.shuffle,
        "scaler": params.scaler,
        "scaler_fit": params.scaler_fit,
        "scaler_scope": "each series' own rows: its train block (or, under scaler_fit: all, all of its rows)",
        "target": params.target,
        "level_norm": params.level_norm,
        "id_embedding": params.id_embedding,
        "channels": first["channels"],
        "known_inputs": first["known_inputs"],
        "calendar": first["calendar"],
        "blocks": {block: {"windows": int(store.starts[block].size)} for block in BLOCKS},
        "windows_per_series": {
            block: {
                "min": min(report["blocks"][block]["windows"] for report in reports.values()),
                "max": max(report["blocks"][block]["windows"] for report in reports.values()),
            }
            for block in BLOCKS
        },
        "missing": missing,
        "checks": checks,
        "series_not_leak_free": [name for name, report in reports.items() if not report["checks"]["leak_free"]][:WORST_SHOWN],
    }


def series_scalers(scalers: dict[str, Scaler]) -> SeriesScalers:
    """The series' scalers as one table, in the panel's id order."""
    first = next(iter(scalers.values()))
    return SeriesScalers(
        first.kind,
        tuple(scalers),
        np.stack([scaler.center for scaler in scalers.values()]),
        np.stack([scaler.scale for scaler in scalers.values()]),
    )


def scaler_fit_rows(edges: Edges, scaler_fit: str) -> list[tuple[int, int]]:
    """The rows (first, last) each series' scaler was fit on: its train block, or all its rows under the leaky 'all'."""
    return [(lo, (train_end if scaler_fit == "train" else end) - 1) for _, lo, train_end, _, end in edges]
