"""Stage report: images and a markdown report, model against every baseline, in original units.

Images are rendered with matplotlib so the report reads offline; the same files are
declared as DVC plots for `dvc plots diff`.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd

from stages.baselines import NAMES as SIMPLE_BASELINES
from stages.baselines import STATISTICAL_NAMES as STATISTICAL_BASELINES
from stages.common import atomic_path, read_json, run_stage, write_text
from stages.params import Params, load_params
from stages.paths import (
    DIAGNOSTICS_FILE,
    FORECAST_IMAGE,
    LEADS_FILE,
    LEADS_IMAGE,
    LOSS_IMAGE,
    METRICS_FILE,
    MIMICRY_IMAGE,
    PREDICTIONS_FILE,
    REPORT_FILE,
    RESIDUALS_IMAGE,
    SCATTER_IMAGE,
    SKILL_IMAGE,
    SUMMARY_FILE,
    WEEK_IMAGE,
    fold_paths,
)
from stages.selection import NETWORK, best_baseline

BASELINES = (*SIMPLE_BASELINES, *STATISTICAL_BASELINES)
METHODS = (NETWORK, *BASELINES)
VERDICT_MARKS = {"ok": "ok", "warning": "WARNING", "problem": "**PROBLEM**"}
METRIC_NAMES = ("mae", "rmse", "smape", "mase", "rel_mae")


def save_figure(figure: plt.Figure, path: Path) -> None:
    with atomic_path(path) as tmp:
        figure.savefig(tmp, format="png", dpi=110, metadata={"Software": None})
    plt.close(figure)


def time_axis(table: pd.DataFrame) -> pd.Series:
    """Timestamps as dates, or the integer index as it is (years, step counters)."""
    stamps = table["timestamp"]
    return stamps if pd.api.types.is_integer_dtype(stamps) else pd.to_datetime(stamps)


def widest_band(table: pd.DataFrame) -> str | None:
    """The level of the widest interval whose bounds the predictions table holds ("95"), if any."""
    levels = [column.removeprefix(f"{NETWORK}_").removesuffix("_lower") for column in table if column.endswith("_lower")]
    return max(levels, key=float, default=None)


def forecast_figure(table: pd.DataFrame, title: str, unit: str, previous_label: str = "persistence (last value)") -> plt.Figure:
    """Actual against model (with its widest prediction interval) and persistence, one step ahead, in time order."""
    figure, axis = plt.subplots(figsize=(12, 4.2))
    times = time_axis(table)
    band = widest_band(table)
    if band:
        lower, upper = table[f"{NETWORK}_{band}_lower"], table[f"{NETWORK}_{band}_upper"]
        axis.fill_between(times, lower, upper, color="tab:red", alpha=0.15, linewidth=0, label=f"model {band} % interval")
    axis.plot(times, table["actual"], color="black", linewidth=1.1, label="actual")
    axis.plot(times, table["persistence"], color="tab:gray", linewidth=0.9, linestyle="--", label=previous_label)
    axis.plot(times, table["model"], color="tab:red", linewidth=0.9, label="model")
    axis.set_title(title)
    axis.set_ylabel(unit)
    axis.legend(loc="upper right")
    axis.grid(alpha=0.3)
    figure.autofmt_xdate()
    figure.tight_layout()
    return figure


def loss_figure(loss_dir: Path, penalty_share: float) -> plt.Figure:
    """Train and valid data loss (MSE, scaled units) per epoch, and the total loss with any penalty."""
    figure, axis = plt.subplots(figsize=(8, 4.2))
    for split, style in (("train", "-"), ("valid", "--")):
        for name, color, width in (("mse", "tab:blue", 2.6), ("loss", "tab:orange", 1.0)):
            path = loss_dir / split / f"{name}.tsv"
            if path.exists():
                curve = pd.read_csv(path, sep="\t")
                label = f"{split} {'data MSE' if name == 'mse' else 'loss incl. penalty'}"
                axis.plot(curve["step"] + 1, curve[name], linestyle=style, color=color, linewidth=width, label=label)
    axis.set_yscale("log")
    axis.set_xlabel("epoch")
    axis.set_ylabel("scaled units (log)")
    axis.set_title(f"Training history (L2 penalty: {penalty_share:.0%} of the final training loss)")
    axis.legend()
    axis.grid(alpha=0.3)
    figure.tight_layout()
    return figure


def scatter_figure(table: pd.DataFrame, unit: str) -> plt.Figure:
    figure, axis = plt.subplots(figsize=(5.5, 5.5))
    axis.scatter(table["actual"], table["model"], s=3, alpha=0.4, color="tab:red")
    low, high = table["actual"].min(), table["actual"].max()
    axis.plot([low, high], [low, high], color="black", linewidth=0.8)
    axis.set_xlabel(f"actual ({unit})")
    axis.set_ylabel(f"model ({unit})")
    axis.set_title("Test block: forecast against actual")
    axis.grid(alpha=0.3)
    figure.tight_layout()
    return figure


def residuals_figure(table: pd.DataFrame, unit: str) -> plt.Figure:
    figure, axis = plt.subplots(figsize=(7, 4.2))
    for name, color in (("model", "tab:red"), ("persistence", "tab:gray")):
        axis.hist(table[name] - table["actual"], bins=80, alpha=0.55, color=color, label=name)
    axis.set_xlabel(f"forecast - actual ({unit})")
    axis.set_ylabel("count")
    axis.set_title("Test block residuals")
    axis.legend()
    axis.grid(alpha=0.3)
    figure.tight_layout()
    return figure


def skill_figure(test: dict) -> plt.Figure:
    """1 - MSE(model) / MSE(baseline) per baseline on test: bars below zero lose to the baseline."""
    skills = {name: 1 - (test[NETWORK]["rmse"] / test[name]["rmse"]) ** 2 for name in BASELINES if name in test}
    figure, axis = plt.subplots(figsize=(8, 3.6))
    names = list(skills)
    values = [skills[name] for name in names]
    axis.bar(names, values, color=["tab:green" if v > 0 else "tab:red" for v in values])
    axis.axhline(0, color="black", linewidth=0.8)
    axis.set_ylabel("skill (1 - MSE ratio)")
    axis.set_title("Model skill against each baseline (test)")
    axis.grid(alpha=0.3, axis="y")
    figure.tight_layout()
    return figure


def lead_figure(leads: pd.DataFrame, unit: str) -> plt.Figure:
    """MAE against lead time for every method: how fast each forecast degrades."""
    figure, axis = plt.subplots(figsize=(9, 4.5))
    for method in METHODS:
        if f"{method}_mae" in leads:
            style = {"color": "tab:red", "linewidth": 2.2} if method == NETWORK else {"linewidth": 1.0}
            axis.plot(leads["lead"], leads[f"{method}_mae"], marker="." if len(leads) < 30 else None, label=method, **style)
    axis.set_xlabel("lead time (steps ahead)")
    axis.set_ylabel(f"MAE ({unit})")
    axis.set_title("Test block: error against lead time")
    axis.legend(ncol=3, fontsize=8)
    axis.grid(alpha=0.3)
    figure.tight_layout()
    return figure


def shown_leads(horizon: int) -> list[int]:
    """Every lead up to 12; beyond that 1, 2, 3, 6, 12, ... doubling, and the last."""
    if horizon <= 12:
        return list(range(1, horizon + 1))
    leads, lead = [1, 2, 3], 6
    while lead < horizon:
        leads.append(lead)
        lead *= 2
    return [*leads, horizon]


def lead_errors_table(leads: pd.DataFrame) -> str:
    """Markdown: MAE per method (rows) at selected lead times (columns), the best of each column in bold."""
    chosen = leads[leads["lead"].isin(shown_leads(int(leads["lead"].max())))]
    methods = [m for m in METHODS if f"{m}_mae" in leads]
    lines = ["| method | " + " | ".join(f"lead {lead}" for lead in chosen["lead"]) + " |", "|---" * (len(chosen) + 1) + "|"]
    best = chosen[[f"{m}_mae" for m in methods]].min(axis=1).to_numpy()
    for method in methods:
        values = chosen[f"{method}_mae"].to_numpy()
        cells = [f"**{value:.4f}**" if value == low else f"{value:.4f}" for value, low in zip(values, best, strict=True)]
        lines.append(f"| {method} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def intervals_table(intervals: dict) -> str:
    lines = ["| method | level | test coverage | mean width |", "|---|---|---|---|"]
    for method, levels in intervals.items():
        for level, stats in levels.items():
            lines.append(f"| {method} | {level} % | {stats['coverage']:.1%} | {stats['width']:.4g} |")
    return "\n".join(lines)


def folds_section(folds: dict) -> list[str]:
    """With several folds: one row per fold (test rows, the network's scores, the choice, the test verdict)."""
    if folds["count"] == 1:
        return []
    lines = [
        f"## Folds: {folds['count']} successive test blocks",
        "",
        "| fold | test rows | leak-free | network MAE | network rel_mae | selected on valid | network vs best baseline (p) |",
        "|---|---|---|---|---|---|---|",
    ]
    for fold, row in folds["per_fold"].items():
        lines.append(
            f"| {fold} | {row['test_rows'][0]}-{row['test_rows'][1]} | {row['leak_free']} | {row['model_mae']:.4f} | "
            f"{row['model_rel_mae']:.3f} | {row['selected']} | {row['verdict']} {row['rival']} ({row['p_value']:.3g}) |"
        )
    spread = folds["spread"]["model_rel_mae"]
    lines += [
        "",
        f"The network's rel_mae ranges from {spread['min']:.3f} to {spread['max']:.3f} across folds (std {spread['std']:.3f}). "
        "Fold 1 is the last test block; each fold's model, scaler, ridge and statistical baselines were fit on that "
        "fold's train rows only. The tables below pool every fold's test block.",
        "",
    ]
    return lines


def per_fold_counts(diagnostics: dict) -> list[str]:
    """With several folds the counts above add up every fold's checks; the table below is fold 1's."""
    if "per_fold" not in diagnostics:
        return []
    counts = "; ".join(
        f"fold {fold}: {row['problems']} problem(s), {row['warnings']} warning(s)"
        for fold, row in diagnostics["per_fold"].items()
    )
    where = "each fold's are in reports/folds/F/diagnostics.json"
    return [f"Counts over every fold ({counts}). The checks below are fold 1's; {where}.", ""]


def diagnostics_table(diagnostics: dict) -> str:
    lines = ["| check | verdict | value | threshold | what it means | try |", "|---|---|---|---|---|---|"]
    for name, check in diagnostics["checks"].items():
        suggestion = f"`{check['suggestion']}`" if check["suggestion"] else ""
        lines.append(
            f"| {name} | {VERDICT_MARKS[check['verdict']]} | {check['value']:.4g} | {check['threshold']} | "
            f"{check['explanation']} | {suggestion} |"
        )
    return "\n".join(lines)


def metrics_table(block_metrics: dict) -> str:
    """Markdown table: one row per method, model first, best value of each column in bold."""
    methods = [m for m in METHODS if m in block_metrics]
    best = {name: min(block_metrics[m][name] for m in methods) for name in METRIC_NAMES}
    lines = ["| method | MAE | RMSE | sMAPE % | MASE | rel_mae |", "|---|---|---|---|---|---|"]
    for method in methods:
        cells = []
        for name in METRIC_NAMES:
            value = block_metrics[method][name]
            text = f"{value:.4f}" if name != "smape" else f"{value:.3f}"
            cells.append(f"**{text}**" if value == best[name] else text)
        lines.append(f"| {method} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def recommendation(metrics: dict) -> str:
    """Which method to use, chosen on valid, and why, in one sentence."""
    selected = metrics["selected"]
    chosen, valid = selected["method"], metrics["valid"]
    if chosen == NETWORK:
        rival = selected["best_baseline"]["valid"]
        return (
            f"**Use the network (model)**: it has the lowest valid MAE; the best baseline, {rival}, is "
            f"{valid[rival]['mae'] / valid[NETWORK]['mae'] - 1:.1%} higher on valid. On test its rel_mae is "
            f"{selected['test']['rel_mae']:.3f}."
        )
    return (
        f"**Use {chosen}**: the network's valid MAE is {selected['network_gap']['valid']:.1%} higher than {chosen}'s, "
        f"so the network is not the method to use on this series (on test: rel_mae {selected['test']['rel_mae']:.3f} "
        f"for {chosen}, {metrics['test'][NETWORK]['rel_mae']:.3f} for the network)."
    )


def verdict(metrics: dict) -> str:
    """Where the network stands against the best baseline on test: a tested statement, then the point ranking."""
    test, tested = metrics["test"], metrics["significance"]
    model, rival = test[NETWORK], tested["rival"]
    absolute, squared, interval = tested["absolute"], tested["squared"], tested["model_rel_mae_95"]
    where = "On the test block" if metrics["folds"]["count"] == 1 else f"On the {metrics['folds']['count']} folds' test blocks"
    statement = (
        f"{where} the network is **{absolute['verdict']}** {rival}, the best baseline on valid "
        f"(Diebold-Mariano test with the Harvey-Leybourne-Newbold correction on absolute errors: p = {absolute['p_value']:.3g}; "
        f"on squared errors: {squared['verdict']}, p = {squared['p_value']:.3g}). "
        f"Network rel_mae {model['rel_mae']:.3f} (95 % block-bootstrap interval {interval['low']:.3f} to {interval['high']:.3f})."
    )
    baselines = [m for m in BASELINES if m in test]
    best = best_baseline(test)
    rivals = [m for m in baselines if test[m]["mae"] <= model["mae"] or test[m]["rmse"] <= model["rmse"]]
    if not rivals:
        return (
            f"{statement} On point estimates it beats every baseline on MAE and RMSE; the best on test, {best}, has a "
            f"{test[best]['mae'] / model['mae'] - 1:.1%} higher MAE."
        )
    return (
        f"{statement} On point estimates {', '.join(rivals)} match or beat it on MAE or RMSE "
        f"({best}: rel_mae {test[best]['rel_mae']:.3f})."
    )


def missing_note(summary: dict, audit: dict) -> str:
    """What the missing-value policy did: values filled, or left missing and the windows that were not cut."""
    left_out = {block: counts["windows_left_out"] for block, counts in audit.get("missing", {}).items()}
    if not summary.get("filled_values") and not summary.get("missing_values"):
        return "Missing values: none."
    parts = [f"{summary.get('filled_values', 0)} values filled (policy {summary.get('missing_policy')})"]
    if summary.get("filled_values"):
        graded = ", ".join(
            f"{block} {counts.get('filled_targets_left_out', 0)}"
            for block, counts in audit["missing"].items()
            if block != "train"
        )
        parts.append(f"a filled value is never a scored target (windows left out for them: {graded})")
    if summary.get("missing_values"):
        windows = ", ".join(f"{block} {count}" for block, count in left_out.items() if count is not None)
        parts.append(f"{summary['missing_values']} left missing, never invented; windows left out for them: {windows}")
    return "Missing values: " + "; ".join(parts) + "."


def skipped_note(metrics: dict) -> str:
    skipped = metrics.get("skipped", {})
    return " ".join(f"{name} was skipped: {reason}." for name, reason in skipped.items())


def render_report(
    metrics: dict, diagnostics: dict, audit: dict, summary: dict, params: Params, unit: str, leads: pd.DataFrame
) -> str:
    test = metrics["test"]
    leak = "no leakage found" if metrics["folds"]["leak_free"] else "**LEAKAGE: see data/windows/*/audit.json**"
    selected = metrics["selected"]["method"]
    about = "" if selected == NETWORK else f" ({diagnostics['problems_for_selected']} about {selected} or the data)"
    lines = [
        "# Forecast report",
        "",
        recommendation(metrics),
        "",
        f"## Verdicts: {diagnostics['problems']} problem(s){about}, {diagnostics['warnings']} warning(s)",
        "",
        *per_fold_counts(diagnostics),
        diagnostics_table(diagnostics),
        "",
        *folds_section(metrics["folds"]),
        "## Summary",
        "",
        f"Series `{params.target_column}` from `{summary['source']}`: {summary['rows']} rows, "
        f"{summary['start']} to {summary['end']}. "
        f"Forecast {params.horizon} step(s) ahead from windows of {params.window}; "
        f"{test['points']} test points. Errors are in original units ({unit}).",
        "",
        verdict(metrics),
        skipped_note(metrics),
        "",
        f"Windows audit: {leak} (train targets end at row {audit['blocks']['train']['target_rows'][1]}, "
        f"valid targets start at row {audit['blocks']['valid']['target_rows'][0]}; scaler fit on {audit['scaler_fit']} rows).",
        "",
        missing_note(summary, audit),
        "",
        "## Test block",
        "",
        metrics_table(test),
        "",
        f"rel_mae = MAE / MAE of persistence on the same points; MASE is scaled by the train block's "
        f"seasonal-naive MAE ({metrics['mase_scale']:.4f} {unit}"
        f"{'' if metrics['folds']['count'] == 1 else ' in fold 1; each fold uses its own train block'}). "
        f"Keras loss on test, scaled units: {test['model']['keras_loss']:.5f} (data MSE {test['model']['scaled_mse']:.5f}).",
        "",
        "## Error against lead time (test, MAE)",
        "",
        lead_errors_table(leads),
        "",
        f"![error against lead time]({LEADS_IMAGE.name})",
        "",
        "## Prediction intervals",
        "",
        intervals_table(metrics["intervals"]),
        "",
        "Split-conformal, per lead time: the radius is the valid block's absolute-error quantile at "
        "ceil((n+1) level)/n; the test block never sets it.",
        "",
        "## Valid block",
        "",
        metrics_table(metrics["valid"]),
        "",
        "## Images",
        "",
        f"![test block]({FORECAST_IMAGE.name})",
        "",
        f"![one week]({WEEK_IMAGE.name})",
        "",
        f"![mimicry]({MIMICRY_IMAGE.name})",
        "",
        f"![forecast against actual]({SCATTER_IMAGE.name}) ![residuals]({RESIDUALS_IMAGE.name})",
        "",
        f"![loss]({LOSS_IMAGE.name}) ![skill]({SKILL_IMAGE.name})",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    params = load_params()
    metrics = read_json(METRICS_FILE)
    diagnostics = read_json(DIAGNOSTICS_FILE)
    last_fold = fold_paths(1)
    audit = read_json(last_fold.audit)
    summary = read_json(SUMMARY_FILE)
    table = pd.read_csv(PREDICTIONS_FILE)
    leads = pd.read_csv(LEADS_FILE)
    first_step = table[table["lead"] == 1].reset_index(drop=True)
    unit = params.target_column
    save_figure(forecast_figure(first_step, "Test block: actual, model and persistence (1 step ahead)", unit), FORECAST_IMAGE)
    season = max(int(metrics["season"]), 2)
    week = first_step.iloc[: 7 * season]
    save_figure(forecast_figure(week, f"First {7 * season} steps of the test block (7 seasons)", unit), WEEK_IMAGE)
    two_days = week.iloc[: 2 * season]
    mimicry_title = "Persistence mimicry: does the forecast trail the truth by one step?"
    save_figure(forecast_figure(two_days, mimicry_title, unit, previous_label="actual one step late y(t-1)"), MIMICRY_IMAGE)
    save_figure(scatter_figure(first_step, unit), SCATTER_IMAGE)
    save_figure(residuals_figure(first_step, unit), RESIDUALS_IMAGE)
    save_figure(loss_figure(last_fold.history_dir, diagnostics["checks"]["regularization_share"]["value"]), LOSS_IMAGE)
    save_figure(skill_figure(metrics["test"]), SKILL_IMAGE)
    save_figure(lead_figure(leads, unit), LEADS_IMAGE)
    write_text(REPORT_FILE, render_report(metrics, diagnostics, audit, summary, params, unit, leads))
    print(f"report: {REPORT_FILE}")


if __name__ == "__main__":
    run_stage(main)
