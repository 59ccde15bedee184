"""One registry of method and metric names, read by every module that lists them."""

from __future__ import annotations

import subprocess
import sys

import numpy as np

from honest_forecast.names import BASELINES, METHODS, METRIC_NAMES, NETWORK
from honest_forecast.scoring.metrics import all_metrics
from tests.helpers import ROOT


def test_every_scored_metric_is_in_the_registry_in_its_order() -> None:
    actual, forecast, reference = np.array([1.0, 2.0, 4.0]), np.array([1.5, 2.0, 3.0]), np.array([0.0, 1.0, 2.0])
    assert tuple(all_metrics(actual, forecast, reference, scale=1.0)) == METRIC_NAMES


def test_the_network_comes_first_then_every_baseline_once() -> None:
    assert METHODS[0] == NETWORK and METHODS[1:] == BASELINES and len(set(METHODS)) == len(METHODS)


def test_the_report_stage_needs_no_model_library() -> None:
    """The report lists methods from the registry: importing it loads neither scikit-learn, SciPy nor Keras."""
    probe = "import sys, stages.report; print(sorted({'sklearn', 'scipy', 'keras', 'tensorflow'} & set(sys.modules)))"
    loaded = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]"
