"""The backtest's forecasts as a table: one line per origin and lead, every method side by side."""

from __future__ import annotations

import numpy as np
import pandas as pd


def time_labels(timestamps: np.ndarray) -> np.ndarray:
    """ISO-8601 text for dates; an integer index (years, step counters) as it is."""
    if timestamps.dtype.kind == "M":
        return np.asarray(pd.DatetimeIndex(timestamps).strftime("%Y-%m-%dT%H:%M:%S"))
    return timestamps


def predictions_table(
    timestamps: np.ndarray,
    rows: np.ndarray,
    actual: np.ndarray,
    forecasts: dict[str, np.ndarray],
    bounds: dict[str, tuple[np.ndarray, np.ndarray]] | None = None,
) -> pd.DataFrame:
    """One line per target point: origin, target timestamp, lead, actual, each method, then interval bounds.

    Sorted by lead, then time, so the first lead reads as one time series.
    """
    leads = np.broadcast_to(np.arange(1, rows.shape[1] + 1), rows.shape)
    origins = np.broadcast_to(rows[:, :1] - 1, rows.shape)
    table = pd.DataFrame(
        {
            "origin": time_labels(timestamps[origins.ravel()]),
            "timestamp": time_labels(timestamps[rows.ravel()]),
            "lead": leads.ravel(),
            "actual": actual.ravel(),
        }
    )
    for name, forecast in forecasts.items():
        table[name] = forecast.ravel()
    for name, (lower, upper) in (bounds or {}).items():
        table[f"{name}_lower"], table[f"{name}_upper"] = lower.ravel(), upper.ravel()
    return table.sort_values(["lead", "timestamp"], kind="stable").reset_index(drop=True)
