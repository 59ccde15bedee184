"""Stage evaluate (one per fold): the network and every baseline on the same points, in original units, and the checks."""

from __future__ import annotations

import warnings

import numpy as np

from honest_forecast.backtest.folds import fold_view, panel_fold_view
from honest_forecast.cli import quiet_tensorflow, run_stage, stage_fold
from honest_forecast.data.series import Series
from honest_forecast.diagnostics.panel import panel_diagnostics, series_checks
from honest_forecast.diagnostics.summary import diagnostics_summary, run_checks
from honest_forecast.io import load_arrays, read_json, save_arrays, write_json
from honest_forecast.names import NETWORK
from honest_forecast.params import Params, load_params
from honest_forecast.paths import SERIES_FILE, FoldPaths, fold_paths
from honest_forecast.scoring.panel import scored_metrics, series_scores
from honest_forecast.windows.scaling import Scaler, SeriesScalers
from honest_forecast.windows.split import Edges, Split
from honest_forecast.windows.store import WindowStore

quiet_tensorflow(entry_point=__name__ == "__main__")  # before anything imports keras
import keras  # noqa: E402

from honest_forecast.backtest.evaluation import (  # noqa: E402
    EVALUATED_BLOCKS,
    evaluate,
    forecast_blocks,
    gather_evidence,
    load_statistical,
    read_history,
)
from honest_forecast.backtest.panel import mase_scales, naive2_indices, panel_blocks, train_ranges  # noqa: E402
from honest_forecast.baselines.linear import alpha_record, fit_linear_autoregression  # noqa: E402
from honest_forecast.models.inputs import network_store  # noqa: E402


def main() -> None:
    params = load_params()
    paths = fold_paths(stage_fold())
    stored = Series.load(SERIES_FILE)
    if stored.is_panel:
        series, edges = panel_fold_view(stored, paths.fold, Split.of(params))
        values = series.target, series.series_starts, series.season, series.series_ids
        del stored, series  # all evaluate reads of millions of rows: their timestamps are not kept
        many_series(values, edges, params, paths)
        return
    series, train_end, _ = fold_view(stored, paths.fold, Split.of(params))
    del stored
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


def many_series(values: tuple, edges: Edges, params: Params, paths: FoldPaths) -> None:
    """A panel (its ``values``: target, series starts, season, ids): the global network and every baseline, scored
    per series and summed up across series."""
    target, series_starts, season, ids = values
    scalers = SeriesScalers.from_dict(read_json(paths.scaler))
    store = WindowStore.load(paths.arrays)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Skipping variable loading for optimizer")
        model = keras.saving.load_model(paths.model, safe_mode=True)
    linear_ar = fit_linear_autoregression(store, store.starts["train"], params.ridge_alpha)
    indices, seasonal = naive2_indices(target, edges, season)
    scales = mase_scales(target, edges, season)
    saved = dict(zip(EVALUATED_BLOCKS, (paths.valid_forecasts, paths.test_forecasts), strict=True))
    scores, test = {}, None
    with np.load(paths.statistical, allow_pickle=False) as statistical:  # one method's table of every row read at a time
        forecast = panel_blocks(
            model, store, target, series_starts, scalers, linear_ar, statistical, indices, season, EVALUATED_BLOCKS
        )
        for block, scored in forecast:  # each block scored and saved, then let go of: the valid one before the test one
            window_scales = scales[scored.series]
            scores[block] = series_scores(scored, window_scales, len(ids))
            save_arrays(
                saved[block],
                rows=scored.rows,
                series=scored.series,
                actual=scored.actual,
                mase_scale=window_scales,
                **{f"forecast_{name}": made for name, made in scored.forecasts.items()},
            )
            test = scored if block == EVALUATED_BLOCKS[-1] else None
            del scored
    del store, model, forecast  # every row's features: not kept through the scoring
    metrics = scored_metrics(scores, test, ids, params.seed)
    metrics["naive2_seasonal_series"] = int(seasonal.sum())
    metrics["ridge_alpha"] = alpha_record(linear_ar.alpha)
    audit = read_json(paths.audit)
    metrics["audit"] = {"leak_free": audit["checks"]["leak_free"], "series_leak_free": audit["checks"]["series_leak_free"]}
    ranges = train_ranges(target, edges)
    diagnostics = panel_diagnostics(metrics, series_checks(scores["test"], test, ids, ranges))
    write_json(paths.metrics, {"fold": paths.fold, **metrics})
    write_json(paths.diagnostics, diagnostics)
    test, tested = metrics["test"], metrics["significance"]
    print(
        f"evaluate (fold {paths.fold}): {metrics['series']} series; test OWA model {test[NETWORK]['owa']:.3f} "
        f"(sMAPE {test[NETWORK]['smape']:.3f}, MASE {test[NETWORK]['mase']:.3f}); across series the network is "
        f"{tested['verdict']} {tested['rival']} (Wilcoxon p = {tested['wilcoxon_p']:.3g}); selected on valid: "
        f"{metrics['selected']['method']} (test OWA {metrics['selected']['test']['owa']:.3f})"
    )


if __name__ == "__main__":
    run_stage(main)
