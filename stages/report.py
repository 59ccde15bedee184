"""Stage report: images and a markdown report, the network against every baseline, in original units.

Images are rendered with matplotlib so the report reads offline; the same files are
declared as DVC plots for `dvc plots diff`.
"""

from __future__ import annotations

import pandas as pd

from honest_forecast.cli import run_stage
from honest_forecast.io import read_json, write_text
from honest_forecast.params import load_params
from honest_forecast.paths import (
    DIAGNOSTICS_FILE,
    FORECAST_FILE,
    FORECAST_IMAGE,
    FORECAST_SUMMARY,
    LEADS_FILE,
    LEADS_IMAGE,
    LOSS_IMAGE,
    METRICS_FILE,
    MIMICRY_IMAGE,
    PREDICTIONS_FILE,
    REPORT_FILE,
    RESIDUALS_IMAGE,
    SCATTER_IMAGE,
    SERIES_METRICS_FILE,
    SKILL_IMAGE,
    SUMMARY_FILE,
    WEEK_IMAGE,
    FoldPaths,
    fold_paths,
)
from honest_forecast.reporting.figures import (
    forecast_figure,
    lead_figure,
    loss_figure,
    residuals_figure,
    save_figure,
    scatter_figure,
    skill_figure,
)
from honest_forecast.reporting.panel import panel_figures, penalty_share, render_panel_report, series_skill
from honest_forecast.reporting.prose import render_report


def main() -> None:
    params = load_params()
    metrics = read_json(METRICS_FILE)
    diagnostics = read_json(DIAGNOSTICS_FILE)
    last_fold = fold_paths(1)
    audit = read_json(last_fold.audit)
    summary = read_json(SUMMARY_FILE)
    if "series" in summary:
        many_series(metrics, diagnostics, audit, summary, last_fold)
        return
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
    forecast = (pd.read_csv(FORECAST_FILE, keep_default_na=False), read_json(FORECAST_SUMMARY))
    write_text(REPORT_FILE, render_report(metrics, diagnostics, audit, summary, params, unit, leads, forecast))
    print(f"report: {REPORT_FILE}")


def many_series(metrics: dict, diagnostics: dict, audit: dict, summary: dict, last_fold: FoldPaths) -> None:
    """A panel: the aggregates, the choice and the test across series, how skill spreads over series, the forecast."""
    rival = metrics["significance"]["rival"]
    predictions = pd.read_csv(PREDICTIONS_FILE, dtype={"id": str}, keep_default_na=False, na_values=[""])
    skill = series_skill(pd.read_csv(SERIES_METRICS_FILE, dtype={"id": str}, keep_default_na=False, na_values=[""]), rival)
    leads = pd.read_csv(LEADS_FILE)
    for path, figure in panel_figures(predictions, skill, leads, rival).items():
        save_figure(figure, path)
    save_figure(loss_figure(last_fold.history_dir, penalty_share(last_fold.history_dir)), LOSS_IMAGE)
    forecast = pd.read_csv(FORECAST_FILE, dtype={"id": str}, keep_default_na=False, na_values=[""])
    write_text(
        REPORT_FILE, render_panel_report(metrics, diagnostics, audit, summary, leads, forecast, read_json(FORECAST_SUMMARY))
    )
    print(f"report: {REPORT_FILE} ({metrics['series']} series)")


if __name__ == "__main__":
    run_stage(main)
