"""Stage pool: every fold's test block together, scored as one rolling-origin backtest."""

from __future__ import annotations

from honest_forecast.backtest.pooling import pool, pooled_diagnostics
from honest_forecast.cli import run_stage
from honest_forecast.data.series import Series
from honest_forecast.io import atomic_path, load_arrays, read_json, write_json
from honest_forecast.names import NETWORK
from honest_forecast.params import load_params
from honest_forecast.paths import DIAGNOSTICS_FILE, LEADS_FILE, METRICS_FILE, PREDICTIONS_FILE, SERIES_FILE, fold_paths


def main() -> None:
    params = load_params()
    folds = [fold_paths(fold) for fold in params.folds]
    fold_metrics = [read_json(paths.metrics) for paths in folds]
    metrics, table, leads = pool(
        fold_metrics,
        [load_arrays(paths.test_forecasts) for paths in folds],
        Series.load(SERIES_FILE).timestamps,
        params.seed,
    )
    diagnostics = pooled_diagnostics([read_json(paths.diagnostics) for paths in folds])
    write_json(METRICS_FILE, metrics)
    write_json(DIAGNOSTICS_FILE, diagnostics)
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


if __name__ == "__main__":
    run_stage(main)
