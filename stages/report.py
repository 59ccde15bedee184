"""Stage report: images and a markdown report, model against every baseline, in original units.

Images are rendered with matplotlib so the report reads offline; the same files are
declared as DVC plots for `dvc plots diff`.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from stages.common import atomic_path, read_json, run_stage, write_text  # noqa: E402
from stages.evaluate import BASELINES, METRICS_FILE, PREDICTIONS_FILE  # noqa: E402
from stages.ingest import SUMMARY_FILE  # noqa: E402
from stages.params import Params, load_params  # noqa: E402
from stages.windows import AUDIT_FILE  # noqa: E402

REPORT_FILE = Path("reports/report.md")
FORECAST_IMAGE = Path("reports/forecast_test.png")
WEEK_IMAGE = Path("reports/forecast_week.png")
LOSS_IMAGE = Path("reports/loss.png")
LOSS_DIR = Path("reports/train/plots/metrics")
METHODS = ("model", *BASELINES)
METRIC_NAMES = ("mae", "rmse", "smape", "mase", "rel_mae")


def save_figure(figure: plt.Figure, path: Path) -> None:
    with atomic_path(path) as tmp:
        figure.savefig(tmp, format="png", dpi=110, metadata={"Software": None})
    plt.close(figure)


def forecast_figure(table: pd.DataFrame, title: str, unit: str) -> plt.Figure:
    """Actual against model and persistence, one step ahead, in time order."""
    figure, axis = plt.subplots(figsize=(12, 4.2))
    times = pd.to_datetime(table["timestamp"])
    axis.plot(times, table["actual"], color="black", linewidth=1.1, label="actual")
    axis.plot(times, table["persistence"], color="tab:gray", linewidth=0.9, linestyle="--", label="persistence (last value)")
    axis.plot(times, table["model"], color="tab:red", linewidth=0.9, label="model")
    axis.set_title(title)
    axis.set_ylabel(unit)
    axis.legend(loc="upper right")
    axis.grid(alpha=0.3)
    figure.autofmt_xdate()
    figure.tight_layout()
    return figure


def loss_figure(loss_dir: Path) -> plt.Figure:
    """Train and valid data loss (MSE, scaled units) per epoch, and the total loss with any penalty."""
    figure, axis = plt.subplots(figsize=(8, 4.2))
    for split, style in (("train", "-"), ("valid", "--")):
        for name, color in (("mse", "tab:blue"), ("loss", "tab:orange")):
            path = loss_dir / split / f"{name}.tsv"
            if path.exists():
                curve = pd.read_csv(path, sep="\t")
                label = f"{split} {'data MSE' if name == 'mse' else 'loss incl. penalty'}"
                axis.plot(curve["step"] + 1, curve[name], linestyle=style, color=color, label=label)
    axis.set_yscale("log")
    axis.set_xlabel("epoch")
    axis.set_ylabel("scaled units (log)")
    axis.set_title("Training history")
    axis.legend()
    axis.grid(alpha=0.3)
    figure.tight_layout()
    return figure


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


def verdict(test: dict) -> str:
    """One sentence on where the model stands against the baselines."""
    losers = [m for m in BASELINES if test[m]["mae"] <= test["model"]["mae"] or test[m]["rmse"] <= test["model"]["rmse"]]
    rel = test["model"]["rel_mae"]
    if not losers:
        return f"The model beats every baseline on MAE and RMSE on the test block (rel_mae {rel:.3f}: its MAE is {rel:.0%} of persistence's)."
    return (
        f"**The model does not beat every baseline**: {', '.join(losers)} match or beat it on MAE or RMSE "
        f"on the test block (model rel_mae {rel:.3f}). Do not use it in place of them."
    )


def render_report(metrics: dict, audit: dict, summary: dict, params: Params, unit: str) -> str:
    test = metrics["test"]
    checks = audit["checks"]
    leak = "no leakage found" if checks["leak_free"] else "**LEAKAGE: see data/windows/audit.json**"
    lines = [
        "# Forecast report",
        "",
        f"Series `{params.target_column}` from `{summary['source']}`: {summary['rows']} rows, {summary['start']} to {summary['end']}. "
        f"Forecast {params.horizon} step(s) ahead from windows of {params.window}; "
        f"{test['points']} test points. Errors are in original units ({unit}).",
        "",
        verdict(test),
        "",
        f"Windows audit: {leak} (train targets end at row {audit['blocks']['train']['target_rows'][1]}, "
        f"valid targets start at row {audit['blocks']['valid']['target_rows'][0]}; scaler fit on {audit['scaler_fit']} rows).",
        "",
        "## Test block",
        "",
        metrics_table(test),
        "",
        f"rel_mae = MAE / MAE of persistence on the same points; MASE is scaled by the train block's "
        f"seasonal-naive MAE ({metrics['mase_scale']:.4f} {unit}). "
        f"Keras loss on test, scaled units: {test['model']['keras_loss']:.5f} (data MSE {test['model']['scaled_mse']:.5f}).",
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
        f"![loss]({LOSS_IMAGE.name})",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    params = load_params()
    metrics = read_json(METRICS_FILE)
    audit = read_json(AUDIT_FILE)
    summary = read_json(SUMMARY_FILE)
    table = pd.read_csv(PREDICTIONS_FILE)
    first_step = table[table["step"] == 1].reset_index(drop=True)
    unit = params.target_column
    save_figure(forecast_figure(first_step, "Test block: actual, model and persistence (1 step ahead)", unit), FORECAST_IMAGE)
    times = pd.to_datetime(first_step["timestamp"])
    week = first_step[times < times.iloc[0] + pd.Timedelta(days=7)]
    save_figure(forecast_figure(week, "First week of the test block", unit), WEEK_IMAGE)
    save_figure(loss_figure(LOSS_DIR), LOSS_IMAGE)
    write_text(REPORT_FILE, render_report(metrics, audit, summary, params, unit))
    print(f"report: {REPORT_FILE}")


if __name__ == "__main__":
    run_stage(main)
