"""Scoring a block of forecasts: point errors, errors per lead time, intervals and significance.

Shared by the per-fold evaluate stage and the pool stage, so one fold and many folds are
scored by the same functions. Forecasts are dicts of method name to (origins, horizon) arrays
in original units, on the same points, origins in time order.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from honest_forecast.names import NETWORK
from honest_forecast.scoring.intervals import coverage, interval_summary, mean_width
from honest_forecast.scoring.metrics import all_metrics
from honest_forecast.scoring.significance import block_bootstrap_ratio, default_block, diebold_mariano, verdict


def score(forecasts: dict[str, np.ndarray], actual: np.ndarray, mase_scale: float) -> dict[str, dict[str, float]]:
    reference = forecasts["persistence"]
    return {name: all_metrics(actual, forecast, reference, mase_scale) for name, forecast in forecasts.items()}


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
    return {"statistic": result.statistic, "p_value": result.p_value, "verdict": verdict(result)}


def significance(actual: np.ndarray, forecasts: dict[str, np.ndarray], rival: str, seed: int) -> tuple[dict, pd.DataFrame]:
    """Is the network's difference from ``rival`` on this block more than chance, and how sure is its rel_mae?

    Diebold-Mariano with the Harvey-Leybourne-Newbold correction on each origin's loss
    averaged over the lead times (errors of forecasts H steps ahead overlap, so the variance
    allows autocorrelation up to lag H-1), on absolute and on squared errors; then per lead
    time, lead h with lags up to h-1. The rel_mae interval is a circular block bootstrap over
    origins. Origins are taken as consecutive where windows were left out.
    """
    horizon = actual.shape[1]
    absolute, squared = {}, {}
    for name in dict.fromkeys((NETWORK, rival, "persistence")):  # one error array at a time: a long block's are large
        error = actual - forecasts[name]
        absolute[name], squared[name] = np.abs(error), error**2
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


def calibrate(
    valid_actual: np.ndarray,
    valid: dict[str, np.ndarray],
    test_actual: np.ndarray,
    test: dict[str, np.ndarray],
    levels: tuple[float, ...],
) -> tuple[dict, dict[str, dict[str, np.ndarray]]]:
    """Split-conformal intervals per lead for every method, calibrated on valid: test coverage and width, and the radii."""
    summary, radii = {}, {}
    for name in test:
        per_level = interval_summary(valid_actual, valid[name], test_actual, test[name], levels)
        summary[name] = per_level
        radii[name] = {key: np.asarray(stats["radius_by_lead"]) for key, stats in per_level.items()}
    return summary, radii


def interval_scores(actual: np.ndarray, bounds: dict[str, tuple[np.ndarray, np.ndarray]]) -> dict:
    """Coverage and width per level (pooled and per lead) of given interval bounds."""
    scores = {}
    for key, (lower, upper) in bounds.items():
        covered, width = coverage(actual, lower, upper), mean_width(lower, upper)
        scores[key] = {
            "coverage": float(covered.mean()),
            "width": float(width.mean()),
            "coverage_by_lead": [float(value) for value in covered],
        }
    return scores


def interval_report(scores: dict[str, dict], names: tuple[str, ...]) -> tuple[dict, pd.DataFrame]:
    """What metrics.json keeps of interval scores (coverage and width per method and level), and each one's coverage per lead."""
    summary = {name: {key: {"coverage": s["coverage"], "width": s["width"]} for key, s in scores[name].items()} for name in names}
    by_lead = pd.DataFrame(
        {f"{name}_coverage_{key}": s["coverage_by_lead"] for name in dict.fromkeys(names) for key, s in scores[name].items()}
    )
    return summary, by_lead
