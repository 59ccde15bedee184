"""Stage evaluate: the model and every baseline, on the same target points, in original units.

Predictions are put back in time order and inverse-transformed before any metric, so
the numbers say how far off the forecast is in the series' own units (here GW), and
``rel_mae`` says how it compares with simply repeating the last value.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from stages import baselines
from stages.common import atomic_path, load_arrays, quiet_tensorflow, read_json, run_stage, write_json
from stages.diagnostics import Evidence, diagnostics_summary, run_checks
from stages.metrics import all_metrics, seasonal_naive_scale
from stages.model import model_inputs
from stages.params import Params, load_params, parse_params
from stages.paths import (
    ARRAYS_FILE,
    AUDIT_FILE,
    DIAGNOSTICS_FILE,
    EFFECTIVE_PARAMS_FILE,
    HISTORY_DIR,
    METRICS_FILE,
    MODEL_FILE,
    PREDICTIONS_FILE,
    SCALER_FILE,
    SERIES_FILE,
    STATISTICAL_FILE,
    STATISTICAL_SUMMARY_FILE,
)
from stages.scaling import Scaler
from stages.selection import methods, selection_summary
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

    ``statistical`` holds each statistical baseline's one-step forecast of every row of the series.
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
    return forecasts | {name: forecast[rows] for name, forecast in statistical.items()}


def score(forecasts: dict[str, np.ndarray], actual: np.ndarray, mase_scale: float) -> dict[str, dict[str, float]]:
    reference = forecasts["persistence"]
    return {name: all_metrics(actual, forecast, reference, mase_scale) for name, forecast in forecasts.items()}


def time_labels(timestamps: np.ndarray) -> np.ndarray:
    """ISO-8601 text for dates; an integer index (years, step counters) as it is."""
    if timestamps.dtype.kind == "M":
        return np.asarray(pd.DatetimeIndex(timestamps).strftime("%Y-%m-%dT%H:%M:%S"))
    return timestamps


def predictions_table(
    timestamps: np.ndarray, rows: np.ndarray, actual: np.ndarray, forecasts: dict[str, np.ndarray]
) -> pd.DataFrame:
    """One line per target point, in time order: timestamp, steps ahead, actual, each method."""
    steps = np.broadcast_to(np.arange(1, rows.shape[1] + 1), rows.shape)
    table = pd.DataFrame(
        {
            "timestamp": time_labels(timestamps[rows.ravel()]),
            "step": steps.ravel(),
            "actual": actual.ravel(),
        }
    )
    for name, forecast in forecasts.items():
        table[name] = forecast.ravel()
    return table.sort_values(["step", "timestamp"], kind="stable").reset_index(drop=True)


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
) -> tuple[dict, pd.DataFrame, dict]:
    """Metrics for every method and block, the test predictions table, and the forecasts diagnostics read."""
    target = series["target"]
    season = int(series["season"])
    train_end = split_rows(len(target), params)[0]
    mase_scale = seasonal_naive_scale(target[:train_end], season)
    linear_ar = baselines.fit_linear_autoregression(model_inputs(arrays, "train"), arrays["y_train"], params.ridge_alpha)
    metrics: dict = {"mase_scale": mase_scale, "season": season}
    table, test_view = None, {}
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
        if block == "test":
            table = predictions_table(series["timestamps"], rows, actual, forecasts)
            test_view = {
                "actual": actual[:, 0],
                "forecasts": {k: v[:, 0] for k, v in forecasts.items()},
                "in_time_order": bool(np.all(np.diff(rows[:, 0]) > 0)),
            }
    metrics["selected"] = selection_summary(metrics)
    return metrics, table, test_view


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
    )


def main() -> None:
    params = load_params()
    arrays = load_arrays(ARRAYS_FILE)
    series = load_arrays(SERIES_FILE)
    scaler = Scaler.from_dict(read_json(SCALER_FILE))
    model = keras.saving.load_model(MODEL_FILE, safe_mode=True)
    statistical = load_arrays(STATISTICAL_FILE)
    metrics, table, test_view = evaluate(model, arrays, series, statistical, scaler, params)
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
    )
    diagnostics = diagnostics_summary(run_checks(evidence), metrics["selected"]["method"])
    write_json(METRICS_FILE, metrics)
    write_json(DIAGNOSTICS_FILE, diagnostics)
    with atomic_path(PREDICTIONS_FILE) as tmp:
        table.to_csv(tmp, index=False, float_format="%.6f")
    test, selected = metrics["test"], metrics["selected"]
    print(
        f"evaluate: test MAE model {test['model']['mae']:.4f} vs persistence {test['persistence']['mae']:.4f} "
        f"(rel_mae {test['model']['rel_mae']:.3f}); selected on valid: {selected['method']} "
        f"(test rel_mae {selected['test']['rel_mae']:.3f}); "
        f"diagnostics: {diagnostics['problems']} problems, {diagnostics['warnings']} warnings"
    )


if __name__ == "__main__":
    run_stage(main)
