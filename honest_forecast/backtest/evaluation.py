"""One fold's model and every baseline, on the same origins and lead times, in original units.

Predictions are put back in time order and inverse-transformed before any metric, so
the numbers say how far off the forecast is in the series' own units, and ``rel_mae`` says
how it compares with simply repeating the last value. On top of the point scores: errors per
lead time, split-conformal intervals calibrated on valid, and whether the network's difference
from the best baseline on test is more than chance (Diebold-Mariano)."""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np
import pandas as pd

from honest_forecast.baselines import simple
from honest_forecast.baselines.linear import alpha_record, fit_linear_autoregression, linear_forecast
from honest_forecast.diagnostics.evidence import Evidence
from honest_forecast.models.feeding import evaluate_windows, predict_windows
from honest_forecast.names import NETWORK
from honest_forecast.params import Params, parse_params
from honest_forecast.scoring.blocks import calibrate, interval_report, score, significance
from honest_forecast.scoring.metrics import MASE_UNDEFINED, seasonal_naive_scale
from honest_forecast.scoring.selection import methods, selection_summary
from honest_forecast.windows.scaling import Scaler, to_original_units
from honest_forecast.windows.store import WindowStore, chunks

EVALUATED_BLOCKS = ("valid", "test")
STAND_IN = "its seasonal naive from each window's origin (the value a season before each target, never one after the origin)"
TRAIN_SCORED_WINDOWS = 1 << 18  # training windows scored for the diagnostics at most (see train_sample)


def scored_starts(store: WindowStore, block: str, season: int) -> tuple[np.ndarray, int]:
    """Window starts of a block sorted by forecast time, and how many windows were left out.

    Every method is scored on the same points, so a window whose targets lack a full season
    of history (the seasonal naive has nothing to repeat) is left out for all of them. Only
    the leaky ``shuffle: before_split`` with ``window`` < ``season`` puts such windows in a
    scored block: honest valid and test blocks start well after row ``season``.
    """
    starts = np.sort(store.starts[block], kind="stable")
    kept = starts[starts + store.spec.window >= season]
    return kept, len(starts) - len(kept)


def forecasts_for_block(
    model: keras.Model,
    store: WindowStore,
    starts: np.ndarray,
    target: np.ndarray,
    scaler: Scaler,
    linear_ar: object,
    statistical: dict[str, np.ndarray],
    first_origin: int,
    season: int,
) -> dict[str, np.ndarray]:
    """Every method's forecast in original units of the windows at ``starts``, keyed by method name, model first.

    ``statistical`` holds each statistical baseline's forecasts by origin row, from row
    ``first_origin`` on (see :func:`load_statistical`).
    """
    rows = store.spec.target_rows(starts)
    learned = learned_forecasts(model, store, starts, scaler, linear_ar)
    forecasts = {
        NETWORK: learned[NETWORK],
        "persistence": simple.persistence(target, rows),
        "seasonal_naive": simple.seasonal_naive(target, rows, season),
        "window_mean": simple.window_mean(target, rows, store.spec.window),
        "drift": simple.drift(target, rows, store.spec.window),
        "linear_ar": learned["linear_ar"],
    }
    origins = rows[:, 0] - 1
    known = origins >= first_origin  # an origin before it (only under the leaky before_split) has no forecast
    for name, table in statistical.items():
        forecasts[name] = np.full(rows.shape, np.nan)
        forecasts[name][known] = table[origins[known] - first_origin, : rows.shape[1]]
    return forecasts


def load_statistical(path: Path, first_origin: int) -> dict[str, np.ndarray]:
    """Each statistical baseline's forecasts by origin from row ``first_origin`` on, one method at a time.

    The stage stores them for every row of the series, NaN before the train block's last row; on a
    long series those rows are most of the file, and evaluate never reads them.
    """
    with np.load(path, allow_pickle=False) as data:
        return {name: data[name][first_origin:].copy() for name in data.files}


def read_history(history_dir: Path) -> dict[str, list[float]]:
    """Per-epoch values dvclive logged during training, e.g. history["train/loss"]."""
    history = {}
    for path in sorted(history_dir.glob("*/*.tsv")):
        table = pd.read_csv(path, sep="\t")
        history[f"{path.parent.name}/{path.stem}"] = table[path.stem].astype(float).tolist()
    return history


def weight_norms(model: keras.Model) -> dict[str, float]:
    return {w.path: float(np.linalg.norm(keras.ops.convert_to_numpy(w))) for w in model.weights if "kernel" in w.path}


def forecast_blocks(
    model: keras.Model,
    store: WindowStore,
    target: np.ndarray,
    season: int,
    statistical: dict[str, np.ndarray],
    scaler: Scaler,
    params: Params,
    train_end: int,
) -> dict:
    """Everything read from the window store: each block's forecasts of every method, Keras's scores, the train figures.

    Done first and on its own, so that the store (every row of the series) can go before the
    scoring: on a long series the two together were the stage's peak. ``statistical`` holds the
    statistical baselines' forecasts by origin from the train block's last row on
    (:func:`load_statistical` with ``train_end - 1``); it is emptied once read.
    """
    linear_ar = fit_linear_autoregression(store.without_statistical(), store.starts["train"], params.ridge_alpha)
    # Covariates only forecast in production are scored as production will read them: every figure
    # rests on their stand-ins; the actual values give a second, optimistic score of the two that read them.
    scored = store.with_forecast_stand_ins() if store.has_forecast_only else store
    blocks: dict = {}
    for block in EVALUATED_BLOCKS:
        starts, left_out = scored_starts(store, block, season)
        forecasts = forecasts_for_block(model, scored, starts, target, scaler, linear_ar, statistical, train_end - 1, season)
        # Every method on the same points: a point some method cannot forecast (its seasonal-naive
        # source is a missing value) is left out for all of them.
        usable = np.all([np.isfinite(forecast).all(axis=1) for forecast in forecasts.values()], axis=0)
        if not usable.all():  # a copy only where points are left out: a long block's forecasts are large
            forecasts = {name: forecast[usable] for name, forecast in forecasts.items()}
            starts = starts[usable]
        rows = store.spec.target_rows(starts)
        blocks[block] = {
            "rows": rows,
            "actual": target[rows],
            "forecasts": forecasts,
            "keras": evaluate_windows(model, scored, starts),
            "starts": starts,
            "left_out": left_out,
            "without_every_forecast": int((~usable).sum()),
        }
        if store.has_forecast_only:
            # with every known covariate's actual value: what a backtest that reads them would claim
            as_known = learned_forecasts(model, store, starts, scaler, linear_ar)
            blocks[block]["as_known"] = {"persistence": forecasts["persistence"], **as_known}
    statistical.clear()  # every origin's forecasts of a long series: let go as soon as both blocks have theirs
    blocks["training"] = training_figures(model, store, target, blocks["valid"], params.seed)
    blocks["ridge_alpha"] = alpha_record(linear_ar.alpha)
    return blocks


def learned_forecasts(
    model: keras.Model, store: WindowStore, starts: np.ndarray, scaler: Scaler, linear_ar: object
) -> dict[str, np.ndarray]:
    """The network's and the ridge's forecasts of the windows at ``starts``, in original units, as ``store`` reads them.

    The ridge is the linear autoregression baseline: it reads the window and what is known in advance, never the
    statistical forecasts the network may read.
    """
    last_input = store.last_inputs(starts)
    plain = store.without_statistical()
    return {
        NETWORK: to_original_units(predict_windows(model, store, starts), last_input, scaler, store.delta),
        "linear_ar": to_original_units(linear_forecast(linear_ar, plain, starts), last_input, scaler, store.delta),
    }


def training_figures(model: keras.Model, store: WindowStore, target: np.ndarray, valid: dict, seed: int) -> dict:
    """What the diagnostics read of the training windows, and Keras's valid figures on every stored valid window."""
    train_starts = store.starts["train"]
    sampled = train_sample(train_starts, seed)
    valid_scores = valid["keras"]
    # reordered, thinned or read with stand-ins: score them all, as stored and as training read them
    if store.has_forecast_only or not np.array_equal(valid["starts"], store.starts["valid"]):
        valid_scores = evaluate_windows(model, store, store.starts["valid"])
    return {
        "train_scores": evaluate_windows(model, store, sampled),
        "valid_scores": valid_scores,
        "train_targets": target[train_starts + store.spec.window],
        "scaled_train_targets": np.concatenate([store.targets(part) for part in chunks(train_starts)]),
        "scored": (len(sampled), len(train_starts)),
    }


def evaluate(
    blocks: dict, target: np.ndarray, season: int, params: Params, train_end: int
) -> tuple[dict, dict[str, np.ndarray], dict]:
    """Metrics for every method and block, the test block's forecasts and interval radii, and what diagnostics read."""
    mase_scale = seasonal_naive_scale(target[:train_end], season)
    metrics: dict = {"mase_scale": mase_scale, "season": season, "horizon": params.horizon, "ridge_alpha": blocks["ridge_alpha"]}
    if mase_scale == 0:
        metrics["mase_undefined"] = MASE_UNDEFINED.format(season=season)
    for block in EVALUATED_BLOCKS:
        scored = blocks[block]
        metrics[block] = score(scored["forecasts"], scored["actual"], mase_scale)
        metrics[block]["model"]["keras_loss"] = float(scored["keras"]["loss"])  # includes any L2 penalty
        metrics[block]["model"]["scaled_mse"] = float(scored["keras"]["mse"])
        metrics[block]["points"] = int(scored["actual"].size)
        metrics[block]["windows_without_a_season_of_history"] = scored["left_out"]
        metrics[block]["windows_without_every_forecast"] = scored["without_every_forecast"]
    if "as_known" in blocks["valid"]:
        metrics["known_covariates"] = {
            "forecast_only": list(params.known_covariates_forecast),
            "stand_in": STAND_IN,
            "with_actual_values": {
                block: score(blocks[block]["as_known"], blocks[block]["actual"], mase_scale)
                | {"points": int(blocks[block]["actual"].size)}
                for block in EVALUATED_BLOCKS
            },
        }
    metrics["selected"] = selection_summary(metrics)
    rival = metrics["selected"]["best_baseline"]["valid"]  # chosen on valid, like everything the test block judges
    rows, actual, forecasts = (blocks["test"][key] for key in ("rows", "actual", "forecasts"))
    valid = blocks["valid"]
    metrics["significance"], _ = significance(actual, forecasts, rival, params.seed)
    interval_stats, radii = calibrate(valid["actual"], valid["forecasts"], actual, forecasts, params.interval_levels)
    metrics["intervals"], _ = interval_report(interval_stats, (NETWORK, rival))
    test_arrays = {"rows": rows, "actual": actual, "mase_scale": np.float64(mase_scale)}
    test_arrays |= {f"forecast_{name}": forecast for name, forecast in forecasts.items()}
    test_arrays |= {f"radius_{name}_{key}": radius for name, per_level in radii.items() for key, radius in per_level.items()}
    test_view = {
        "actual": actual[:, 0],
        "forecasts": {k: v[:, 0] for k, v in forecasts.items()},
        "in_time_order": bool(np.all(np.diff(rows[:, 0]) > 0)),
        "every_lead": (actual.ravel(), {k: v.ravel() for k, v in forecasts.items()}) if params.horizon > 1 else None,
        "valid_arrays": {"rows": valid["rows"], "actual": valid["actual"]}
        | {f"forecast_{name}": forecast for name, forecast in valid["forecasts"].items()},
    }
    return metrics, test_arrays, test_view


def gather_evidence(
    model: keras.Model,
    training: dict,
    target: np.ndarray,
    scaler: Scaler,
    test_view: dict,
    audit: dict,
    effective: dict,
    history: dict,
    valid_metrics: dict,
    selected: str,
    interval_coverage: dict[str, float],
    train_end: int,
) -> Evidence:
    """Collect what the diagnostics read (``training``: :func:`training_figures`)."""
    penalty = float(sum(float(keras.ops.convert_to_numpy(loss)) for loss in model.losses))
    used = parse_params(effective["params"], source="the train stage's params")  # what training really used
    train_scores, valid_scores = training["train_scores"], training["valid_scores"]
    return Evidence(
        audit_checks=audit["checks"],
        scaler_fit=audit["scaler_fit"],
        actual=test_view["actual"],
        forecasts=test_view["forecasts"],
        last_input=test_view["forecasts"]["persistence"],
        train_targets=training["train_targets"],
        scaled_train_targets=training["scaled_train_targets"],
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
        train_block=target[:train_end],
        valid_persistence_rmse=valid_metrics["persistence"]["rmse"],
        interval_coverage=interval_coverage,
        every_lead=test_view["every_lead"],
        train_windows_scored=training["scored"],
    )


def train_sample(starts: np.ndarray, seed: int) -> np.ndarray:
    """The training windows whose inference-mode loss the diagnostics read: all, or a seeded sample of a long series'.

    The checks compare the train MSE with valid's and with the targets' variance against margins of
    10 % or more. A random sample of 2^18 windows estimates it to about 0.3 % (the relative standard
    error of a mean of squared Gaussian errors is sqrt(2 / n)); windows that far apart share no rows.
    Scoring every window of a 10M-point series took most of the evaluate stage's time.
    """
    if len(starts) <= TRAIN_SCORED_WINDOWS:
        return starts
    chosen = np.random.default_rng(seed).choice(len(starts), size=TRAIN_SCORED_WINDOWS, replace=False)
    return starts[np.sort(chosen)]
