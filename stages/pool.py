"""Stage pool: every fold's test block together, scored as one rolling-origin backtest."""

from __future__ import annotations

from honest_forecast.backtest.pooling import one_series_table, pool, pooled_diagnostics
from honest_forecast.cli import run_stage
from honest_forecast.data.series import Series
from honest_forecast.io import atomic_path, load_arrays, read_json, write_json
from honest_forecast.names import NETWORK
from honest_forecast.params import Params, load_params
from honest_forecast.paths import (
    DIAGNOSTICS_FILE,
    LEADS_FILE,
    METRICS_FILE,
    PREDICTIONS_FILE,
    SERIES_FILE,
    SERIES_METRICS_FILE,
    FoldPaths,
    fold_paths,
)
from honest_forecast.scoring.panel import panel_leads, panel_metrics, panel_predictions, pooled_block, series_table


def main() -> None:
    params = load_params()
    folds = [fold_paths(fold) for fold in params.folds]
    series = Series.load(SERIES_FILE)
    if series.is_panel:
        many_series(series, params, folds)
        return
    fold_metrics = [read_json(paths.metrics) for paths in folds]
    metrics, table, leads = pool(
        fold_metrics, [load_arrays(paths.test_forecasts) for paths in folds], series.timestamps, params.seed
    )
    diagnostics = pooled_diagnostics([read_json(paths.diagnostics) for paths in folds])
    write_json(METRICS_FILE, metrics)
    write_json(DIAGNOSTICS_FILE, diagnostics)
    with atomic_path(SERIES_METRICS_FILE) as tmp:
        one_series_table(fold_metrics[0], metrics).to_csv(tmp, index=False, float_format="%.6g")
    with atomic_path(PREDICTIONS_FILE) as tmp:
        table.to_csv(tmp, index=False, float_format="%.6f")
    with atomic_path(LEADS_FILE) as tmp:
        leads.to_csv(tmp, index=False, float_format="%.6g")
    spread = metrics["folds"]["spread"]["model_rel_mae"]
    tested = metrics["significance"]["absolute"]
    print(
        f"pool: {len(folds)} fold(s), {metrics['test']['points']} test points; network rel_mae "
        f"{metrics['test'][NETWORK]['rel_mae']:.3f} (folds {spread['min']:.3f} to {spread['max']:.3f}), "
        f"{tested['verdict']} {metrics['significance']['rival']} (p = {tested['p_value']:.3g})"
    )


def many_series(series: Series, params: Params, folds: list[FoldPaths]) -> None:
    """A panel: every fold's windows together, scored per series and across series."""
    blocks, scales = {}, {}
    for block, name in (("valid", "valid_forecasts"), ("test", "test_forecasts")):
        blocks[block], scales[block] = pooled_block([load_arrays(getattr(paths, name)) for paths in folds])
    metrics, scores = panel_metrics(blocks, scales, series.series_ids, params.seed)
    metrics["folds"] = len(folds)
    metrics["naive2_seasonal_series"] = read_json(folds[0].metrics)["naive2_seasonal_series"]
    metrics["audit"] = {
        "leak_free": all(read_json(paths.metrics)["audit"]["leak_free"] for paths in folds),
        "series_leak_free": min(read_json(paths.metrics)["audit"]["series_leak_free"] for paths in folds),
    }
    write_json(METRICS_FILE, metrics)
    write_json(DIAGNOSTICS_FILE, pooled_diagnostics([read_json(paths.diagnostics) for paths in folds]))
    with atomic_path(SERIES_METRICS_FILE) as tmp:
        series_table(scores, series.series_ids).to_csv(tmp, index=False, float_format="%.6g")
    with atomic_path(PREDICTIONS_FILE) as tmp:
        panel_predictions(blocks["test"], series.series_ids, series.timestamps).to_csv(tmp, index=False, float_format="%.6f")
    with atomic_path(LEADS_FILE) as tmp:
        panel_leads(blocks["test"], scales["test"]).to_csv(tmp, index=False, float_format="%.6g")
    test, tested = metrics["test"], metrics["significance"]
    print(
        f"pool: {len(folds)} fold(s), {metrics['series']} series; test OWA network {test[NETWORK]['owa']:.3f}, "
        f"selected on valid {metrics['selected']['method']} ({metrics['selected']['test']['owa']:.3f}); across series "
        f"the network is {tested['verdict']} {tested['rival']} (Wilcoxon p = {tested['wilcoxon_p']:.3g})"
    )


if __name__ == "__main__":
    run_stage(main)
