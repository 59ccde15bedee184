"""The report of many series: the M4 aggregates, the choice, the test across series, and how skill spreads over series.

Every figure reads per-series scores (reports/series_metrics.csv) or each series' own test
windows, never a pooled error in mixed units: across series errors are compared only in each
series' own scale (MASE, or a ratio of one method's error to another's on the same series).
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from honest_forecast.names import METHODS, NAIVE2, NETWORK
from honest_forecast.paths import (
    FORECAST_IMAGE,
    FORECAST_IMAGE_FUTURE,
    LEADS_IMAGE,
    LOSS_IMAGE,
    MIMICRY_IMAGE,
    RESIDUALS_IMAGE,
    SCATTER_IMAGE,
    SKILL_IMAGE,
    WEEK_IMAGE,
)
from honest_forecast.reporting.figures import SMALL_MULTIPLES
from honest_forecast.reporting.tables import diagnostics_table, lead_errors_table, shown_leads

SHOWN_EACH_WAY = SMALL_MULTIPLES // 2  # the worst and the best series in the small multiples
PANEL_METHODS = (*METHODS, NAIVE2)


def series_skill(series_metrics: pd.DataFrame, rival: str) -> pd.DataFrame:
    """Per series on test: the network's, ``rival``'s and persistence's MASE, and the network's skill against ``rival``
    (1 - MASE ratio: above zero the network is better on that series), by id; series where either lacks a score left out."""
    test = series_metrics[series_metrics["block"] == "test"]
    mase = test.pivot_table(index="id", columns="method", values="mase", aggfunc="first")
    table = pd.DataFrame({"network": mase[NETWORK], "rival": mase[rival], "persistence": mase["persistence"]}).dropna()
    table = table[table["rival"] > 0]
    table["skill"] = 1 - table["network"] / table["rival"]
    return table.sort_values("skill", kind="stable")


def skill_distribution_figure(skill: pd.DataFrame, rival: str) -> plt.Figure:
    """The spread over series of the network's skill against the best baseline: where its mean hides losers."""
    figure, axis = plt.subplots(figsize=(8, 4.2))
    values = skill["skill"].clip(-1, 1)
    axis.hist(values, bins=40, color="tab:blue", alpha=0.8)
    axis.axvline(0, color="black", linewidth=0.9)
    median = float(skill["skill"].median())
    axis.axvline(median, color="tab:red", linestyle="--", linewidth=1.1, label=f"median {median:.3f}")
    share = float((skill["skill"] > 0).mean())
    axis.set_xlabel(f"skill = 1 - MASE(network) / MASE({rival}) per series (clipped to -1..1)")
    axis.set_ylabel("series")
    axis.set_title(f"Test: the network beats {rival} on {share:.0%} of {len(skill)} series")
    axis.legend()
    axis.grid(alpha=0.3)
    figure.tight_layout()
    return figure


def series_path(predictions: pd.DataFrame, name: str) -> pd.DataFrame:
    """A series' test forecasts to draw: lead 1 over its test block where it has more origins than the horizon, else
    the path from its first test origin (the M4 protocol has one)."""
    mine = predictions[predictions["id"].astype(str) == str(name)]
    horizon = int(mine["lead"].max())
    if mine["origin"].nunique() > horizon:
        return mine[mine["lead"] == 1]
    return mine[mine["origin"] == mine["origin"].iloc[0]]


def series_multiples_figure(predictions: pd.DataFrame, skill: pd.DataFrame, names: list, rival: str, title: str) -> plt.Figure:
    """Small multiples of some series' test forecasts: actual, network and ``rival``, each titled with its skill."""
    figure, axes = plt.subplots(2, 3, figsize=(13, 6), squeeze=False)
    for axis, name in zip(axes.ravel(), names, strict=False):
        path = series_path(predictions, name)
        steps = np.arange(len(path))
        axis.plot(steps, path["actual"], color="black", linewidth=1.0, label="actual")
        axis.plot(steps, path[NETWORK], color="tab:red", linewidth=1.0, label="network")
        axis.plot(steps, path[rival], color="tab:blue", linewidth=0.9, linestyle="--", label=rival)
        axis.set_title(f"{name}: skill {skill.loc[name, 'skill']:.2f}", fontsize=9)
        axis.set_xlabel("steps into the test block", fontsize=8)
        axis.grid(alpha=0.3)
    for axis in axes.ravel()[len(names) :]:
        axis.set_visible(False)
    axes.ravel()[0].legend(fontsize=8)
    figure.suptitle(title)
    figure.tight_layout()
    return figure


def worst_and_best(skill: pd.DataFrame) -> list:
    """The series where the network does worst against the best baseline, then those where it does best."""
    ids = skill.index.tolist()
    if len(ids) <= 2 * SHOWN_EACH_WAY:
        return ids
    return [*ids[:SHOWN_EACH_WAY], *ids[-SHOWN_EACH_WAY:]]


def typical(skill: pd.DataFrame) -> list:
    """The series whose skill is nearest the median: what the network does on an ordinary series."""
    middle = len(skill) // 2
    lo = max(0, middle - SMALL_MULTIPLES // 2)
    return skill.index[lo : lo + SMALL_MULTIPLES].tolist()


def mase_scatter_figure(skill: pd.DataFrame, other: str, label: str, title: str) -> plt.Figure:
    """Each series' test MASE, network against another method, on log axes: below the diagonal the network is better."""
    figure, axis = plt.subplots(figsize=(5.5, 5.5))
    axis.scatter(skill[other], skill["network"], s=6, alpha=0.5, color="tab:red")
    low = max(float(min(skill[other].min(), skill["network"].min())), 1e-3)
    high = float(max(skill[other].max(), skill["network"].max()))
    axis.plot([low, high], [low, high], color="black", linewidth=0.8)
    axis.set_xscale("log")
    axis.set_yscale("log")
    axis.set_xlabel(f"MASE of {label} per series")
    axis.set_ylabel("MASE of the network per series")
    axis.set_title(title, fontsize=10)
    axis.grid(alpha=0.3)
    figure.tight_layout()
    return figure


def scaled_residuals_figure(predictions: pd.DataFrame, skill: pd.DataFrame, rival: str) -> plt.Figure:
    """Test residuals of the network and ``rival``, each in units of its series' persistence test MAE (series of
    different units made comparable)."""
    persistence_mae = (predictions["persistence"] - predictions["actual"]).abs().groupby(predictions["id"]).transform("mean")
    scale = persistence_mae.where(persistence_mae > 0)
    figure, axis = plt.subplots(figsize=(7, 4.2))
    for name, color in ((NETWORK, "tab:red"), (rival, "tab:blue")):
        residual = ((predictions[name] - predictions["actual"]) / scale).dropna().clip(-5, 5)
        axis.hist(residual, bins=80, alpha=0.5, color=color, label="network" if name == NETWORK else name)
    axis.set_xlabel("(forecast - actual) / the series' persistence test MAE (clipped to -5..5)")
    axis.set_ylabel("test points")
    axis.set_title(f"Test residuals across {len(skill)} series, each in its own scale")
    axis.legend()
    axis.grid(alpha=0.3)
    figure.tight_layout()
    return figure


def mase_lead_figure(leads: pd.DataFrame) -> plt.Figure:
    """Mean MASE against lead time for every method, over every test window of every series."""
    figure, axis = plt.subplots(figsize=(9, 4.5))
    for method in PANEL_METHODS:
        if f"{method}_mase" in leads:
            style = {"color": "tab:red", "linewidth": 2.2} if method == NETWORK else {"linewidth": 1.0}
            axis.plot(leads["lead"], leads[f"{method}_mase"], marker="." if len(leads) < 30 else None, label=method, **style)
    axis.set_xlabel("lead time (steps ahead)")
    axis.set_ylabel("mean MASE over series' windows")
    axis.set_title("Test block: error against lead time")
    axis.legend(ncol=3, fontsize=8)
    axis.grid(alpha=0.3)
    figure.tight_layout()
    return figure


def panel_figures(predictions: pd.DataFrame, skill: pd.DataFrame, leads: pd.DataFrame, rival: str) -> dict:
    """Every image a panel's report shows, by the path the report stage declares it under."""
    return {
        FORECAST_IMAGE: series_multiples_figure(
            predictions,
            skill,
            worst_and_best(skill),
            rival,
            f"Test: the series where the network does worst, then best, against {rival}",
        ),
        WEEK_IMAGE: series_multiples_figure(
            predictions, skill, typical(skill), rival, "Test: the series nearest the median skill"
        ),
        MIMICRY_IMAGE: mase_scatter_figure(
            skill, "persistence", "persistence", "Persistence mimicry: on the diagonal the network does what the last value does"
        ),
        SCATTER_IMAGE: mase_scatter_figure(skill, "rival", rival, f"Each series' test MASE: the network against {rival}"),
        RESIDUALS_IMAGE: scaled_residuals_figure(predictions, skill, rival),
        SKILL_IMAGE: skill_distribution_figure(skill, rival),
        LEADS_IMAGE: mase_lead_figure(leads),
    }


def penalty_share(history_dir: Path) -> float:
    """The L2 penalty's share of the last epoch's training loss, from the training history (loss and data MSE)."""
    loss, mse = (pd.read_csv(history_dir / "train" / f"{name}.tsv", sep="\t")[name].iloc[-1] for name in ("loss", "mse"))
    return float(1 - mse / loss) if loss > 0 else 0.0


def aggregates_table(block: dict) -> str:
    """Markdown: one row per method with the M4 measures across series, the best of each column in bold."""
    methods = [m for m in PANEL_METHODS if m in block]
    columns = ("smape", "mase", "owa", "best_on_share")
    best = {c: min((block[m][c] for m in methods if block[m][c] is not None), default=None) for c in columns[:3]}
    best["best_on_share"] = max((block[m]["best_on_share"] or 0 for m in methods), default=None)
    lines = ["| method | series | mean sMAPE % | mean MASE | OWA | best on |", "|---|---|---|---|---|---|"]
    for method in methods:
        cells = []
        for column in columns:
            value = block[method][column]
            if value is None:
                cells.append("n/a")
                continue
            text = f"{value:.1%}" if column == "best_on_share" else f"{value:.3f}"
            cells.append(f"**{text}**" if value == best[column] else text)
        lines.append(f"| {method} | {block[method]['series']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def panel_recommendation(metrics: dict) -> str:
    selected, choice = metrics["selected"], metrics["per_series_choice"]
    chosen, test = selected["method"], metrics["test"]
    network = "the network (model)" if chosen == NETWORK else chosen
    return (
        f"**Use {network} for every series**: it has the lowest valid OWA ({selected['valid_owa']:.3f}) of the methods that "
        f"forecast every series; on test its OWA is {selected['test']['owa']:.3f} (the network's {test[NETWORK]['owa']:.3f}, "
        f"Naive2's 1). Each series' own choice on valid ({choice['rule']}) reaches a test OWA of {choice['test']['owa']:.3f}: "
        + (
            "it beats the one method on test."
            if choice["beats_one_method_on_test"]
            else "no better than the one method, so keep one."
        )
    )


def significance_text(tested: dict) -> str:
    per_series = tested["per_series"]
    return (
        f"Across {tested['series']} series the network is **{tested['verdict']}** {tested['rival']}, the best baseline on "
        f"valid (Wilcoxon signed-rank test on the paired per-series test MASE: p = {tested['wilcoxon_p']:.3g}; mean MASE "
        f"ratio {tested['mean_mase_ratio']:.3f}, 95 % bootstrap over series {tested['mean_mase_ratio_95']['low']:.3f} to "
        f"{tested['mean_mase_ratio_95']['high']:.3f}). Series by series (Diebold-Mariano, 5 %) it is significantly worse on "
        f"{per_series['significantly_worse']} and better on {per_series['significantly_better']} of the "
        f"{per_series['tested']} series with enough test windows, against about {per_series['expected_by_chance_each_way']:g} "
        f"each way by chance alone; {per_series['untested']} untested ({per_series['untested_because']})."
    )


def panel_forecast_section(forecast: pd.DataFrame, about: dict) -> list[str]:
    recommended = about["recommended"]
    first = forecast[(forecast["method"] == recommended) & (forecast["id"] == forecast["id"].iloc[0])]
    coverage = about["intervals"]["backtest_coverage"][recommended]
    covered = ", ".join(f"{key} %: {entry['test']:.1%}" for key, entry in coverage.items())
    skipped = (
        f" {about['not_forecast']} series are not forecast (reports/forecast.json names them and why)."
        if about["not_forecast"]
        else ""
    )
    lines = [
        "## The forecast past each series' last row",
        "",
        f"`reports/forecast.csv` holds {about['horizon']} step(s) after each series' last row for {about['series_forecast']} "
        f"of {about['series']} series, with {', '.join(about['methods'])}: one row per series, lead and method, with the "
        f"intervals. Nothing is refit.{skipped} The intervals pool the backtest's errors across series, each in its series' "
        f"MASE scale; calibrated on valid alone they covered, on test, {covered} ({recommended}).",
        "",
        f"The first series, `{first['id'].iloc[0]}`, with {recommended}:",
        "",
        *forecast_rows(first),
        "",
        f"![forecast past the last row]({FORECAST_IMAGE_FUTURE.name})",
        "",
    ]
    return lines


def forecast_rows(rows: pd.DataFrame) -> list[str]:
    """Markdown: one series' forecast at the shown leads, with its intervals."""
    levels = [column.removeprefix("lower_") for column in rows if column.startswith("lower_")]
    lines = ["| lead | time | forecast | " + " | ".join(f"{key} % interval" for key in levels) + " |"]
    lines.append("|---:|---|---:|" + "---|" * len(levels))
    for index in (lead - 1 for lead in shown_leads(len(rows))):
        row = rows.iloc[index]
        bounds = " | ".join(f"{row[f'lower_{key}']:.4g} to {row[f'upper_{key}']:.4g}" for key in levels)
        lines.append(f"| {row['lead']} | {row['timestamp']} | {row['point']:.4g} | {bounds} |")
    return lines


def render_panel_report(
    metrics: dict, diagnostics: dict, audit: dict, summary: dict, leads: pd.DataFrame, forecast: pd.DataFrame, about: dict
) -> str:
    series = summary["series"]
    skipped = len(series["skipped"])
    left_out = f"; {skipped} left out as too short (data/interim/summary.json names them)" if skipped else ""
    leak = "no leakage found" if metrics["audit"]["leak_free"] else "**LEAKAGE: see data/windows/*/audit.json**"
    return "\n".join(
        [
            f"# Forecast report: {metrics['series']} series",
            "",
            panel_recommendation(metrics),
            "",
            significance_text(metrics["significance"]),
            "",
            *panel_forecast_section(forecast, about),
            f"## Verdicts: {diagnostics['problems']} problem(s), {diagnostics['warnings']} warning(s)",
            "",
            diagnostics_table(diagnostics),
            "",
            "## Summary",
            "",
            f"`{summary['source']}`: {metrics['series']} series{left_out}. Every series split, scaled and windowed on its "
            f"own (window {audit['window']}, horizon {audit['horizon']}, blocks by {audit['split']}); one network trained on "
            f"the windows of all; every baseline fit per series. Windows audit: {leak}. Naive2 found "
            f"{metrics['naive2_seasonal_series']} series seasonal (M4's 90 % autocorrelation test).",
            "",
            "## Test block, across series",
            "",
            aggregates_table(metrics["test"]),
            "",
            "Means over series of each series' own sMAPE and MASE (M4's measures; MASE scaled by the series' in-sample "
            "seasonal-naive MAE on its train block); OWA = ½ (sMAPE / Naive2's + MASE / Naive2's); best on: the share of "
            "series on which the method has the lowest test MAE. Per series: reports/series_metrics.csv.",
            "",
            f"![skill per series]({SKILL_IMAGE.name})",
            "",
            f"![worst and best series]({FORECAST_IMAGE.name})",
            "",
            f"![typical series]({WEEK_IMAGE.name})",
            "",
            "## Error against lead time (test, mean MASE)",
            "",
            lead_errors_table(leads, "mase", PANEL_METHODS, 3),
            "",
            f"![error against lead time]({LEADS_IMAGE.name})",
            "",
            "## Valid block, across series",
            "",
            aggregates_table(metrics["valid"]),
            "",
            "## Images",
            "",
            f"![network against the best baseline]({SCATTER_IMAGE.name}) ![persistence mimicry]({MIMICRY_IMAGE.name})",
            "",
            f"![residuals]({RESIDUALS_IMAGE.name}) ![loss]({LOSS_IMAGE.name})",
            "",
        ]
    )
