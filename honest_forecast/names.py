"""The one registry of names: methods (the network, then every baseline), metrics and blocks.

Every module that lists methods or metrics reads them here, so a new baseline or metric is
added in one place, and the report needs no model library to know what to show."""

from __future__ import annotations

NETWORK = "model"  # the network's key in every metrics file and table
SIMPLE_BASELINES = ("persistence", "seasonal_naive", "window_mean", "drift", "linear_ar")
STATISTICAL_BASELINES = ("ets", "theta", "mstl", "arima")  # fit by honest_forecast/baselines/, in their own stage
BASELINES = (*SIMPLE_BASELINES, *STATISTICAL_BASELINES)
METHODS = (NETWORK, *BASELINES)
NAIVE2 = "naive2"  # M4's seasonally adjusted naive: the reference of OWA, scored for many series
METRIC_NAMES = ("mae", "rmse", "smape", "mase", "rel_mae")  # what every method is scored on, in this order
BLOCKS = ("train", "valid", "test")
