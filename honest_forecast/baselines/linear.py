"""A linear autoregression (ridge) on exactly the windows the network reads: the baseline and the skip path."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg
from sklearn.linear_model import Ridge

from honest_forecast.windows.store import WindowStore, chunks

EXACT_RIDGE_BYTES = 128 * 2**20  # design matrices up to this size (float64) are solved whole, by SVD


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
    window, channels, horizon, known = store.shape
    cells = (window * channels + horizon * known) * len(starts)
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


def linear_forecast(linear_ar: object, store: WindowStore, starts: np.ndarray) -> np.ndarray:
    """The ridge's scaled forecasts of the windows at ``starts``, cut a chunk at a time."""
    parts = [predict_linear_autoregression(linear_ar, store.cut(part)[0]) for part in chunks(starts)]
    return np.concatenate(parts) if parts else np.empty((0, store.spec.horizon))
