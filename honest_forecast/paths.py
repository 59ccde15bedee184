"""Every file the pipeline reads or writes, in DAG order; dvc.yaml names the same paths.

The stages between ingest and pool run once per rolling-origin fold (dvc.yaml's foreach
over ``folds``), each in its own directories, so that folds rerun independently.
Kept apart from the code that writes them so a light stage (report) need not import a heavy one (keras).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

# ingest
SERIES_FILE = Path("data/interim/series.npz")
SUMMARY_FILE = Path("data/interim/summary.json")


@dataclass(frozen=True)
class FoldPaths:
    """The files of one fold: fold 1 is the last test block, 2 the one before it, ..."""

    fold: int
    statistical: Path
    statistical_summary: Path
    arrays: Path
    scaler: Path
    audit: Path
    model: Path
    effective_params: Path
    live_dir: Path
    history_dir: Path
    test_forecasts: Path
    valid_forecasts: Path
    metrics: Path
    diagnostics: Path


def fold_paths(fold: int) -> FoldPaths:
    """Each per-fold stage's files under a directory named by the fold, as dvc.yaml's ``${item}``."""
    live_dir = Path(f"reports/train/{fold}")
    return FoldPaths(
        fold=fold,
        # statistical
        statistical=Path(f"data/statistical/{fold}/forecasts.npz"),
        statistical_summary=Path(f"data/statistical/{fold}/summary.json"),
        # windows
        arrays=Path(f"data/windows/{fold}/arrays.npz"),
        scaler=Path(f"data/windows/{fold}/scaler.json"),
        audit=Path(f"data/windows/{fold}/audit.json"),
        # train
        model=Path(f"models/{fold}/model.keras"),
        effective_params=Path(f"models/{fold}/train_params.json"),
        live_dir=live_dir,
        history_dir=live_dir / "plots" / "metrics",
        # evaluate
        test_forecasts=Path(f"data/evaluate/{fold}/test.npz"),
        valid_forecasts=Path(f"data/evaluate/{fold}/valid.npz"),
        metrics=Path(f"reports/folds/{fold}/metrics.json"),
        diagnostics=Path(f"reports/folds/{fold}/diagnostics.json"),
    )


# pool: every fold's test block together
METRICS_FILE = Path("reports/metrics.json")
DIAGNOSTICS_FILE = Path("reports/diagnostics.json")
PREDICTIONS_FILE = Path("reports/predictions_test.csv")
LEADS_FILE = Path("reports/leads.csv")
SERIES_METRICS_FILE = Path("reports/series_metrics.csv")
# forecast: past the last row
FORECAST_FILE = Path("reports/forecast.csv")
FORECAST_SUMMARY = Path("reports/forecast.json")
FORECAST_IMAGE_FUTURE = Path("reports/forecast.png")
# report
REPORT_FILE = Path("reports/report.md")
FORECAST_IMAGE = Path("reports/forecast_test.png")
WEEK_IMAGE = Path("reports/forecast_week.png")
LOSS_IMAGE = Path("reports/loss.png")
MIMICRY_IMAGE = Path("reports/mimicry.png")
SCATTER_IMAGE = Path("reports/scatter.png")
RESIDUALS_IMAGE = Path("reports/residuals.png")
SKILL_IMAGE = Path("reports/skill.png")
LEADS_IMAGE = Path("reports/lead_errors.png")
