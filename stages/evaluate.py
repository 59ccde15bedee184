"""Stage evaluate (one per fold): the network and every baseline on the same points, in original units, and the checks."""

from __future__ import annotations

import warnings

from honest_forecast.backtest.folds import fold_view
from honest_forecast.cli import quiet_tensorflow, run_stage, stage_fold
from honest_forecast.data.series import Series
from honest_forecast.diagnostics.summary import diagnostics_summary, run_checks
from honest_forecast.io import load_arrays, read_json, save_arrays, write_json
from honest_forecast.names import NETWORK
from honest_forecast.params import load_params
from honest_forecast.paths import SERIES_FILE, fold_paths
from honest_forecast.windows.scaling import Scaler
from honest_forecast.windows.store import WindowStore

quiet_tensorflow(entry_point=__name__ == "__main__")  # before anything imports keras
import keras  # noqa: E402

from honest_forecast.backtest.evaluation import (  # noqa: E402
    evaluate,
    forecast_blocks,
    gather_evidence,
    load_statistical,
    read_history,
)
from honest_forecast.models.inputs import network_store  # noqa: E402


def main() -> None:
    params = load_params()
    paths = fold_paths(stage_fold())
    series, train_end, _ = fold_view(Series.load(SERIES_FILE), paths.fold, params.train_frac, params.valid_frac)
    target, season = series.target, series.season
    del series  # all evaluate reads; a long series' timestamps are not kept
    scaler = Scaler.from_dict(read_json(paths.scaler))
    trained = read_json(paths.effective_params)
    names = trained["training"]["statistical_inputs"]
    store = network_store(WindowStore.load(paths.arrays), load_arrays(paths.statistical) if names else {}, names, scaler)
    with warnings.catch_warnings():  # the saved model carries the averaged members' optimizer, which evaluate never steps
        warnings.filterwarnings("ignore", message="Skipping variable loading for optimizer")
        model = keras.saving.load_model(paths.model, safe_mode=True)
    statistical = load_statistical(paths.statistical, train_end - 1)
    blocks = forecast_blocks(model, store, target, season, statistical, scaler, params, train_end)
    del store  # every row of the series: not kept through the scoring, the stage's peak on a long series
    metrics, test_arrays, test_view = evaluate(blocks, target, season, params, train_end)
    metrics["skipped"] = {
        name: method["skipped"] for name, method in read_json(paths.statistical_summary)["methods"].items() if method["skipped"]
    }
    audit = read_json(paths.audit)
    metrics["audit"] = {"test_rows": audit["split_rows"]["test"], "leak_free": audit["checks"]["leak_free"]}
    evidence = gather_evidence(
        model,
        blocks["training"],
        target,
        scaler,
        test_view,
        audit,
        trained,
        read_history(paths.history_dir),
        metrics["valid"],
        metrics["selected"]["method"],
        {key: stats["coverage"] for key, stats in metrics["intervals"][NETWORK].items()},
        train_end,
    )
    diagnostics = diagnostics_summary(run_checks(evidence), metrics["selected"]["method"])
    save_arrays(paths.test_forecasts, **test_arrays)
    save_arrays(paths.valid_forecasts, **test_view["valid_arrays"])
    write_json(paths.metrics, {"fold": paths.fold, **metrics})
    write_json(paths.diagnostics, diagnostics)
    test, selected, tested = metrics["test"], metrics["selected"], metrics["significance"]
    print(
        f"evaluate (fold {paths.fold}): test MAE model {test['model']['mae']:.4f} vs persistence "
        f"{test['persistence']['mae']:.4f} (rel_mae {test['model']['rel_mae']:.3f}); the network is "
        f"{tested['absolute']['verdict']} {tested['rival']} (Diebold-Mariano p = {tested['absolute']['p_value']:.3g}); "
        f"selected on valid: {selected['method']} (test rel_mae {selected['test']['rel_mae']:.3f}); "
        f"diagnostics: {diagnostics['problems']} problems, {diagnostics['warnings']} warnings"
    )


if __name__ == "__main__":
    run_stage(main)
