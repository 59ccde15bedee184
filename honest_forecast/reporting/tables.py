"""The report's markdown tables: metrics per method, errors per lead, intervals, folds, verdicts."""

from __future__ import annotations

import pandas as pd

from honest_forecast.names import METHODS, METRIC_NAMES

VERDICT_MARKS = {"ok": "ok", "warning": "WARNING", "problem": "**PROBLEM**"}


def shown_leads(horizon: int) -> list[int]:
    """Every lead up to 12; beyond that 1, 2, 3, 6, 12, ... doubling, and the last."""
    if horizon <= 12:
        return list(range(1, horizon + 1))
    leads, lead = [1, 2, 3], 6
    while lead < horizon:
        leads.append(lead)
        lead *= 2
    return [*leads, horizon]


def lead_errors_table(leads: pd.DataFrame, measure: str = "mae", names: tuple[str, ...] = METHODS, digits: int = 4) -> str:
    """Markdown: ``measure`` per method (rows) at selected lead times (columns), the best of each column in bold."""
    chosen = leads[leads["lead"].isin(shown_leads(int(leads["lead"].max())))]
    methods = [m for m in names if f"{m}_{measure}" in leads]
    lines = ["| method | " + " | ".join(f"lead {lead}" for lead in chosen["lead"]) + " |", "|---" * (len(chosen) + 1) + "|"]
    best = chosen[[f"{m}_{measure}" for m in methods]].min(axis=1).to_numpy()
    for method in methods:
        values = chosen[f"{method}_{measure}"].to_numpy()
        cells = [
            f"**{value:.{digits}f}**" if value == low else f"{value:.{digits}f}" for value, low in zip(values, best, strict=True)
        ]
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
    scored = {name: [block_metrics[m][name] for m in methods if block_metrics[m][name] is not None] for name in METRIC_NAMES}
    best = {name: min(values) if values else None for name, values in scored.items()}
    lines = ["| method | MAE | RMSE | sMAPE % | MASE | rel_mae |", "|---|---|---|---|---|---|"]
    for method in methods:
        cells = []
        for name in METRIC_NAMES:
            value = block_metrics[method][name]
            if value is None:  # MASE where the train block gives it no scale
                cells.append("n/a")
                continue
            text = f"{value:.4f}" if name != "smape" else f"{value:.3f}"
            cells.append(f"**{text}**" if value == best[name] else text)
        lines.append(f"| {method} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
