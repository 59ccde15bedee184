"""Stage statistical (one per fold): the standard statistical forecasters, fit on the fold's train block.

Each forecasts ``horizon`` steps ahead from every later origin. Kept apart from train and
evaluate so that a change to the network never refits them and a change to the split or the
data always does. On a long series only the train block's last ``MAX_FIT_ROWS`` rows are fit,
so the fits take bounded time; the summary's ``fit_rows`` names the rows really used.
"""

from __future__ import annotations

from honest_forecast.backtest.folds import fold_view, panel_fold_view
from honest_forecast.baselines.panel import fit_panel
from honest_forecast.baselines.statistical import MAX_FIT_ROWS, bridge_gaps, fit_all, fit_start
from honest_forecast.cli import run_stage, stage_fold
from honest_forecast.data.series import Series
from honest_forecast.io import save_arrays, write_json
from honest_forecast.params import Params, load_params
from honest_forecast.paths import SERIES_FILE, FoldPaths, fold_paths
from honest_forecast.windows.split import Split


def main() -> None:
    params = load_params()
    paths = fold_paths(stage_fold())
    stored = Series.load(SERIES_FILE)
    if stored.is_panel:
        many_series(stored, params, paths)
        return
    series, train_end, _ = fold_view(stored, paths.fold, Split.of(params))
    del stored
    target, bridged = bridge_gaps(series.target)
    fitted = fit_all(target, train_end, series.season, series.seasons, params.horizon)
    save_arrays(paths.statistical, **{f.name: f.forecast for f in fitted if f.forecast is not None})
    write_json(
        paths.statistical_summary,
        {
            "fold": paths.fold,
            "fit_rows": [fit_start(train_end), train_end - 1],
            "season": series.season,
            "seasons": list(series.seasons),
            "missing_values_bridged_for_state_updates": bridged,
            "methods": {f.name: {"model": f.description, "skipped": f.skipped} for f in fitted},
        },
    )
    for f in fitted:
        status = f"skipped: {f.skipped}" if f.skipped else f"{f.description} in {f.seconds:.1f} s"
        print(f"statistical (fold {paths.fold}): {f.name}: {status}")


def many_series(stored: Series, params: Params, paths: FoldPaths) -> None:
    """A panel: every series' baselines fit on its own train block, here or on a Dask cluster."""
    series, edges = panel_fold_view(stored, paths.fold, Split.of(params))
    del stored
    fits = fit_panel(series.target, edges, series.season, series.seasons, params.horizon, params.engine, params.dask_address)
    save_arrays(paths.statistical, **fits.forecasts)
    methods = fits.summary()
    write_json(
        paths.statistical_summary,
        {
            "fold": paths.fold,
            "series": len(edges),
            "engine": params.engine,
            "fit_rows": f"each series' train block (its last {MAX_FIT_ROWS} rows at most)",
            "season": series.season,
            "seasons": list(series.seasons),
            "missing_values_bridged_for_state_updates": fits.bridged,
            "methods": methods,
        },
    )
    for name, method in methods.items():
        skipped = f", skipped on {method['series_skipped']} ({method['skipped_because']})" if method["series_skipped"] else ""
        print(
            f"statistical (fold {paths.fold}): {name}: fit on {method['series_fitted']} of {len(edges)} series in "
            f"{method['seconds']:.1f} s{skipped}"
        )


if __name__ == "__main__":
    run_stage(main)
