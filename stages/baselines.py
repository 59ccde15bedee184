"""Simple forecasts that any model must beat, on exactly the model's target points.

Each takes the series in original units and ``target_rows`` (windows, horizon): the
row of every point to forecast. The forecast origin is the row before the first target,
and only rows up to the origin are read.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg
from sklearn.linear_model import Ridge

from stages.windowing import WindowStore, chunks

NAMES = ("persistence", "seasonal_naive", "window_mean", "drift", "linear_ar")
STATISTICAL_NAMES = ("ets", "theta", "mstl")  # fit by stages/statistical_baselines.py, in their own stage
EXACT_RIDGE_BYTES = 128 * 2**20  # design matrices up to this size (float64) are solved whole, by SVD


def _origins_and_steps(target_rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    origin = target_rows[:, :1] - 1
    return origin, target_rows - origin  # steps ahead: 1..horizon


def persistence(series: np.ndarray, target_rows: np.ndarray) -> np.ndarray:
    """Repeat the last known value."""
    origin, steps = _origins_and_steps(target_rows)
    return np.broadcast_to(series[origin], steps.shape).copy()


def seasonal_naive(series: np.ndarray, target_rows: np.ndarray, season: int) -> np.ndarray:
    """The value one season earlier (whole seasons back until the row is known at the origin)."""
    _, steps = _origins_and_steps(target_rows)
    rows = target_rows - season * np.ceil(steps / season).astype(np.int64)
    if rows.min() < 0:
        raise ValueError(f"seasonal naive with season={season} reaches before the first row")
    return series[rows]


def window_mean(series: np.ndarray, target_rows: np.ndarray, window: int) -> np.ndarray:
    """The mean of the input window."""
    origin, steps = _origins_and_steps(target_rows)
    cumulative = np.zeros(len(series) + 1)
    np.cumsum(np.nan_to_num(series), out=cumulative[1:])  # windows read no missing value
    means = (cumulative[origin + 1] - cumulative[origin + 1 - window]) / window
    return np.broadcast_to(means, steps.shape).copy()


def drift(series: np.ndarray, target_rows: np.ndarray, window: int) -> np.ndarray:
    """The line through the first and last value of the input window, extended."""
    origin, steps = _origins_and_steps(target_rows)
    last = series[origin]
    if window < 2:
        return np.broadcast_to(last, steps.shape).copy()
    slope = (last - series[origin - window + 1]) / (window - 1)
    return last + slope * steps


def linear_features(inputs: dict[str, np.ndarray]) -> np.ndarray:
    """The model's inputs flattened per window, in the order the model's skip path reads them."""
    return np.hstack([inputs[name].reshape(len(inputs[name]), -1) for name in ("window", "known") if name in inputs])


@dataclass(frozen=True)
class LinearMap:
    """A fitted linear forecast, ``features @ coef_.T + intercept_``, as sklearn's linear models predict."""

    coef_: np.ndarray  # (horizon, features)
    intercept_: np.ndarray  # (horizon,)

    def predict(self, features: np.ndarray) -> np.ndarray:
        return features @ self.coef_.T + self.intercept_


def fit_linear_autoregression(store: WindowStore, starts: np.ndarray, alpha: float) -> Ridge | LinearMap:
    """Ridge on the flattened inputs of the windows at ``starts``: the same inputs and targets the network gets.

    Up to EXACT_RIDGE_BYTES of design matrix, sklearn's SVD solves it from the whole matrix, stably
    even where channels are collinear (calendar sin/cos repeat along the window). Beyond that the
    matrix is never built: its centred normal equations are summed over chunks of windows and
    solved in float64, the same problem to within rounding (tests/test_baselines.py compares them).
    """
    cells = (store.spec.window * store.features.shape[1] + store.spec.horizon * store.known_width) * len(starts)
    if cells * np.dtype(np.float64).itemsize <= EXACT_RIDGE_BYTES:
        inputs, y = store.cut(starts)
        return Ridge(alpha=alpha, solver="svd").fit(linear_features(inputs), y)
    return streamed_ridge(store, starts, alpha)


def streamed_ridge(store: WindowStore, starts: np.ndarray, alpha: float) -> LinearMap:
    """Ridge with an intercept from normal equations summed chunk by chunk (memory: features squared).

    Sums are taken about the first chunk's means, so centring loses no precision to large means.
    """
    shift_x = shift_y = None
    count, gram, cross, sum_x, sum_y = 0, 0.0, 0.0, 0.0, 0.0
    for part in chunks(starts):
        inputs, y = store.cut(part)
        x = linear_features(inputs).astype(np.float64)
        y = y.astype(np.float64)
        if shift_x is None:
            shift_x, shift_y = x.mean(axis=0), y.mean(axis=0)
        x -= shift_x
        y -= shift_y
        count += len(x)
        gram = gram + x.T @ x
        cross = cross + x.T @ y
        sum_x = sum_x + x.sum(axis=0)
        sum_y = sum_y + y.sum(axis=0)
    mean_x, mean_y = sum_x / count, sum_y / count
    gram = gram - count * np.outer(mean_x, mean_x) + alpha * np.eye(len(mean_x))
    cross = cross - count * np.outer(mean_x, mean_y)
    coef = scipy.linalg.solve(gram, cross, assume_a="pos").T
    intercept = (shift_y + mean_y) - coef @ (shift_x + mean_x)
    return LinearMap(coef, intercept)


def predict_linear_autoregression(model: Ridge, inputs: dict[str, np.ndarray]) -> np.ndarray:
    features = linear_features(inputs)
    return model.predict(features).reshape(len(features), -1)
