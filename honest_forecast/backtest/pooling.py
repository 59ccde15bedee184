"""Every fold's test block together, scored as one rolling-origin backtest.

The folds' test blocks are successive, so their forecasts, put end to end, are one stretch of
the series each forecast by a model that saw nothing after its own valid block. Point
metrics pool exactly (means weighted by points; MASE keeps each fold's own scale); the method
is chosen on the folds' valid blocks pooled; the Diebold-Mariano test and the interval
coverage are computed on the pooled test stretch. With one fold this is that fold's result."""

from __future__ import annotations

import numpy as np
import pandas as pd

from honest_forecast.backtest.tables import predictions_table
from honest_forecast.names import METRIC_NAMES, NETWORK
from honest_forecast.scoring.blocks import interval_report, interval_scores, lead_table, significance
from honest_forecast.scoring.intervals import interval
from honest_forecast.scoring.selection import methods, selection_summary

SPREAD_KEYS = ("mae", "rel_mae")


def pooled_block(blocks: list[dict], names: list[str]) -> dict:
    """One block's scores from several folds' scores of the same methods: exact for means, RMSE and rel_mae."""
    if len(blocks) == 1:
        return blocks[0]
    weights = np.array([block["points"] for block in blocks], dtype=float)
    pooled: dict = {}
    for name in names:
        keys = [key for key in blocks[0][name] if all(key in block[name] for block in blocks)]
        pooled[name] = {key: pooled_mean([block[name][key] for block in blocks], weights) for key in keys}
        pooled[name]["rmse"] = float(np.sqrt(np.average([block[name]["rmse"] ** 2 for block in blocks], weights=weights)))
    for name in names:
        pooled[name]["rel_mae"] = pooled[name]["mae"] / pooled["persistence"]["mae"]
    pooled["points"] = int(weights.sum())
    return pooled


def pooled_mean(values: list[float | None], weights: np.ndarray) -> float | None:
    """The points-weighted mean of the folds' values; None if a fold has none (MASE undefined there)."""
    return None if any(value is None for value in values) else float(np.average(values, weights=weights))


def common_methods(fold_metrics: list[dict]) -> list[str]:
    """Methods every fold scored, in the first fold's order (a statistical model may be skipped in a short early fold)."""
    first = list(methods(fold_metrics[0]["test"]))
    return [name for name in first if all(name in fold["test"] for fold in fold_metrics)]


def folds_in_time_order(fold_tests: list[dict[str, np.ndarray]]) -> list[dict[str, np.ndarray]]:
    """The folds' test blocks, earliest first (fold k before fold 1)."""
    return sorted(fold_tests, key=lambda test: int(test["rows"][0, 0]))


def pooled_test(ordered: list[dict[str, np.ndarray]], names: list[str]) -> tuple[np.ndarray, np.ndarray, dict]:
    """Target rows, actuals and forecasts of the test blocks ``ordered`` in time order, end to end."""
    rows = np.concatenate([test["rows"] for test in ordered])
    actual = np.concatenate([test["actual"] for test in ordered])
    forecasts = {name: np.concatenate([test[f"forecast_{name}"] for test in ordered]) for name in names}
    return rows, actual, forecasts


def pooled_bounds(ordered: list[dict[str, np.ndarray]], name: str, levels: list[str]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Each fold's intervals (its own valid calibration) around its forecasts, end to end in time order."""
    bounds = {}
    for key in levels:
        pieces = [interval(test[f"forecast_{name}"], test[f"radius_{name}_{key}"]) for test in ordered]
        bounds[key] = (np.concatenate([lower for lower, _ in pieces]), np.concatenate([upper for _, upper in pieces]))
    return bounds


def fold_summary(fold_metrics: list[dict]) -> dict:
    """Per fold: its test rows, leak check, ridge penalty, the network's scores, choice and test verdict; and their spread."""
    per_fold = {}
    for metrics in fold_metrics:
        test, tested = metrics["test"], metrics["significance"]
        per_fold[str(metrics["fold"])] = {
            "test_rows": metrics["audit"]["test_rows"],
            "leak_free": metrics["audit"]["leak_free"],
            "ridge_alpha": metrics["ridge_alpha"],
            "model_mae": test[NETWORK]["mae"],
            "model_rel_mae": test[NETWORK]["rel_mae"],
            "selected": metrics["selected"]["method"],
            "rival": tested["rival"],
            "verdict": tested["absolute"]["verdict"],
            "p_value": tested["absolute"]["p_value"],
        }
    spread = {}
    for key in SPREAD_KEYS:
        values = np.array([fold[f"model_{key}"] for fold in per_fold.values()])
        spread[f"model_{key}"] = {"min": float(values.min()), "max": float(values.max()), "std": float(values.std())}
    return {"count": len(per_fold), "leak_free": all(fold["leak_free"] for fold in per_fold.values()), "per_fold": per_fold} | {
        "spread": spread
    }


def pool(
    fold_metrics: list[dict], fold_tests: list[dict[str, np.ndarray]], timestamps: np.ndarray, seed: int
) -> tuple[dict, pd.DataFrame, pd.DataFrame]:
    """Pooled metrics, the test predictions table and the per-lead table."""
    names = common_methods(fold_metrics)
    first = fold_metrics[0]
    metrics: dict = {key: first[key] for key in ("mase_scale", "season", "horizon")}
    undefined = [fold["mase_undefined"] for fold in fold_metrics if "mase_undefined" in fold]
    if undefined:
        metrics["mase_undefined"] = undefined[0]
    for block in ("valid", "test"):
        metrics[block] = pooled_block([fold[block] for fold in fold_metrics], names)
    # one fold: its own choice, made on unrounded scores (metrics.json keeps 6 significant digits)
    if "known_covariates" in first:
        metrics["known_covariates"] = pooled_stand_ins([fold["known_covariates"] for fold in fold_metrics], metrics)
    metrics["selected"] = first["selected"] if len(fold_metrics) == 1 else selection_summary(metrics)
    rival = metrics["selected"]["best_baseline"]["valid"]
    ordered = folds_in_time_order(fold_tests)
    rows, actual, forecasts = pooled_test(ordered, names)
    metrics["significance"], significance_by_lead = significance(actual, forecasts, rival, seed)
    levels = list(first["intervals"][NETWORK])
    bounds = {name: pooled_bounds(ordered, name, levels) for name in (NETWORK, rival)}
    scores = {name: interval_scores(actual, bounds[name]) for name in bounds}
    metrics["intervals"], coverage_by_lead = interval_report(scores, (NETWORK, rival))
    metrics["skipped"] = {name: reason for fold in fold_metrics for name, reason in fold["skipped"].items()}
    metrics["folds"] = fold_summary(fold_metrics)
    leads = pd.concat([lead_table(actual, forecasts), significance_by_lead, coverage_by_lead], axis=1)
    model_bounds = {f"{NETWORK}_{key}": bounds[NETWORK][key] for key in levels}
    table = predictions_table(timestamps, rows, actual, forecasts, model_bounds)
    return metrics, table, leads


def pooled_stand_ins(fold_known: list[dict], metrics: dict) -> dict:
    """The folds' scores with every known covariate's actual value, pooled, and how much the stand-ins cost each method.

    ``mae_rise`` is the MAE with the stand-ins (the figures ``metrics`` holds) over the MAE with the
    actual values, less one: what believing the optimistic backtest would overstate.
    """
    names = [name for name in fold_known[0]["with_actual_values"]["test"] if name != "points"]
    with_actual = {
        block: pooled_block([fold["with_actual_values"][block] for fold in fold_known], names) for block in ("valid", "test")
    }
    rise = {
        block: {
            name: metrics[block][name]["mae"] / with_actual[block][name]["mae"] - 1 for name in names if name != "persistence"
        }
        for block in ("valid", "test")
    }
    return {key: fold_known[0][key] for key in ("forecast_only", "stand_in")} | {
        "with_actual_values": with_actual,
        "mae_rise": rise,
    }


def pooled_diagnostics(fold_diagnostics: list[dict]) -> dict:
    """The last fold's checks (the single split's), with problems and warnings counted over every fold."""
    counts = ("problems", "warnings", "problems_for_selected")
    pooled = {key: sum(diagnostics[key] for diagnostics in fold_diagnostics) for key in counts}
    pooled["checks"] = fold_diagnostics[0]["checks"]
    if len(fold_diagnostics) > 1:
        pooled["per_fold"] = {
            str(fold): {key: diagnostics[key] for key in counts} for fold, diagnostics in enumerate(fold_diagnostics, start=1)
        }
    return pooled


def one_series_table(fold_metrics: dict, pooled: dict) -> pd.DataFrame:
    """reports/series_metrics.csv of a file of one series (id ''): every method's valid (fold 1) and pooled test scores."""
    rows = []
    for block, metrics in (("valid", fold_metrics["valid"]), ("test", pooled["test"])):
        for method, scores in metrics.items():
            if isinstance(scores, dict) and "mae" in scores:
                rows.append({"id": "", "block": block, "method": method, **{m: scores.get(m) for m in METRIC_NAMES}})
    return pd.DataFrame(rows)
