"""Stage evaluate: the model and every baseline, on the same origins and lead times, in original units.

Predictions are put back in time order and inverse-transformed before any metric, so
the numbers say how far off the forecast is in the series' own units (here GW), and
``rel_mae`` says how it compares with simply repeating the last value. On top of the point
scores: errors per lead time, split-conformal intervals calibrated on valid, and whether the
network's difference from the best baseline on test is more than chance (Diebold-Mariano).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from stages import baselines
from stages.common import atomic_path, load_arrays, quiet_tensorflow, read_json, run_stage, write_json
from stages.diagnostics import Evidence, diagnostics_summary, run_checks
from stages.intervals import interval, interval_summary
from stages.metrics import all_metrics, seasonal_naive_scale
from stages.model import model_inputs
from stages.params import Params, load_params, parse_params
from stages.paths import (
    ARRAYS_FILE,
    AUDIT_FILE,
    DIAGNOSTICS_FILE,
    EFFECTIVE_PARAMS_FILE,
    HISTORY_DIR,
    LEADS_FILE,
    METRICS_FILE,
    MODEL_FILE,
    PREDICTIONS_FILE,
    SCALER_FILE,
    SERIES_FILE,
    STATISTICAL_FILE,
    STATISTICAL_SUMMARY_FILE,
)
from stages.scaling import Scaler
from stages.selection import NETWORK, methods, selection_summary
from stages.significance import block_bootstrap_ratio, compare, default_block, diebold_mariano
from stages.split import split_rows

quiet_tensorflow()
import keras  # noqa: E402

EVALUATED_BLOCKS = ("valid", "test")


def in_time_order(
    arrays: dict[str, np.ndarray], block: str, season: int
) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray, int]:
    """Model inputs, targets and target rows of a block sorted by forecast time, and how many windows were left out.

    Every method is scored on the same points, so a window whose targets lack a full season
    of history (the seasonal naive has nothing to repeat) is left out for all of them. Only
    the leaky ``shuffle: before_split`` with ``window`` < ``season`` puts such windows in a
    scored block: honest valid and test blocks start well after row ``season``.
    """
    rows = arrays[f"rows_{block}"]
    order = np.argsort(rows[:, 0], kind="stable")
    order = order[rows[order, 0] >= season]
    inputs = {name: values[order] for name, values in model_inputs(arrays, block).items()}
    return inputs, arrays[f"y_{block}"][order], rows[order], len(rows) - len(order)


def to_original_units(forecast: np.ndarray, window: np.ndarray, scaler: Scaler, target: str) -> np.ndarray:
    """Undo the target transform (delta from the window's last input) and then the scaling."""
    level = forecast.astype(np.float64)
    if target == "delta":
        level = level + window[:, -1:, 0].astype(np.float64)
    return scaler.inverse(level, column=0)


def forecasts_for_block(
    model_forecast: np.ndarray,
    inputs: dict[str, np.ndarray],
    rows: np.ndarray,
    series: np.ndarray,
    scaler: Scaler,
    linear_ar: object,
    statistical: dict[str, np.ndarray],
    params: Params,
    season: int,
) -> dict[str, np.ndarray]:
    """Every method's forecast in original units, keyed by method name, model first.

    ``statistical`` holds each statistical baseline's forecasts by origin row: (rows, horizon).
    """
    window = inputs["window"]
    linear_forecast = baselines.predict_linear_autoregression(linear_ar, inputs)
    forecasts = {
        "model": to_original_units(model_forecast, window, scaler, params.target),
        "persistence": baselines.persistence(series, rows),
        "seasonal_naive": baselines.seasonal_naive(series, rows, season),
        "window_mean": baselines.window_mean(series, rows, params.window),
        "drift": baselines.drift(series, rows, params.window),
        "linear_ar": to_original_units(linear_forecast, window, scaler, params.target),
    }
    origins = rows[:, 0] - 1
    return forecasts | {name: forecast[origins, : rows.shape[1]] for name, forecast in statistical.items()}


def score(forecasts: dict[str, np.ndarray], actual: np.ndarray, mase_scale: float) -> dict[str, dict[str, float]]:
    reference = forecasts["persistence"]
    return {name: all_metrics(actual, forecast, reference, mase_scale) for name, forecast in forecasts.items()}


def time_labels(timestamps: np.ndarray) -> np.ndarray:
    """ISO-8601 text for dates; an integer index (years, step counters) as it is."""
    if timestamps.dtype.kind == "M":
        return np.asarray(pd.DatetimeIndex(timestamps).strftime("%Y-%m-%dT%H:%M:%S"))
    return timestamps


def predictions_table(
    timestamps: np.ndarray,
    rows: np.ndarray,
    actual: np.ndarray,
    forecasts: dict[str, np.ndarray],
    bounds: dict[str, tuple[np.ndarray, np.ndarray]] | None = None,
) -> pd.DataFrame:
    """One line per target point: origin, target timestamp, lead, actual, each method, then interval bounds.

    Sorted by lead, then time, so the first lead reads as one time series.
    """
    leads = np.broadcast_to(np.arange(1, rows.shape[1] + 1), rows.shape)
    origins = np.broadcast_to(rows[:, :1] - 1, rows.shape)
    table = pd.DataFrame(
        {
            "origin": time_labels(timestamps[origins.ravel()]),
            "timestamp": time_labels(timestamps[rows.ravel()]),
            "lead": leads.ravel(),
            "actual": actual.ravel(),
        }
    )
    for name, forecast in forecasts.items():
        table[name] = forecast.ravel()
    for name, (lower, upper) in (bounds or {}).items():
        table[f"{name}_lower"], table[f"{name}_upper"] = lower.ravel(), upper.ravel()
    return table.sort_values(["lead", "timestamp"], kind="stable").reset_index(drop=True)


def lead_table(actual: np.ndarray, forecasts: dict[str, np.ndarray]) -> pd.DataFrame:
    """MAE, RMSE and rel_mae of every method at each lead time (one row per lead)."""
    table = pd.DataFrame({"lead": np.arange(1, actual.shape[1] + 1)})
    persistence = np.abs(actual - forecasts["persistence"]).mean(axis=0)
    for name, forecast in forecasts.items():
        errors = actual - forecast
        table[f"{name}_mae"] = np.abs(errors).mean(axis=0)
        table[f"{name}_rmse"] = np.sqrt((errors**2).mean(axis=0))
        table[f"{name}_rel_mae"] = np.abs(errors).mean(axis=0) / persistence
    return table


def _test_result(model_loss: np.ndarray, rival_loss: np.ndarray, horizon: int) -> dict:
    result = diebold_mariano(model_loss, rival_loss, horizon)
    return {
        "statistic": result.statistic,
        "p_value": result.p_value,
        "verdict": compare(model_loss, rival_loss, horizon),
    }


def significance(actual: np.ndarray, forecasts: dict[str, np.ndarray], rival: str, seed: int) -> tuple[dict, pd.DataFrame]:
    """Is the network's difference from ``rival`` on this block more than chance, and how sure is its rel_mae?

    Diebold-Mariano with the Harvey-Leybourne-Newbold correction on each origin's loss
    averaged over the lead times (errors of forecasts H steps ahead overlap, so the variance
    allows autocorrelation up to lag H-1), on absolute and on squared errors; then per lead
    time, lead h with lags up to h-1. The rel_mae interval is a circular block bootstrap over
    origins. Origins are taken as consecutive where windows were left out.
    """
    horizon = actual.shape[1]
    errors = {name: actual - forecasts[name] for name in (NETWORK, rival, "persistence")}
    absolute = {name: np.abs(error) for name, error in errors.items()}
    squared = {name: error**2 for name, error in errors.items()}
    model_abs, persistence_abs = absolute[NETWORK].mean(axis=1), absolute["persistence"].mean(axis=1)
    block = default_block(len(model_abs), horizon)
    low, high = block_bootstrap_ratio(model_abs, persistence_abs, block, level=0.95, seed=seed)
    summary = {
        "rival": rival,
        "absolute": _test_result(model_abs, absolute[rival].mean(axis=1), horizon),
        "squared": _test_result(squared[NETWORK].mean(axis=1), squared[rival].mean(axis=1), horizon),
        "model_rel_mae_95": {"low": low, "high": high, "block": block},
    }
    by_lead = pd.DataFrame(
        {
            "dm_p_absolute": [
                diebold_mariano(absolute[NETWORK][:, lead], absolute[rival][:, lead], lead + 1).p_value for lead in range(horizon)
            ],
            "dm_p_squared": [
                diebold_mariano(squared[NETWORK][:, lead], squared[rival][:, lead], lead + 1).p_value for lead in range(horizon)
            ],
        }
    )
    return summary, by_lead


def prediction_intervals(
    valid: tuple[np.ndarray, dict[str, np.ndarray]],
    test: tuple[np.ndarray, dict[str, np.ndarray]],
    names: tuple[str, ...],
    levels: tuple[float, ...],
) -> tuple[dict, dict[str, tuple[np.ndarray, np.ndarray]]]:
    """Split-conformal intervals per lead from valid residuals: test coverage and width, and the model's test bounds."""
    (valid_actual, valid_forecasts), (test_actual, test_forecasts) = valid, test
    summary = {}
    for name in names:
        per_level = interval_summary(valid_actual, valid_forecasts[name], test_actual, test_forecasts[name], levels)
        summary[name] = {key: {"coverage": stats["coverage"], "width": stats["width"]} for key, stats in per_level.items()}
        if name == NETWORK:
            bounds = {
                f"{NETWORK}_{key}": interval(test_forecasts[name], np.asarray(stats["radius_by_lead"]))
                for key, stats in per_level.items()
            }
            by_lead = {f"{NETWORK}_coverage_{key}": stats["coverage_by_lead"] for key, stats in per_level.items()}
    return summary | {"by_lead": by_lead}, bounds


def read_history(history_dir: Path) -> dict[str, list[float]]:
    """Per-epoch values dvclive logged during training, e.g. history["train/loss"]."""
    history = {}
    for path in sorted(history_dir.glob("*/*.tsv")):
        table = pd.read_csv(path, sep="\t")
        history[f"{path.parent.name}/{path.stem}"] = table[path.stem].astype(float).tolist()
    return history


def weight_norms(model: keras.Model) -> dict[str, float]:
    return {w.path: float(np.linalg.norm(keras.ops.convert_to_numpy(w))) for w in model.weights if "kernel" in w.path}


def evaluate(
    model: keras.Model, arrays: dict, series: dict, statistical: dict[str, np.ndarray], scaler: Scaler, params: Params
) -> tuple[dict, pd.DataFrame, pd.DataFrame, dict]:
    """Metrics for every method and block, the test predictions and per-lead tables, and what diagnostics read."""
    target = series["target"]
    season = int(series["season"])
    train_end = split_rows(len(target), params)[0]
    mase_scale = seasonal_naive_scale(target[:train_end], season)
    linear_ar = baselines.fit_linear_autoregression(model_inputs(arrays, "train"), arrays["y_train"], params.ridge_alpha)
    metrics: dict = {"mase_scale": mase_scale, "season": season, "horizon": params.horizon}
    scored: dict[str, tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]] = {}
    for block in EVALUATED_BLOCKS:
        inputs, y, rows, left_out = in_time_order(arrays, block, season)
        raw_forecast = model.predict(inputs, batch_size=1024, verbose=0)
        forecasts = forecasts_for_block(raw_forecast, inputs, rows, target, scaler, linear_ar, statistical, params, season)
        # Every method on the same points: a point some method cannot forecast (its seasonal-naive
        # source is a missing value) is left out for all of them.
        usable = np.all([np.isfinite(forecast).all(axis=1) for forecast in forecasts.values()], axis=0)
        forecasts = {name: forecast[usable] for name, forecast in forecasts.items()}
        inputs, y, rows = {name: values[usable] for name, values in inputs.items()}, y[usable], rows[usable]
        actual = target[rows]
        metrics[block] = score(forecasts, actual, mase_scale)
        keras_scores = model.evaluate(inputs, y, batch_size=1024, verbose=0, return_dict=True)
        metrics[block]["model"]["keras_loss"] = float(keras_scores["loss"])  # includes any L2 penalty
        metrics[block]["model"]["scaled_mse"] = float(keras_scores["mse"])
        metrics[block]["points"] = int(actual.size)
        metrics[block]["windows_without_a_season_of_history"] = left_out
        metrics[block]["windows_without_every_forecast"] = int((~usable).sum())
        scored[block] = (rows, actual, forecasts)
    metrics["selected"] = selection_summary(metrics)
    rival = metrics["selected"]["best_baseline"]["valid"]  # chosen on valid, like everything the test block judges
    rows, actual, forecasts = scored["test"]
    metrics["significance"], significance_by_lead = significance(actual, forecasts, rival, params.seed)
    metrics["intervals"], bounds = prediction_intervals(
        scored["valid"][1:], scored["test"][1:], (NETWORK, rival), params.interval_levels
    )
    leads = pd.concat(
        [lead_table(actual, forecasts), significance_by_lead, pd.DataFrame(metrics["intervals"].pop("by_lead"))], axis=1
    )
    table = predictions_table(series["timestamps"], rows, actual, forecasts, bounds)
    test_view = {
        "actual": actual[:, 0],
        "forecasts": {k: v[:, 0] for k, v in forecasts.items()},
        "in_time_order": bool(np.all(np.diff(rows[:, 0]) > 0)),
    }
    return metrics, table, leads, test_view


def gather_evidence(
    model: keras.Model,
    arrays: dict,
    series: dict,
    scaler: Scaler,
    test_view: dict,
    audit: dict,
    effective: dict,
    history: dict,
    valid_metrics: dict,
    selected: str,
    interval_coverage: dict[str, float],
) -> Evidence:
    """Collect what the diagnostics read; inference-mode losses are computed here."""
    train_scores = model.evaluate(model_inputs(arrays, "train"), arrays["y_train"], batch_size=1024, verbose=0, return_dict=True)
    valid_scores = model.evaluate(model_inputs(arrays, "valid"), arrays["y_valid"], batch_size=1024, verbose=0, return_dict=True)
    penalty = float(sum(float(keras.ops.convert_to_numpy(loss)) for loss in model.losses))
    used = parse_params(effective["params"], source=str(EFFECTIVE_PARAMS_FILE))  # what training really used
    train_end = split_rows(len(series["target"]), used)[0]
    return Evidence(
        audit_checks=audit["checks"],
        scaler_fit=audit["scaler_fit"],
        actual=test_view["actual"],
        forecasts=test_view["forecasts"],
        last_input=test_view["forecasts"]["persistence"],
        train_targets=series["target"][arrays["rows_train"][:, 0]],
        scaled_train_targets=arrays["y_train"],
        target_scale=float(scaler.scale[0]),
        train_mse_inference=float(train_scores["mse"]),
        valid_mse_inference=float(valid_scores["mse"]),
        penalty=penalty,
        train_loss_inference=float(train_scores["loss"]),
        weight_norms=weight_norms(model),
        history=history,
        activations=used.layer_activations(),
        clipnorm=used.clipnorm,
        dropout=used.dropout,
        l2=used.l2,
        seed_fingerprints=tuple(effective["training"]["seed_fingerprints"]),
        rows_in_time_order=test_view["in_time_order"],
        params=used,
        valid_mae={name: scores["mae"] for name, scores in methods(valid_metrics).items()},
        selected=selected,
        train_block=series["target"][:train_end],
        valid_persistence_rmse=valid_metrics["persistence"]["rmse"],
        interval_coverage=interval_coverage,
    )


def main() -> None:
    params = load_params()
    arrays = load_arrays(ARRAYS_FILE)
    series = load_arrays(SERIES_FILE)
    scaler = Scaler.from_dict(read_json(SCALER_FILE))
    model = keras.saving.load_model(MODEL_FILE, safe_mode=True)
    statistical = load_arrays(STATISTICAL_FILE)
    metrics, table, leads, test_view = evaluate(model, arrays, series, statistical, scaler, params)
    metrics["skipped"] = {
        name: method["skipped"] for name, method in read_json(STATISTICAL_SUMMARY_FILE)["methods"].items() if method["skipped"]
    }
    evidence = gather_evidence(
        model,
        arrays,
        series,
        scaler,
        test_view,
        read_json(AUDIT_FILE),
        read_json(EFFECTIVE_PARAMS_FILE),
        read_history(HISTORY_DIR),
        metrics["valid"],
        metrics["selected"]["method"],
        {key: stats["coverage"] for key, stats in metrics["intervals"][NETWORK].items()},
    )
    diagnostics = diagnostics_summary(run_checks(evidence), metrics["selected"]["method"])
    write_json(METRICS_FILE, metrics)
    write_json(DIAGNOSTICS_FILE, diagnostics)
    with atomic_path(PREDICTIONS_FILE) as tmp:
        table.to_csv(tmp, index=False, float_format="%.6f")
    with atomic_path(LEADS_FILE) as tmp:
        leads.to_csv(tmp, index=False, float_format="%.6g")
    test, selected, tested = metrics["test"], metrics["selected"], metrics["significance"]
    print(
        f"evaluate: test MAE model {test['model']['mae']:.4f} vs persistence {test['persistence']['mae']:.4f} "
        f"(rel_mae {test['model']['rel_mae']:.3f}); the network is {tested['absolute']['verdict']} {tested['rival']} "
        f"(Diebold-Mariano p = {tested['absolute']['p_value']:.3g}); selected on valid: {selected['method']} "
        f"(test rel_mae {selected['test']['rel_mae']:.3f}); "
        f"diagnostics: {diagnostics['problems']} problems, {diagnostics['warnings']} warnings"
    )


if __name__ == "__main__":
    run_stage(main)
