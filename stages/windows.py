"""Stage windows (one per fold): split in time, scale with train statistics, store the window starts, audit it."""

from __future__ import annotations

from honest_forecast.backtest.folds import fold_view, panel_fold_view
from honest_forecast.cli import run_stage, stage_fold
from honest_forecast.data.series import Series
from honest_forecast.io import write_json
from honest_forecast.names import BLOCKS
from honest_forecast.params import Params, load_params
from honest_forecast.paths import SERIES_FILE, FoldPaths, fold_paths
from honest_forecast.windows.build import build_windows
from honest_forecast.windows.panel import build_panel_windows, scaler_fit_rows
from honest_forecast.windows.split import Edges, Split


def main() -> None:
    params = load_params()
    paths = fold_paths(stage_fold())
    stored = Series.load(SERIES_FILE)
    if stored.is_panel:
        series, edges = panel_fold_view(stored, paths.fold, Split.of(params))
        del stored  # a panel's rows are millions: only the fold's view is kept while its windows are pooled
        many_series(series, edges, params, paths)
        return
    series, train_end, valid_end = fold_view(stored, paths.fold, Split.of(params))
    del stored
    store, scaler, report = build_windows(
        series.calendar_times,  # the calendar follows the wall clock the file states
        series.target,
        series.covariates,
        series.column_names,
        params,
        series.calendar_kind,
        series.season,
        series.filled_target,
        (train_end, valid_end),
        series.known,
    )
    fit_rows = (0, train_end - 1) if params.scaler_fit == "train" else (0, series.rows - 1)
    store.save(paths.arrays)
    write_json(paths.scaler, scaler.to_dict(series.column_names, fit_rows))
    write_json(paths.audit, {"fold": paths.fold, **report})
    counts = ", ".join(f"{block} {report['blocks'][block]['windows']}" for block in BLOCKS)
    print(f"windows (fold {paths.fold}): window {report['window']}, {counts}; leak_free={report['checks']['leak_free']}")


def many_series(series: Series, edges: Edges, params: Params, paths: FoldPaths) -> None:
    """A panel: each series windowed on its own, pooled for the global network."""
    store, scalers, report = build_panel_windows(series, edges, params)
    store.save(paths.arrays)
    write_json(paths.scaler, scalers.to_dict(series.column_names, scaler_fit_rows(edges, params.scaler_fit)))
    write_json(paths.audit, {"fold": paths.fold, **report})
    counts = ", ".join(f"{block} {report['blocks'][block]['windows']}" for block in BLOCKS)
    print(
        f"windows (fold {paths.fold}): {report['series']} series, window {report['window']}, {counts}; "
        f"leak_free={report['checks']['leak_free']}"
    )


if __name__ == "__main__":
    run_stage(main)
