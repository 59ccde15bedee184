"""The checks of a fold of many series, from its figures across series: leaks, the reference, chance.

Each check has the fields of a one-series check (value, threshold, verdict, explanation,
suggestion), so the pool stage and a reader treat both alike.
"""

from __future__ import annotations

from honest_forecast.names import NETWORK
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


def panel_diagnostics(metrics: dict) -> dict:
    """The checks with the counts a fold's diagnostics.json carries (problems for the selected method: the network's
    own checks count only when it is the one selected)."""
    checks = panel_checks(metrics)
    problems = sum(check["verdict"] == "problem" for check in checks.values())
    selected = metrics["selected"]["method"] == NETWORK
    return {
        "problems": problems,
        "warnings": sum(check["verdict"] == "warning" for check in checks.values()),
        "problems_for_selected": problems if selected else int(checks["leakage"]["verdict"] == "problem"),
        "checks": checks,
    }
