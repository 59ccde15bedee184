"""Every file the pipeline reads or writes, in DAG order; dvc.yaml names the same paths.

Kept apart from the stages so a light stage (report) need not import a heavy one (keras).
"""

from pathlib import Path

# ingest
SERIES_FILE = Path("data/interim/series.npz")
SUMMARY_FILE = Path("data/interim/summary.json")
# windows
ARRAYS_FILE = Path("data/windows/arrays.npz")
SCALER_FILE = Path("data/windows/scaler.json")
AUDIT_FILE = Path("data/windows/audit.json")
# statistical
STATISTICAL_FILE = Path("data/statistical/forecasts.npz")
STATISTICAL_SUMMARY_FILE = Path("data/statistical/summary.json")
# train
MODEL_FILE = Path("models/model.keras")
EFFECTIVE_PARAMS_FILE = Path("models/train_params.json")
LIVE_DIR = Path("reports/train")
HISTORY_DIR = LIVE_DIR / "plots" / "metrics"
# evaluate
METRICS_FILE = Path("reports/metrics.json")
DIAGNOSTICS_FILE = Path("reports/diagnostics.json")
PREDICTIONS_FILE = Path("reports/predictions_test.csv")
LEADS_FILE = Path("reports/leads.csv")
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
