"""Every file the pipeline reads or writes, in DAG order; dvc.yaml names the same paths.

The stages between ingest and pool run once per rolling-origin fold (dvc.yaml's foreach
over ``folds``), each in its own directories, so that folds rerun independently.
Kept apart from the stages so a light stage (report) need not import a heavy one (keras).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

# ingest
SERIES_FILE = Path("data/interim/series.npz")
SUMMARY_FILE = Path("data/interim/summary.json")


@dataclass(frozen=True)
class FoldPaths:
    """The files of one fold: ``fold`` 1 is the last test block, 2 the one before it, ..."""

    fold: int

    def _under(self, root: str, name: str) -> Path:
        return Path(root) / str(self.fold) / name

    # statistical
    @property
    def statistical(self) -> Path:
        return self._under("data/statistical", "forecasts.npz")

    @property
    def statistical_summary(self) -> Path:
        return self._under("data/statistical", "summary.json")

    # windows
    @property
    def arrays(self) -> Path:
        return self._under("data/windows", "arrays.npz")

    @property
    def scaler(self) -> Path:
        return self._under("data/windows", "scaler.json")

    @property
    def audit(self) -> Path:
        return self._under("data/windows", "audit.json")

    # train
    @property
    def model(self) -> Path:
        return self._under("models", "model.keras")

    @property
    def effective_params(self) -> Path:
        return self._under("models", "train_params.json")

    @property
    def live_dir(self) -> Path:
        return self._under("reports/train", "")

    @property
    def history_dir(self) -> Path:
        return self.live_dir / "plots" / "metrics"

    # evaluate
    @property
    def test_forecasts(self) -> Path:
        return self._under("data/evaluate", "test.npz")

    @property
    def metrics(self) -> Path:
        return self._under("reports/folds", "metrics.json")

    @property
    def diagnostics(self) -> Path:
        return self._under("reports/folds", "diagnostics.json")


# pool: every fold's test block together
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
