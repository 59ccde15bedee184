"""Split-conformal prediction intervals, calibrated per lead time (Vovk et al. 2005; Lei et al. 2018).

Forecasts are arrays of shape (origins, horizon) in original units; column j is lead time j+1.
The half-width for each lead is a quantile of the absolute residuals on the valid block, so the
interval makes no assumption about the error distribution; it is then applied unchanged to the
test block, where its coverage is measured. The guarantee, P(actual in interval) >= level,
holds when calibration and test residuals are exchangeable; a drifting series breaks that, and
the measured test coverage is what shows it.
"""

from __future__ import annotations

import math
from typing import TypedDict

import numpy as np


class IntervalStats(TypedDict):
    """One level's entry in :func:`interval_summary`; plain floats and lists so it dumps to JSON."""

    coverage: float
    width: float
    coverage_by_lead: list[float]
    width_by_lead: list[float]
    radius_by_lead: list[float]


def _columns(values: np.ndarray, name: str) -> np.ndarray:
    """Return a float 2-D view; 1-D input is one lead time, so every function accepts a single series."""
    values = np.asarray(values, dtype=float)
    if values.ndim == 1:
        return values.reshape(-1, 1)
    if values.ndim != 2:
        raise ValueError(f"{name} must be 1-D or (origins, horizon), got shape {values.shape}")
    return values


def _check_level(level: float) -> None:
    if not 0.0 < level < 1.0:
        raise ValueError(f"interval level must be a fraction strictly between 0 and 1, got {level}")


def conformal_radius(residuals: np.ndarray, level: float) -> np.ndarray:
    """Half-widths (horizon,): per lead, the ceil((n + 1) * level)-th smallest absolute residual.

    ``residuals`` is actual - forecast on the calibration block, (origins, horizon); 1-D input is
    one lead. The (n + 1) rather than n is the finite-sample correction that makes the coverage of
    a new exchangeable point at least ``level``. When ceil((n + 1) * level) > n no order statistic
    is large enough, so the radius is inf: with n calibration origins no level above n / (n + 1)
    can be promised (e.g. 95 % needs at least 19). Missing residuals raise ValueError rather than
    being dropped, because dropping them silently changes n and so the guarantee.
    """
    _check_level(level)
    absolute = np.abs(_columns(residuals, "residuals"))
    if np.isnan(absolute).any():
        raise ValueError("residuals contain NaN; calibrate only on origins whose forecasts and actuals are all known")
    n, horizon = absolute.shape
    rank = math.ceil(round((n + 1) * level, 9))  # round first: 20 * 0.95 must give rank 19, not 20 from float error
    if rank > n:
        return np.full(horizon, np.inf)
    return np.sort(absolute, axis=0)[rank - 1]


def interval(forecast: np.ndarray, radius: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper bounds, forecast -/+ radius, with the per-lead radius broadcast over origins."""
    forecast = np.asarray(forecast, dtype=float)
    radius = np.asarray(radius, dtype=float)
    return forecast - radius, forecast + radius


def coverage(actual: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """Per-lead share of actuals inside [lower, upper] (bounds included), shape (horizon,).

    NaN raises ValueError: a NaN compares false and would silently count as a miss.
    """
    actual, lower, upper = _columns(actual, "actual"), _columns(lower, "lower"), _columns(upper, "upper")
    if np.isnan(actual).any() or np.isnan(lower).any() or np.isnan(upper).any():
        raise ValueError("coverage got NaN in actuals or bounds; drop origins with a missing value first")
    inside = (lower <= actual) & (actual <= upper)
    return inside.mean(axis=0)


def mean_width(lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """Per-lead mean interval width, shape (horizon,): the price paid for the coverage."""
    return (_columns(upper, "upper") - _columns(lower, "lower")).mean(axis=0)


def level_key(level: float) -> str:
    """The summary key for a level: "80" for 0.8, "97.5" for 0.975 (float noise rounded away)."""
    percent = round(level * 100, 6)
    return str(int(percent)) if percent.is_integer() else str(percent)


def interval_summary(
    valid_actual: np.ndarray,
    valid_forecast: np.ndarray,
    test_actual: np.ndarray,
    test_forecast: np.ndarray,
    levels: tuple[float, ...],
) -> dict[str, IntervalStats]:
    """Calibrate on the valid block, measure on the test block; JSON-ready, one entry per level.

    Test data never touches the radius, so the reported coverage is an honest out-of-sample
    number. "coverage" and "width" pool all leads and origins; radius and width are inf when a
    level cannot be promised with this many valid origins (see :func:`conformal_radius`).
    """
    valid_actual, valid_forecast = _columns(valid_actual, "valid_actual"), _columns(valid_forecast, "valid_forecast")
    test_actual, test_forecast = _columns(test_actual, "test_actual"), _columns(test_forecast, "test_forecast")
    if valid_actual.shape != valid_forecast.shape or test_actual.shape != test_forecast.shape:
        raise ValueError(
            f"actual and forecast shapes differ: valid {valid_actual.shape} vs {valid_forecast.shape}, "
            f"test {test_actual.shape} vs {test_forecast.shape}"
        )
    if valid_actual.shape[1] != test_actual.shape[1]:
        raise ValueError(f"valid and test horizons differ: {valid_actual.shape[1]} vs {test_actual.shape[1]}")
    residuals = valid_actual - valid_forecast
    summary: dict[str, IntervalStats] = {}
    for level in levels:
        key = level_key(level)
        if key in summary:
            raise ValueError(f"interval level {level} repeats level {key} %")
        radius = conformal_radius(residuals, level)
        lower, upper = interval(test_forecast, radius)
        covered = coverage(test_actual, lower, upper)
        width = mean_width(lower, upper)
        summary[key] = {
            "coverage": float(covered.mean()),  # equal origins per lead, so the mean of leads is the pooled share
            "width": float(width.mean()),
            "coverage_by_lead": [float(value) for value in covered],
            "width_by_lead": [float(value) for value in width],
            "radius_by_lead": [float(value) for value in radius],
        }
    return summary


def coverage_miss(summary: dict[str, IntervalStats], tolerance: float) -> list[str]:
    """Level keys whose pooled test coverage is more than ``tolerance`` from the nominal level.

    Both directions count: under-coverage breaks the promise; over-coverage by far means the
    intervals are needlessly wide (or, with an inf radius, that the level could not be promised).
    """
    missed = []
    for key, stats in summary.items():
        if abs(stats["coverage"] - float(key) / 100) > tolerance:
            missed.append(key)
    return missed
