"""The checks of a fold of many series, from its figures across series: leaks, the reference, chance.

Each check has the fields of a one-series check (value, threshold, verdict, explanation,
suggestion), so the pool stage and a reader treat both alike.
"""

from __future__ import annotations

import numpy as np

from honest_forecast.names import NETWORK
from honest_forecast.scoring.panel import PanelBlock
from honest_forecast.scoring.significance import WORSE

SEVERITY = {"ok": 0, "warning": 1, "problem": 2}


def _check(value: float, threshold: str, verdict: str, explanation: str, suggestion: str = "") -> dict:
    return {
        "value": value,
        "threshold": threshold,
        "verdict": verdict,
        "explanation": explanation,
        "suggestion": suggestion,
        "subject": "pipeline" if verdict != "ok" or "leak" in threshold else "model",
        "severity": SEVERITY[verdict],
    }


def panel_checks(metrics: dict) -> dict[str, dict]:
    checks = {}
    audit = metrics["audit"]
    checks["leakage"] = _check(
        float(not audit["leak_free"]),
        "every series leak-free (leak checks per series, no window across two series)",
        "ok" if audit["leak_free"] else "problem",
        f"{audit['series_leak_free']} of {metrics['series']} series pass every leak check of the windows audit.",
        "" if audit["leak_free"] else "see data/windows/<fold>/audit.json: series_not_leak_free",
    )
    network = metrics["valid"][NETWORK]["owa"]
    checks["beats_naive2"] = _check(
        network,
        "network's valid OWA < 1 (Naive2 is 1)",
        "ok" if network < 1 else "warning",
        f"On valid the network's OWA is {network:.3f}: "
        + ("better than M4's seasonally adjusted naive." if network < 1 else "no better than M4's seasonally adjusted naive."),
        "" if network < 1 else "use the method the report selects; the network does not earn its cost here",
    )
    tested = metrics["significance"]
    per_series = tested["per_series"]
    worse_overall = tested["verdict"] == WORSE
    checks["across_series"] = _check(
        tested["wilcoxon_p"],
        f"the network not significantly worse than {tested['rival']} across series (Wilcoxon, 5 %)",
        "problem" if worse_overall else "ok",
        f"Across {tested['series']} series the network is {tested['verdict']} {tested['rival']} (Wilcoxon signed-rank "
        f"p = {tested['wilcoxon_p']:.3g}; mean MASE ratio {tested['mean_mase_ratio']:.3f}, 95 % over series "
        f"{tested['mean_mase_ratio_95']['low']:.3f} to {tested['mean_mase_ratio_95']['high']:.3f}).",
        f"use {tested['rival']}" if worse_overall else "",
    )
    chance = per_series["expected_by_chance_each_way"]
    many_worse = per_series["tested"] > 0 and per_series["significantly_worse"] > 2 * max(chance, 1)
    checks["series_worse"] = _check(
        float(per_series["significantly_worse"]),
        f"series where the network is significantly worse than {tested['rival']}, against about {chance:g} by chance",
        "warning" if many_worse else "ok",
        f"On {per_series['significantly_worse']} of the {per_series['tested']} series with enough test windows the "
        f"network is significantly worse (Diebold-Mariano, 5 %), and better on {per_series['significantly_better']}; "
        f"about {chance:g} each way would be expected by chance alone. {per_series['untested']} series were not "
        f"tested: {per_series['untested_because']}.",
        "see reports/series_metrics.csv for the series where it loses" if many_worse else "",
    )
    return checks


WORST_NAMED = 5
SERIES_WARNING_SHARE = 0.1  # a per-series verdict raised on more than a tenth of the series is a warning
FLAT_RATIO = 0.9  # as the one-series collapse_to_mean check: forecasts less varied than the truth by more than this
OUT_OF_RANGE_SHARE = 0.01  # as out_of_training_range: more than 1 % of a series' test targets outside its train range


def _counted(
    name_of: np.ndarray, raised: np.ndarray, order: np.ndarray, what: str, threshold: str, subject: str, suggestion: str
) -> dict:
    """A per-series verdict summed up: on how many series it is raised, the worst of them named."""
    count, total = int(raised.sum()), len(raised)
    worst = [str(name) for name in name_of[order][raised[order]]][:WORST_NAMED]
    verdict = "warning" if count > SERIES_WARNING_SHARE * total else "ok"
    named = f" The worst: {', '.join(worst)}." if worst else ""
    check = _check(
        float(count), threshold, verdict, f"On {count} of {total} series {what}.{named}", suggestion if verdict != "ok" else ""
    )
    return {**check, "subject": subject, "series": count, "share": count / max(total, 1), "worst": worst}


def series_checks(
    test: dict[str, dict[str, np.ndarray]], block: PanelBlock, ids: tuple[str, ...], train_ranges: np.ndarray
) -> dict[str, dict]:
    """Checks of one series made on each series' own test windows, summed up over series.

    ``test`` holds each method's per-series test scores, ``block`` the test windows, ``train_ranges``
    each series' (min, max) over its train block.
    """
    names = np.array(ids, dtype=object)
    checks = {}
    rel_mae = test[NETWORK]["rel_mae"]
    known = np.isfinite(rel_mae)
    checks["series_no_better_than_persistence"] = _counted(
        names[known],
        rel_mae[known] >= 1,
        np.argsort(-rel_mae[known], kind="stable"),
        "the network's test MAE is no lower than repeating the last value's",
        f"series with network rel_mae >= 1, a warning above {SERIES_WARNING_SHARE:.0%} of them",
        "model",
        "see reports/series_metrics.csv; the method the report selects may serve those series better",
    )
    count = len(ids)
    forecast, actual = block.forecasts[NETWORK], block.actual
    spread, truth, outside = np.full(count, np.nan), np.full(count, np.nan), np.zeros(count)
    order = np.argsort(block.series, kind="stable")  # each series' windows in their own order, found once
    present, firsts = np.unique(block.series[order], return_index=True)
    for at, rows in zip(present, np.split(order, firsts[1:]) if order.size else [], strict=True):
        points, (low, high) = actual[rows], train_ranges[at]
        spread[at], truth[at] = np.nanstd(forecast[rows]), np.nanstd(points)
        outside[at] = np.mean((points < low) | (points > high))
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = spread / truth
    known = np.isfinite(ratio)
    checks["series_collapse_to_mean"] = _counted(
        names[known],
        ratio[known] < FLAT_RATIO,
        np.argsort(ratio[known], kind="stable"),
        f"the network's test forecasts vary less than {FLAT_RATIO:.0%} as much as the actual values (a flat forecast)",
        f"series with forecast std / actual std < {FLAT_RATIO}, a warning above {SERIES_WARNING_SHARE:.0%} of them",
        "model",
        "more epochs, or level_norm: true; compare with the baselines in reports/series_metrics.csv",
    )
    checks["series_out_of_training_range"] = _counted(
        names,
        outside > OUT_OF_RANGE_SHARE,
        np.argsort(-outside, kind="stable"),
        f"more than {OUT_OF_RANGE_SHARE:.0%} of the test targets lie outside the series' own train range",
        f"series with more than {OUT_OF_RANGE_SHARE:.0%} of test targets outside their train range, a warning above "
        f"{SERIES_WARNING_SHARE:.0%} of them",
        "data",
        "target: delta and level_norm: true let a network follow a level it has not seen",
    )
    return checks


def panel_diagnostics(metrics: dict, per_series: dict[str, dict] | None = None) -> dict:
    """The checks with the counts a fold's diagnostics.json carries (problems for the selected method: the network's
    own checks count only when it is the one selected); ``per_series`` are :func:`series_checks`."""
    checks = panel_checks(metrics) | (per_series or {})
    problems = sum(check["verdict"] == "problem" for check in checks.values())
    selected = metrics["selected"]["method"] == NETWORK
    return {
        "problems": problems,
        "warnings": sum(check["verdict"] == "warning" for check in checks.values()),
        "problems_for_selected": problems if selected else int(checks["leakage"]["verdict"] == "problem"),
        "checks": checks,
    }
