"""Stage statistical (one per fold): the standard statistical forecasters, fit on the fold's train block.

Each forecasts ``horizon`` steps ahead from every later origin. Kept apart from train and
evaluate so that a change to the network never refits them and a change to the split or the
data always does. On a long series only the train block's last ``MAX_FIT_ROWS`` rows are fit,
so the fits take bounded time; the summary's ``fit_rows`` names the rows really used.
"""

from __future__ import annotations

from stages.common import run_stage, save_arrays, write_json
from stages.params import load_params
from stages.paths import fold_paths
from stages.split import load_fold_series, stage_fold
from stages.statistical_baselines import bridge_gaps, fit_all, fit_start


def main() -> None:
    params = load_params()
    paths = fold_paths(stage_fold())
    series, train_end, _ = load_fold_series(params, paths.fold)
    target, bridged = bridge_gaps(series["target"])
    seasons = tuple(int(s) for s in series["seasons"])
    fitted = fit_all(target, train_end, int(series["season"]), seasons, params.horizon)
    save_arrays(paths.statistical, **{f.name: f.forecast for f in fitted if f.forecast is not None})
    write_json(
        paths.statistical_summary,
        {
            "fold": paths.fold,
            "fit_rows": [fit_start(train_end), train_end - 1],
            "season": int(series["season"]),
            "seasons": list(seasons),
            "missing_values_bridged_for_state_updates": bridged,
            "methods": {f.name: {"model": f.description, "skipped": f.skipped} for f in fitted},
        },
    )
    for f in fitted:
        status = f"skipped: {f.skipped}" if f.skipped else f"{f.description} in {f.seconds:.1f} s"
        print(f"statistical (fold {paths.fold}): {f.name}: {status}")


if __name__ == "__main__":
    run_stage(main)
