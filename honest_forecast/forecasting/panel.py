"""Many series: each series' forecast past its own last row, from the models the backtest scored on it.

Nothing is refit. The global network and the ridge across series read each series' last window
exactly as they read a window in the backtest (its own scaler, the calendar of its input steps,
the one-hot slot of each target time); the simple baselines and Naive2 read the series' rows; the
statistical models go on from their state after its last row, parameters fit on its train block.

A series has too few points for intervals of its own (under the M4 protocol one valid and one test
window), so the intervals pool the backtest's errors across series, each in units of its series'
in-sample seasonal-naive MAE (its MASE scale): per lead a split-conformal quantile of those scaled
errors, scaled back by each series' own MASE scale. That assumes the series' scaled errors are
exchangeable; the test coverage of intervals calibrated on valid alone says how far it holds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from honest_forecast.backtest.tables import time_labels
from honest_forecast.baselines import simple
from honest_forecast.baselines.linear import linear_forecast
from honest_forecast.data.future import steps_after
from honest_forecast.data.series import Series
from honest_forecast.data.spacing import Spacing
from honest_forecast.forecasting.origin import origin_store
from honest_forecast.models.feeding import predict_windows
from honest_forecast.names import NAIVE2, NETWORK
from honest_forecast.scoring.intervals import conformal_radius, level_key
from honest_forecast.windows.scaling import Scaler, SeriesScalers
from honest_forecast.windows.store import WindowSpec, WindowStore


@dataclass(frozen=True)
class PanelOrigins:
    """Every forecast series' rows then ``horizon`` empty ones, pooled as the windows stage pools series.

    Per forecast series: ``series`` its index in the panel's ids (and its scaler's), ``firsts`` and
    ``ends`` where its rows begin and end in ``store`` (its empty rows follow), ``starts`` its last
    window's start there, ``times`` its future times (None for ``freq: none``).
    """

    store: WindowStore | None
    target: np.ndarray  # each series' target then horizon NaN: the layout of ``store``
    series: np.ndarray
    firsts: np.ndarray
    ends: np.ndarray
    starts: np.ndarray
    times: list[np.ndarray | None]
    not_forecast: dict[str, str]  # id -> why no forecast is made for it


def series_piece(series: Series, lo: int, hi: int) -> Series:
    """One series of a panel as a series of its own."""
    return series.take(slice(lo, hi), series_ids=(), series_starts=None)


def panel_origins(
    series: Series,
    scalers: SeriesScalers,
    spec: WindowSpec,
    spacing: Spacing | None,
    calendar: bool,
    target_calendar: bool,
    delta: bool,
    level_norm: bool,
    id_embedding: bool = False,
) -> PanelOrigins:
    """Each series' last window, ready for the global network; a series whose last window lacks a value is named, not
    forecast (a forecast from a value that is not there would be invented)."""
    if scalers.ids != series.series_ids:
        raise ValueError("the scalers are not those of the panel's series")  # the windows stage wrote both from one file
    stores, chosen, firsts, starts, times, not_forecast, at = [], [], [], [], [], {}, 0
    for index, (name, lo, hi) in enumerate(series.segments()):
        piece = series_piece(series, lo, hi)
        missing = np.isnan(piece.values[-spec.window :]).any(axis=0)
        if hi - lo < spec.window:
            not_forecast[name] = f"{hi - lo} rows, fewer than the window ({spec.window})"
            continue
        if missing.any():
            column = piece.names[int(np.argmax(missing))]
            not_forecast[name] = f"column '{column}' is missing inside its last {spec.window} rows (the window)"
            continue
        future = None if spacing is None else steps_after(piece.timestamps, spacing, spec.horizon)
        scaler = Scaler(scalers.kind, scalers.center[index], scalers.scale[index])
        store, start = origin_store(piece, future, scaler, spec, calendar, target_calendar, delta)
        stores.append(store)
        chosen.append(index)
        firsts.append(at)
        starts.append(at + int(start[0]))
        times.append(future)
        at += len(store.target)
    none = np.empty(0, dtype=np.int64)
    if not stores:
        return PanelOrigins(None, np.empty(0), none, none, none, none, [], not_forecast)
    pooled = WindowStore(
        spec,
        np.concatenate([store.features for store in stores]),
        np.concatenate([store.target for store in stores]),
        np.concatenate([store.known_slot for store in stores]),
        stores[0].known_width,
        delta,
        {"forecast": np.array(starts)},
        np.concatenate([store.known_values for store in stores]),
        level_norm=level_norm,
        series_index=np.concatenate([np.full(len(store.target), at, np.int32) for at, store in zip(chosen, stores, strict=True)])
        if id_embedding
        else np.zeros(0, np.int32),
    )
    edges = series.series_starts
    padded = np.concatenate(
        [np.concatenate([series.target[edges[i] : edges[i + 1]], np.full(spec.horizon, np.nan)]) for i in chosen]
    )
    firsts = np.array(firsts)
    ends = firsts + np.diff(edges)[chosen]
    return PanelOrigins(pooled, padded, np.array(chosen), firsts, ends, np.array(starts), times, not_forecast)


def panel_points(
    origins: PanelOrigins,
    names: list[str],
    model: object,
    ridge: object,
    scalers: SeriesScalers,
    statistical: dict[str, np.ndarray],
    series_ends: np.ndarray,
    naive2_indices: np.ndarray,
    season: int,
) -> dict[str, np.ndarray]:
    """Each method of ``names``' forecast (series, horizon) of every forecast series, in its own units.

    ``statistical`` is fold 1's forecasts by origin over the panel's rows, ``series_ends`` where
    each series' rows end there (the forecasts from its last row are read), ``naive2_indices``
    each series' Naive2 seasonal indices from its train block.
    """
    store, starts, series = origins.store, origins.starts, origins.series
    window, horizon = store.spec.window, store.spec.horizon
    rows = origins.ends[:, None] + np.arange(horizon)[None, :]
    target = origins.target

    def in_units(scaled: np.ndarray) -> np.ndarray:
        return scalers.target_to_original(scaled, store.last_inputs(starts), series, store.delta)

    makers = {
        NETWORK: lambda: in_units(predict_windows(model, store, starts)),
        "linear_ar": lambda: in_units(linear_forecast(ridge, store, starts)),
        "persistence": lambda: simple.persistence(target, rows),
        "seasonal_naive": lambda: simple.seasonal_naive(target, rows, season),
        "window_mean": lambda: simple.window_mean(target, rows, window),
        "drift": lambda: simple.drift(target, rows, window),
        NAIVE2: lambda: simple.naive2(target, rows, naive2_indices, series, origins.firsts),
    }
    return {name: makers[name]() if name in makers else statistical[name][series_ends[series] - 1, :horizon] for name in names}


def scaled_errors(block: dict[str, np.ndarray], name: str) -> np.ndarray:
    """A backtest block's absolute errors of ``name`` (windows, horizon), each in its series' MASE scale; NaN where the
    method made no forecast or the scale is zero (a series flat over its train block)."""
    scale = block["mase_scale"]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(scale[:, None] > 0, np.abs(block["actual"] - block[f"forecast_{name}"]) / scale[:, None], np.nan)


def known_windows(errors: np.ndarray) -> np.ndarray:
    """The windows whose every lead has a scaled error: the ones a method's intervals are calibrated on."""
    return errors[np.isfinite(errors).all(axis=1)]


def radius_or_largest(errors: np.ndarray, level: float) -> np.ndarray:
    """The split-conformal radius per lead; where too few windows promise ``level``, the largest error (said so in
    the summary's capped leads) rather than an infinite width."""
    radius = conformal_radius(errors, level)
    return np.where(np.isfinite(radius), radius, errors.max(axis=0, initial=0.0))


@dataclass(frozen=True)
class PooledIntervals:
    """A method's intervals across series: per level key, the radius per lead in MASE-scale units, and the test coverage
    of the same intervals calibrated on valid alone (the check of the exchangeability they rest on)."""

    radius: dict[str, np.ndarray]
    test_coverage: dict[str, float]
    test_coverage_by_lead: dict[str, np.ndarray]
    capped: dict[str, list[int]]  # leads where too few windows promise the level: the largest error is the radius
    windows: int  # backtest windows (valid and test) the radii are calibrated on


def pooled_intervals(
    valid: dict[str, np.ndarray], test: dict[str, np.ndarray], name: str, levels: tuple[float, ...]
) -> PooledIntervals:
    """Method ``name``'s intervals across series from fold 1's valid and test windows (evaluate's arrays)."""
    calibration, checked = known_windows(scaled_errors(valid, name)), known_windows(scaled_errors(test, name))
    both = np.vstack([calibration, checked])
    radius, coverage, by_lead, capped = {}, {}, {}, {}
    for level in levels:
        key = level_key(level)
        radius[key] = radius_or_largest(both, level)
        capped[key] = [int(lead) + 1 for lead in np.flatnonzero(~np.isfinite(conformal_radius(both, level)))]
        inside = checked <= radius_or_largest(calibration, level)[None, :]
        by_lead[key], coverage[key] = inside.mean(axis=0), float(inside.mean())
    return PooledIntervals(radius, coverage, by_lead, capped, len(both))


def panel_forecast_table(
    origins: PanelOrigins,
    ids: tuple[str, ...],
    points: dict[str, np.ndarray],
    intervals: dict[str, PooledIntervals],
    scales: np.ndarray,
) -> pd.DataFrame:
    """reports/forecast.csv of a panel: id, timestamp, lead, method, point, lower/upper per level; one block of rows per
    method (recommended first), each in the panel's id order. ``scales``: each forecast series' MASE scale."""
    count, horizon = len(origins.series), next(iter(points.values())).shape[1]
    stamps = np.concatenate([time_labels(times) if times is not None else np.full(horizon, "") for times in origins.times])
    parts = []
    for name, point in points.items():
        part = pd.DataFrame(
            {
                "id": np.repeat(np.array(ids, dtype=object)[origins.series], horizon),
                "timestamp": stamps,
                "lead": np.tile(np.arange(1, horizon + 1), count),
                "method": name,
                "point": point.ravel(),
            }
        )
        for key, radius in intervals[name].radius.items():
            half = (scales[:, None] * radius[None, :]).ravel()
            part[f"lower_{key}"], part[f"upper_{key}"] = part["point"] - half, part["point"] + half
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


SHOWN_NOT_FORECAST = 20
POOLED_CALIBRATION = (
    "split conformal per lead across series: the absolute errors of fold 1's valid and test windows of every series, "
    "each divided by its series' MASE scale (in-sample seasonal-naive MAE on its train block), then each series' "
    "quantile multiplied back by its own scale; test_coverage is that of intervals calibrated on the valid windows alone"
)


def panel_forecast_summary(
    origins: PanelOrigins,
    ids: tuple[str, ...],
    points: dict[str, np.ndarray],
    intervals: dict[str, PooledIntervals],
    leads: pd.DataFrame,
) -> dict:
    """What reports/forecast.json says of a panel's forecast: which series, which methods, what the intervals rest on."""
    names = list(points)
    return {
        "series": len(ids),
        "series_forecast": len(origins.series),
        "not_forecast": len(origins.not_forecast),
        "not_forecast_series": dict(list(origins.not_forecast.items())[:SHOWN_NOT_FORECAST]),
        "origin": "each series' last row",
        "horizon": int(next(iter(points.values())).shape[1]),
        "recommended": names[0],
        "methods": names,
        "series_without_a_forecast_of": {name: int(np.isnan(point).any(axis=1).sum()) for name, point in points.items()},
        "refit": {
            "network and ridge": "none: fold 1's, reading each series' last window",
            "statistical": "none: fold 1's fit on each series' train block, filtered through every row of it",
        },
        "intervals": {
            "calibration": POOLED_CALIBRATION,
            "windows": {name: intervals[name].windows for name in names},
            "backtest_coverage": {
                name: {
                    key: {
                        "test": intervals[name].test_coverage[key],
                        "lowest_lead": float(np.nanmin(intervals[name].test_coverage_by_lead[key])),
                        "highest_lead": float(np.nanmax(intervals[name].test_coverage_by_lead[key])),
                        "leads_capped_at_the_largest_error": intervals[name].capped[key],
                    }
                    for key in intervals[name].radius
                }
                for name in names
            },
        },
        "backtest_test_by_lead": {
            name: {measure: leads[f"{name}_{measure}"].astype(float).tolist() for measure in ("smape", "mase")}
            for name in names
            if f"{name}_mase" in leads
        },
    }


def series_changed(stored: Series, current: Series) -> list[str]:
    """The ids whose rows differ between what the backtest read and the file now (new, gone, or other values)."""
    before = {name: stored.target[lo:hi] for name, lo, hi in stored.segments()}
    now = {name: current.target[lo:hi] for name, lo, hi in current.segments()}
    return sorted(
        name
        for name in before.keys() | now.keys()
        if name not in before or name not in now or not np.array_equal(before[name], now[name], equal_nan=True)
    )
