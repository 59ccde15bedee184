"""Stage statistical (one per fold): the standard statistical forecasters, fit on the fold's train block.

Each forecasts ``horizon`` steps ahead from every later origin. Kept apart from train and
evaluate so that a change to the network never refits them and a change to the split or the
data always does. On a long series only the train block's last ``MAX_FIT_ROWS`` rows are fit,
so the fits take bounded time; the summary's ``fit_rows`` names the rows really used.
"""

from __future__ import annotations

from honest_forecast.backtest.folds import fold_view
from honest_forecast.baselines.statistical import bridge_gaps, fit_all, fit_start
from honest_forecast.cli import run_stage, stage_fold
from honest_forecast.data.series import Series
from honest_forecast.io import save_arrays, write_json
from honest_forecast.params import load_params
from honest_forecast.paths import SERIES_FILE, fold_paths


def main() -> None:
    params = load_params()
    paths = fold_paths(stage_fold())
    series, train_end, _ = fold_view(Series.load(SERIES_FILE), paths.fold, params.train_frac, params.valid_frac)
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


if __name__ == "__main__":
    run_stage(main)
