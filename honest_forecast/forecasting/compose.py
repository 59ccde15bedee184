"""The forecast as the user takes it away: the recommended method first, its intervals, the error the backtest earned."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from honest_forecast.backtest.tables import time_labels
from honest_forecast.baselines.statistical import bridge_gaps, fit_all
from honest_forecast.data.series import Series
from honest_forecast.names import NETWORK, STATISTICAL_BASELINES


@dataclass(frozen=True)
class PastTheEnd:
    """Each method's forecast of the steps after the last row, its per-lead intervals and what calibrated them."""

    times: np.ndarray | None  # the future times; None where rows have no time (freq: none)
    points: dict[str, np.ndarray]  # method -> (horizon,), recommended method first
    radii: dict[str, dict[str, np.ndarray]]  # method -> level key -> (horizon,) half-widths
    calibration_points: dict[str, int]  # method -> backtest points per lead that set its radii


def methods_to_forecast(recommended: str, best_baseline: str) -> list[str]:
    """The method the run recommends (chosen on valid), then the network and the best baseline for comparison."""
    return list(dict.fromkeys([recommended, NETWORK, best_baseline]))


def statistical_from_last_row(
    stored: dict[str, np.ndarray],
    target: np.ndarray,
    rows_added: int,
    train_end: int,
    season: int,
    seasons: tuple[int, ...],
    horizon: int,
) -> dict[str, np.ndarray]:
    """Each statistical model's forecast from the last row, its parameters those fit on fold 1's train block.

    The statistical stage already filtered the states through every row it saw: its forecasts from
    the last origin are read as they are. A file that grew since is filtered on through the new
    rows by the same fit, redone on the same train rows (the fit is deterministic: the same
    parameters), so that nothing is fit on rows the backtest did not fit on.
    """
    if not rows_added:
        return {name: forecasts[-1] for name, forecasts in stored.items() if name in STATISTICAL_BASELINES}
    bridged, _ = bridge_gaps(target)
    return {f.name: f.forecast[-1] for f in fit_all(bridged, train_end, season, seasons, horizon) if f.forecast is not None}


def forecast_table(result: PastTheEnd) -> pd.DataFrame:
    """One line per method and lead: timestamp, lead, method, point, then lower/upper per level; recommended first."""
    horizon = len(next(iter(result.points.values())))
    stamps = time_labels(result.times) if result.times is not None else np.full(horizon, "")
    parts = []
    for name, point in result.points.items():
        part = pd.DataFrame({"timestamp": stamps, "lead": np.arange(1, horizon + 1), "method": name, "point": point})
        for key, radius in result.radii[name].items():
            part[f"lower_{key}"], part[f"upper_{key}"] = point - radius, point + radius
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def expected_errors(leads: pd.DataFrame, name: str) -> list[float]:
    """The backtest's test MAE of ``name`` at each lead (reports/leads.csv): the error to expect."""
    return leads[f"{name}_mae"].astype(float).tolist()


def recent_history(series: Series, horizon: int) -> pd.Series:
    """The rows a forecast plot shows before the forecast: four seasons, or three horizons, whichever is longer."""
    rows = min(series.rows, max(4 * series.season, 3 * horizon, 20))
    if series.freq == "none":
        index = pd.RangeIndex(series.rows - rows, series.rows)
    elif series.timestamps.dtype.kind == "M":
        index = pd.DatetimeIndex(series.timestamps[-rows:])
    else:
        index = pd.Index(series.timestamps[-rows:])
    return pd.Series(series.target[-rows:], index=index)
