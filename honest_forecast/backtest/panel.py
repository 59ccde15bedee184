"""One fold's global network and every baseline on many series, each window in its own series' units.

The forecasts are those of one series (the same simple and statistical baselines, the ridge across
series as the linear autoregression), each window put back in its own series' units, plus M4's
Naive2, the reference of OWA; honest_forecast/scoring/panel.py scores them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import keras
import numpy as np

from honest_forecast.baselines import simple
from honest_forecast.baselines.linear import linear_forecast
from honest_forecast.models.feeding import predict_windows
from honest_forecast.names import NAIVE2, NETWORK
from honest_forecast.scoring.panel import PanelBlock
from honest_forecast.windows.scaling import SeriesScalers
from honest_forecast.windows.split import Edges
from honest_forecast.windows.store import WindowStore


def window_series(starts: np.ndarray, series_starts: np.ndarray) -> np.ndarray:
    """Which series each window belongs to (its index in the panel's id order)."""
    return np.searchsorted(series_starts, starts, side="right") - 1


def naive2_indices(target: np.ndarray, edges: Edges, season: int) -> tuple[np.ndarray, np.ndarray]:
    """Each series' Naive2 seasonal indices (series, season), fit on its train block; ones where M4's test finds none.

    Also which series were found seasonal.
    """
    indices, seasonal = np.ones((len(edges), max(season, 1))), np.zeros(len(edges), dtype=bool)
    for at, (_, lo, train_end, _, _) in enumerate(edges):
        train = target[lo:train_end]
        if np.isfinite(train).all() and train.min() > 0 and simple.seasonality_test(train, season):
            indices[at], seasonal[at] = simple.seasonal_indices(train, season), True
    return indices, seasonal


def block_windows(store: WindowStore, series_starts: np.ndarray, season: int, block: str) -> tuple[np.ndarray, np.ndarray]:
    """A block's scored windows in stored order, and their series.

    A window whose targets lack a season of its own series' history is left out for every method
    (the seasonal naive would reach into the series before it).
    """
    starts = np.sort(store.starts[block], kind="stable")
    series = window_series(starts, series_starts)
    kept = starts - series_starts[series] + store.spec.window >= season
    return starts[kept], series[kept]


def panel_blocks(
    model: keras.Model,
    store: WindowStore,
    target: np.ndarray,
    series_starts: np.ndarray,
    scalers: SeriesScalers,
    linear_ar: object,
    statistical: Mapping[str, np.ndarray],
    indices: np.ndarray,
    season: int,
    blocks: tuple[str, ...],
) -> Iterator[tuple[str, PanelBlock]]:
    """Every method's forecasts of each block's windows, in each window's own series' units, a block at a time (a
    block let go of is not held while the next is forecast).

    The ridge's forecasts and the statistical ones are read for every block before the network
    predicts: their temporaries then come before the memory TensorFlow keeps once it has (the
    stage's peak at 10,000 series).
    """
    windows = {block: block_windows(store, series_starts, season, block) for block in blocks}
    linear = {block: linear_forecast(linear_ar, store, starts) for block, (starts, _) in windows.items()}
    rows = {block: store.spec.target_rows(starts) for block, (starts, _) in windows.items()}
    read = {block: {} for block in blocks}
    for name, table in statistical.items():  # each method's table of every row read once, for every block
        for block, at in rows.items():
            read[block][name] = table[at[:, 0] - 1, : at.shape[1]]
    del rows
    for block, (starts, series) in windows.items():  # no block handed out is kept here
        ridge, made = linear.pop(block), read.pop(block)
        yield block, block_forecasts(model, store, target, series_starts, scalers, ridge, made, indices, season, starts, series)


def block_forecasts(
    model: keras.Model,
    store: WindowStore,
    target: np.ndarray,
    series_starts: np.ndarray,
    scalers: SeriesScalers,
    linear: np.ndarray,
    statistical: dict[str, np.ndarray],
    indices: np.ndarray,
    season: int,
    starts: np.ndarray,
    series: np.ndarray,
) -> PanelBlock:
    """Every method's forecasts of the windows at ``starts`` (of ``series``); the ridge's ``linear`` and the
    ``statistical`` ones already read."""
    rows = store.spec.target_rows(starts)
    last_input = store.last_inputs(starts)
    forecasts = {
        NETWORK: scalers.target_to_original(predict_windows(model, store, starts), last_input, series, store.delta),
        "persistence": simple.persistence(target, rows),
        "seasonal_naive": simple.seasonal_naive(target, rows, season),
        "window_mean": simple.window_mean(target, rows, store.spec.window),
        "drift": simple.drift(target, rows, store.spec.window),
        NAIVE2: simple.naive2(target, rows, indices, series, series_starts[series]),
        "linear_ar": scalers.target_to_original(linear, last_input, series, store.delta),
    }
    return PanelBlock(rows, series, target[rows], forecasts | statistical)


def train_ranges(target: np.ndarray, edges: Edges) -> np.ndarray:
    """Each series' (min, max) over its train block: what its test targets are checked against."""
    return np.array([(np.nanmin(target[lo:train_end]), np.nanmax(target[lo:train_end])) for _, lo, train_end, *_ in edges])


def mase_scales(target: np.ndarray, edges: Edges, season: int) -> np.ndarray:
    """Each series' in-sample seasonal-naive MAE on its train block: the denominator of its MASE."""
    scales = np.empty(len(edges))
    for at, (_, lo, train_end, _, _) in enumerate(edges):
        train = target[lo:train_end]
        known = np.isfinite(train[season:]) & np.isfinite(train[:-season])
        scales[at] = np.mean(np.abs(train[season:][known] - train[:-season][known]))
    return scales
