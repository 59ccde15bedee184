"""Many series scored series by series, then summed up across them as the M4 competition does, and tested honestly.

Errors are summed up per series first: a mean over pooled points would let the series of the
largest units decide, and a pooled test would treat hundreds of series as one long one. Across
series: the M4 measures (mean sMAPE, mean MASE, OWA against Naive2), the share of series on which
each method is best, the one method chosen on valid against each series' own choice, and whether
the network's edge over the best baseline holds across series (a Wilcoxon signed-rank test and a
bootstrap over series).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from honest_forecast.names import NAIVE2, NETWORK
from honest_forecast.scoring.significance import BETTER, INDISTINGUISHABLE, WORSE, compare

PANEL_METRICS = ("mae", "rmse", "smape", "mase", "rel_mae")
BOOTSTRAP_RESAMPLES = 2000
RESAMPLES_AT_ONCE = 100  # 2,000 resamples of 10,000 series at once: three copies of 160 MB
SERIES_ALPHA = 0.05


@dataclass(frozen=True)
class PanelBlock:
    """A block's windows over every series: target rows (windows, horizon), each window's series, actuals, forecasts."""

    rows: np.ndarray
    series: np.ndarray
    actual: np.ndarray
    forecasts: dict[str, np.ndarray]


def _per_series(values: np.ndarray, series: np.ndarray, count: int) -> np.ndarray:
    """The mean over each series' points of per-window sums ``values``, NaN for a series with no point."""
    sums = np.bincount(series, weights=values, minlength=count)
    points = np.bincount(series, minlength=count)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(points > 0, sums / np.maximum(points, 1), np.nan)


def series_scores(block: PanelBlock, window_scales: np.ndarray, count: int) -> dict[str, dict[str, np.ndarray]]:
    """Each method's MAE, RMSE, sMAPE, MASE and rel_mae per series (arrays over the panel's ``count`` ids).

    ``window_scales`` is each window's MASE denominator (its series' in-sample seasonal-naive MAE in
    the window's fold). A method that could not forecast a series (a statistical baseline not fit on
    it) is NaN there.
    """
    horizon = block.actual.shape[1]
    series = block.series
    usable = window_scales > 0
    scores = {}
    for name, forecast in block.forecasts.items():
        error = np.abs(block.actual - forecast)
        denominator = np.abs(block.actual) + np.abs(forecast)
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = np.where(denominator > 0, error / denominator, 0.0)
            scaled = np.where(usable, error.sum(axis=1) / np.where(usable, window_scales, 1), np.nan)
        ratio[np.isnan(forecast)] = np.nan
        scores[name] = {
            "mae": _per_series(error.sum(axis=1), series, count) / horizon,
            "rmse": np.sqrt(_per_series((error**2).sum(axis=1), series, count) / horizon),
            "smape": 200 * _per_series(ratio.sum(axis=1), series, count) / horizon,
            "mase": _per_series(scaled, series, count) / horizon,
        }
    persistence = scores["persistence"]["mae"]
    for name in scores:
        with np.errstate(invalid="ignore", divide="ignore"):
            scores[name]["rel_mae"] = scores[name]["mae"] / persistence
    return scores


def aggregates(scores: dict[str, dict[str, np.ndarray]]) -> dict[str, dict]:
    """Across series: mean sMAPE and MASE (M4's measures), OWA against Naive2, the share of series each method is best on
    (lowest MAE), and on how many series each method could forecast."""
    names = list(scores)
    mae = np.vstack([scores[name]["mae"] for name in names])
    scored = np.isfinite(mae).any(axis=0)
    complete = np.isfinite(mae).all(axis=0) & scored
    best = np.argmin(np.where(np.isfinite(mae), mae, np.inf), axis=0)
    reference = scores[NAIVE2]
    summary = {}
    for at, name in enumerate(names):
        defined = np.isfinite(scores[name]["mae"])
        smape = float(np.nanmean(scores[name]["smape"])) if defined.any() else None
        mase = float(np.nanmean(scores[name]["mase"][defined])) if np.isfinite(scores[name]["mase"][defined]).any() else None
        entry = {"series": int(defined.sum()), "smape": smape, "mase": mase}
        if defined[scored].all():
            naive2_smape = float(np.nanmean(reference["smape"][defined]))
            naive2_mase = float(np.nanmean(reference["mase"][defined]))
            entry["owa"] = 0.5 * (smape / naive2_smape + mase / naive2_mase) if smape is not None and mase else None
        else:
            entry["owa"] = None  # not forecast on every series: not comparable on the set
        entry["mean_rel_mae"] = float(np.nanmean(scores[name]["rel_mae"])) if defined.any() else None
        entry["best_on_share"] = float(np.mean(best[complete] == at)) if complete.any() else None
        summary[name] = entry
    return summary


def per_series_choice(valid: dict[str, dict[str, np.ndarray]], test: dict[str, dict[str, np.ndarray]]) -> tuple[dict, np.ndarray]:
    """Each series' method chosen on its valid MAE, and that choice's test scores per series (as a method of its own)."""
    names = list(valid)
    mae = np.vstack([valid[name]["mae"] for name in names])
    available = np.isfinite(mae) & np.isfinite(np.vstack([test[name]["mae"] for name in names]))
    chosen = np.argmin(np.where(available, mae, np.inf), axis=0)
    columns = np.arange(mae.shape[1])
    scores = {metric: np.vstack([test[name][metric] for name in names])[chosen, columns] for metric in PANEL_METRICS}
    return scores, np.array(names, dtype=object)[chosen]


def across_series(test: dict[str, dict[str, np.ndarray]], block: PanelBlock, rival: str, seed: int) -> dict:
    """Is the network's edge over ``rival`` more than chance across series, and on how many series is it worse?

    Across series: the Wilcoxon signed-rank test on the paired per-series MASE (each series one
    observation, whatever its length) and a bootstrap over series of the ratio of mean MASE. Per
    series: Diebold-Mariano on its test windows where it has more windows than the horizon; at
    a 5 % level about one series in twenty is "significantly" worse by chance alone, as said.
    """
    network, other = test[NETWORK]["mase"], test[rival]["mase"]
    paired = np.isfinite(network) & np.isfinite(other)
    difference = network[paired] - other[paired]
    result: dict = {"rival": rival, "series": int(paired.sum())}
    if paired.sum() >= 2 and np.any(difference != 0):
        test_result = stats.wilcoxon(network[paired], other[paired])
        result["wilcoxon_p"] = float(test_result.pvalue)
    else:
        result["wilcoxon_p"] = 1.0
    result["median_mase_difference"] = float(np.median(difference)) if difference.size else None
    rng, mine, theirs = np.random.default_rng(seed), network[paired], other[paired]
    ratios = np.empty(BOOTSTRAP_RESAMPLES)
    for lo in range(0, BOOTSTRAP_RESAMPLES, RESAMPLES_AT_ONCE):  # the draws of all of them at once, in pieces
        picks = rng.integers(0, len(mine), size=(min(RESAMPLES_AT_ONCE, BOOTSTRAP_RESAMPLES - lo), len(mine)))
        ratios[lo : lo + len(picks)] = mine[picks].mean(axis=1) / theirs[picks].mean(axis=1)
    result["mean_mase_ratio"] = float(network[paired].mean() / other[paired].mean())
    result["mean_mase_ratio_95"] = {"low": float(np.quantile(ratios, 0.025)), "high": float(np.quantile(ratios, 0.975))}
    if result["wilcoxon_p"] < SERIES_ALPHA:
        result["verdict"] = BETTER if result["mean_mase_ratio"] < 1 else WORSE
    else:
        result["verdict"] = INDISTINGUISHABLE
    horizon = block.actual.shape[1]
    worse = better = tested = 0
    losses = {name: np.abs(block.actual - block.forecasts[name]).mean(axis=1) for name in (NETWORK, rival)}
    for at in np.unique(block.series):
        mine = block.series == at
        if mine.sum() <= horizon or not np.isfinite(losses[rival][mine]).all():
            continue
        tested += 1
        verdict = compare(losses[NETWORK][mine], losses[rival][mine], horizon=horizon, alpha=SERIES_ALPHA)
        worse += verdict == WORSE
        better += verdict == BETTER
    result["per_series"] = {
        "tested": tested,
        "untested": int(len(np.unique(block.series)) - tested),
        "untested_because": f"a series needs more test windows than the horizon ({horizon}) for a Diebold-Mariano test",
        "significantly_worse": worse,
        "significantly_better": better,
        "expected_by_chance_each_way": round(SERIES_ALPHA / 2 * tested, 1),
    }
    return result


def select(valid_summary: dict[str, dict]) -> str:
    """The one method for every series: the lowest valid OWA among those that forecast every series."""
    ranked = {name: entry["owa"] for name, entry in valid_summary.items() if entry["owa"] is not None}
    return min(ranked, key=ranked.get)


def owa(smape: float, mase: float, reference: dict) -> float:
    """M4's overall weighted average: half the sMAPE and half the MASE relative to Naive2's, on the set's means."""
    return 0.5 * (smape / reference["smape"] + mase / reference["mase"])


def panel_metrics(
    blocks: dict[str, PanelBlock], window_scales: dict[str, np.ndarray], ids: tuple[str, ...], seed: int
) -> tuple[dict, dict[str, dict]]:
    """A fold's figures across series: every method's M4 measures on valid and test, the one method chosen on valid
    for every series, the per-series choice, and the test of the network against the best baseline across series;
    then each block's per-series scores."""
    scores = {block: series_scores(blocks[block], window_scales[block], len(ids)) for block in blocks}
    return scored_metrics(scores, blocks["test"], ids, seed), scores


def scored_metrics(
    scores: dict[str, dict[str, dict[str, np.ndarray]]], test_block: PanelBlock, ids: tuple[str, ...], seed: int
) -> dict:
    """panel_metrics from each block's per-series scores and the test block's windows alone: a stage with millions of
    windows scores its valid block and lets it go before it forecasts the test block."""
    summary = {block: aggregates(scores[block]) for block in scores}
    chosen = select(summary["valid"])
    rival = select({name: entry for name, entry in summary["valid"].items() if name != NETWORK})
    choice, choices = per_series_choice(scores["valid"], scores["test"])
    choice_smape, choice_mase = float(np.nanmean(choice["smape"])), float(np.nanmean(choice["mase"]))
    test = summary["test"]
    return {
        "series": len(ids),
        "valid": summary["valid"],
        "test": test,
        "selected": {
            "method": chosen,
            "rule": "the lowest valid OWA among the methods that forecast every series",
            "valid_owa": summary["valid"][chosen]["owa"],
            "test": test[chosen],
        },
        "best_baseline": {"valid": rival},
        "per_series_choice": {
            "rule": "each series' method with the lowest valid MAE",
            "test": {"smape": choice_smape, "mase": choice_mase, "owa": owa(choice_smape, choice_mase, test[NAIVE2])},
            "methods_chosen": {str(name): int((choices == name).sum()) for name in dict.fromkeys(choices.tolist())},
            "beats_one_method_on_test": bool(owa(choice_smape, choice_mase, test[NAIVE2]) < test[chosen]["owa"]),
        },
        "significance": across_series(scores["test"], test_block, rival, seed),
    }


def pooled_block(arrays: list[dict[str, np.ndarray]]) -> tuple[PanelBlock, np.ndarray]:
    """Every fold's windows of one block as one (origins of different folds never coincide), with their MASE scales."""
    names = [key.removeprefix("forecast_") for key in arrays[0] if key.startswith("forecast_")]
    block = PanelBlock(
        np.concatenate([part["rows"] for part in arrays]),
        np.concatenate([part["series"] for part in arrays]),
        np.concatenate([part["actual"] for part in arrays]),
        {name: np.concatenate([part[f"forecast_{name}"] for part in arrays]) for name in names},
    )
    return block, np.concatenate([part["mase_scale"] for part in arrays])


def series_table(scores: dict[str, dict[str, dict[str, np.ndarray]]], ids: tuple[str, ...]) -> pd.DataFrame:
    """reports/series_metrics.csv: one row per series, block and method, with its MAE, RMSE, sMAPE, MASE and rel_mae."""
    parts = []
    for block, methods in scores.items():
        for name, metrics in methods.items():
            parts.append(pd.DataFrame({"id": ids, "block": block, "method": name, **metrics}))
    return pd.concat(parts, ignore_index=True)


def panel_predictions(block: PanelBlock, ids: tuple[str, ...], timestamps: np.ndarray) -> pd.DataFrame:
    """The test forecasts, one row per series, origin and lead, in the series' own units."""
    horizon = block.rows.shape[1]
    table = pd.DataFrame(
        {
            "id": np.repeat(np.array(ids, dtype=object)[block.series], horizon),
            "origin": np.repeat(timestamps[block.rows[:, 0] - 1], horizon),
            "timestamp": timestamps[block.rows.ravel()],
            "lead": np.tile(np.arange(1, horizon + 1), len(block.rows)),
            "actual": block.actual.ravel(),
        }
    )
    for name, forecast in block.forecasts.items():
        table[name] = forecast.ravel()
    return table


def panel_leads(block: PanelBlock, window_scales: np.ndarray) -> pd.DataFrame:
    """Each method's mean sMAPE and MASE at each lead time, over every test window of every series."""
    table = pd.DataFrame({"lead": np.arange(1, block.rows.shape[1] + 1)})
    usable = window_scales > 0
    for name, forecast in block.forecasts.items():
        error = np.abs(block.actual - forecast)
        denominator = np.abs(block.actual) + np.abs(forecast)
        with np.errstate(invalid="ignore", divide="ignore"):
            table[f"{name}_smape"] = np.nanmean(200 * np.where(denominator > 0, error / denominator, 0.0), axis=0)
            table[f"{name}_mase"] = np.nanmean(error[usable] / window_scales[usable, None], axis=0)
    return table
