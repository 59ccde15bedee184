"""The report's sentences: which method to use and why, where the network stands, what was left out."""

from __future__ import annotations

import pandas as pd

from honest_forecast.names import BASELINES, NETWORK
from honest_forecast.params import Params
from honest_forecast.paths import (
    FORECAST_IMAGE,
    LEADS_IMAGE,
    LOSS_IMAGE,
    MIMICRY_IMAGE,
    RESIDUALS_IMAGE,
    SCATTER_IMAGE,
    SKILL_IMAGE,
    WEEK_IMAGE,
)
from honest_forecast.reporting.tables import (
    diagnostics_table,
    folds_section,
    intervals_table,
    lead_errors_table,
    metrics_table,
    per_fold_counts,
    shown_leads,
)
from honest_forecast.scoring.selection import best_baseline


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


def forecast_section(forecast: pd.DataFrame, about: dict, unit: str) -> list[str]:
    """The next values of the recommended method, their intervals and the error the backtest earned at each lead."""
    method = about["recommended"]
    rows = forecast[forecast["method"] == method].reset_index(drop=True)
    levels = [column.removeprefix("lower_") for column in rows if column.startswith("lower_")]
    expected = about["backtest_test_mae_by_lead"].get(method)
    header = "| lead | time | forecast | " + " | ".join(f"{key} % interval" for key in levels) + " | backtest MAE |"
    lines = [header, "|---:|---|---:|" + "---|" * len(levels) + "---:|"]
    for index in (lead - 1 for lead in shown_leads(len(rows))):
        row = rows.iloc[index]
        bounds = " | ".join(f"{row[f'lower_{key}']:.4g} to {row[f'upper_{key}']:.4g}" for key in levels)
        mae = f"{expected[index]:.4g}" if expected else "n/a"
        lines.append(f"| {row['lead']} | {row['timestamp']} | {row['point']:.4g} | {bounds} | {mae} |")
    others = [name for name in about["methods"] if name != method]
    points = about["intervals"]["points_per_lead"][method]
    where = ""
    if expected:
        where = f"; expect an error of about {expected[0]:.3g} {unit} at lead 1"
        where += f" and {expected[-1]:.3g} at lead {len(expected)}" if len(expected) > 1 else ""
    added = about["rows_added_since_backtest"]
    refit = about["refit"].get("all")
    return [
        "## Forecast",
        "",
        f"As of {about['origin']} (the last row), **{method}** forecasts the next "
        f"{f'{len(rows)} values' if len(rows) > 1 else 'value'} of {unit}{where} "
        "(the backtest's test MAE at each lead)."
        + (f" {added} row(s) were appended after the backtest; nothing was retrained." if added and not refit else "")
        + (f" **Not what the backtest measured:** {refit}." if refit else ""),
        "",
        *lines,
        "",
        f"Intervals: {about['intervals']['calibration']} ({points} points per lead). Made so, the backtest's intervals "
        f"covered {coverage_text(about['intervals']['backtest_coverage'][method])} of the test targets. "
        f"Every method's forecast (also {', '.join(others) or 'no other'}) is in `reports/forecast.csv`.",
        "",
        "![forecast past the last row](forecast.png)",
        "",
    ]


def coverage_text(per_level: dict) -> str:
    """'79.5 % at 80 % (leads 79.1 to 79.9 %), ...', with the leads whose width is the largest error seen named."""
    parts = []
    for key, stats in per_level.items():
        text = f"{stats['test']:.1%} at {key} %"
        if stats["lowest_lead"] != stats["highest_lead"]:
            text += f" (per lead {stats['lowest_lead']:.1%} to {stats['highest_lead']:.1%})"
        capped = stats["leads_capped_at_the_largest_error"]
        if capped:
            text += f"; at {len(capped)} lead(s) the {key} % width is the largest error seen, the most the backtest can back"
        parts.append(text)
    return ", ".join(parts)


def known_covariates_section(metrics: dict, known: tuple[str, ...], unit: str) -> list[str]:
    """Which covariates are read at the target times and, for those only forecast in production, what that costs."""
    if not known:
        return []
    lines = [
        "## Covariates known in advance",
        "",
        f"{', '.join(f'`{name}`' for name in known)} are read at each target time by the network and the ridge; "
        "the forecast reads them from the file's rows after the last target value.",
    ]
    stand_ins = metrics.get("known_covariates")
    if not stand_ins:
        return [*lines, ""]
    only = ", ".join(f"`{name}`" for name in stand_ins["forecast_only"])
    one = len(stand_ins["forecast_only"]) == 1
    with_actual, rise = stand_ins["with_actual_values"]["test"], stand_ins["mae_rise"]["test"]
    network_rise, before, after = rise[NETWORK], with_actual[NETWORK]["mae"], metrics["test"][NETWORK]["mae"]
    direction = "rises" if network_rise >= 0 else "falls"
    lines += [
        "",
        f"{only} {'is' if one else 'are'} only forecast in production, so every figure in this report reads "
        f"{'it' if one else 'each'} as {stand_ins['stand_in']}. With {only} forecast rather than known, the network's "
        f"test MAE {direction} {abs(network_rise):.0%} ({before:.4g} to {after:.4g} {unit})"
        f": that is closer to what you will get. Selection uses these realistic scores.",
        "",
        "| method | test MAE, stand-ins (used) | test MAE, actual values | change |",
        "|---|---:|---:|---:|",
        *(
            f"| {name} | {metrics['test'][name]['mae']:.4g} | {with_actual[name]['mae']:.4g} | {change:+.1%} |"
            for name, change in rise.items()
        ),
        "",
    ]
    return lines


def render_report(
    metrics: dict,
    diagnostics: dict,
    audit: dict,
    summary: dict,
    params: Params,
    unit: str,
    leads: pd.DataFrame,
    forecast: tuple[pd.DataFrame, dict] | None = None,
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
        *(forecast_section(*forecast, unit) if forecast else []),
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
        f"Forecast {params.horizon} step(s) ahead from windows of {audit['window']}"
        f"{' (window: auto)' if params.window == 'auto' else ''}; "
        f"{test['points']} test points. Errors are in original units ({unit}).",
        "",
        verdict(metrics),
        skipped_note(metrics),
        "",
        *known_covariates_section(metrics, params.known_covariates, unit),
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
        f"{'' if metrics['folds']['count'] == 1 else ' in fold 1; each fold uses its own train block'}"
        f"{'; MASE is n/a: ' + metrics['mase_undefined'] if 'mase_undefined' in metrics else ''}). "
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
