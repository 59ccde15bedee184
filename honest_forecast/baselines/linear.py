"""A linear autoregression (ridge) on exactly the windows the network reads: the baseline and the skip path."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
import scipy.linalg
from sklearn.linear_model import Ridge

from honest_forecast.windows.store import WindowStore, chunks

EXACT_RIDGE_BYTES = 128 * 2**20  # design matrices up to this size (float64) are solved whole, by SVD
RIDGE_FOLDS = 5  # contiguous blocks of train windows in time order for choosing the penalty
RIDGE_ALPHAS = np.logspace(-3, 8, 23)
"""The penalties tried (inputs are scaled, so one grid serves every series). The largest leaves
little but the intercept, the mean target: with ``target: delta`` that is persistence plus the
train block's mean step."""
ZERO_FORECAST = math.inf
"""With ``target: delta``, one more candidate: the limit with the intercept shrunk too, a change of
zero, which is persistence. On a series no lag predicts (a random walk) neither the lags nor the
train block's mean step says anything, and the ridge must earn its place against no change."""


def linear_features(inputs: dict[str, np.ndarray]) -> np.ndarray:
    """The model's inputs flattened per window, in the order the model's skip path reads them."""
    return np.hstack([inputs[name].reshape(len(inputs[name]), -1) for name in ("window", "known") if name in inputs])


@dataclass(frozen=True)
class LinearMap:
    """A fitted linear forecast, ``features @ coef_.T + intercept_``, as sklearn's linear models predict."""

    coef_: np.ndarray  # (horizon, features)
    intercept_: np.ndarray  # (horizon,)
    alpha: float  # the penalty it was fit with

    def predict(self, features: np.ndarray) -> np.ndarray:
        return features @ self.coef_.T + self.intercept_


def fit_linear_autoregression(store: WindowStore, starts: np.ndarray, alpha: float | str) -> Ridge | LinearMap:
    """Ridge on the flattened inputs of the windows at ``starts``: the same inputs and targets the network gets.

    ``alpha`` 'auto' is the penalty :func:`choose_ridge_alpha` picks on those windows; the fit's
    ``alpha`` says which was used.

    Up to EXACT_RIDGE_BYTES of design matrix, sklearn's SVD solves it from the whole matrix, stably
    even where channels are collinear (calendar sin/cos repeat along the window). Beyond that the
    matrix is never built: its centred normal equations are summed over chunks of windows and
    solved in float64, the same problem to within rounding (tests/test_baselines.py compares them).
    """
    if alpha == "auto":
        alpha = choose_ridge_alpha(store, starts)[0]
    window, channels, horizon, known = store.shape
    features = window * channels + horizon * known
    if alpha == ZERO_FORECAST:
        return LinearMap(np.zeros((horizon, features)), np.zeros(horizon), alpha)
    if features * len(starts) * np.dtype(np.float64).itemsize <= EXACT_RIDGE_BYTES:
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
    return LinearMap(coef, intercept, alpha)


def _segment_sums(store: WindowStore, starts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Gram matrix (with a column of ones), cross products and target sums of squares of the windows at ``starts``."""
    gram, cross, squares = 0.0, 0.0, 0.0
    for part in chunks(starts):
        inputs, y = store.cut(part)
        x = linear_features(inputs).astype(np.float64)
        x = np.hstack([x, np.ones((len(x), 1))])
        y = y.reshape(len(y), -1).astype(np.float64)
        gram, cross, squares = gram + x.T @ x, cross + x.T @ y, squares + (y * y).sum(axis=0)
    return gram, cross, squares, len(starts)


def choose_ridge_alpha(store: WindowStore, starts: np.ndarray) -> tuple[float, dict[str, float]]:
    """The penalty of :data:`RIDGE_ALPHAS` with the lowest cross-validated MSE, or :data:`ZERO_FORECAST`; and the MSE of each.

    The windows are taken in time order and cut into :data:`RIDGE_FOLDS` contiguous blocks; each
    block is predicted by the ridge fit on the others less every window that shares a row with
    it (purged, so no overlapping window carries its values across). A penalty too small for the
    number of windows (a long window with calendar channels on a short series) predicts the
    held-out blocks badly and is not chosen. Under ``target: delta`` the best ridge is kept only
    if it beats forecasting no change by more than one standard error of the block-to-block
    difference (the one-standard-error rule): where it does not, as on a random walk, its edge
    in cross-validation is noise and persistence is the honest forecast. Only sums of the
    windows' products are kept, so the memory is the features squared per block, as the streamed fit.
    """
    ordered = np.sort(starts)
    span = store.spec.window + store.spec.horizon  # two windows whose starts are this close share a row
    bounds = np.linspace(0, len(ordered), RIDGE_FOLDS + 1).round().astype(int)
    folds = [(bounds[k], bounds[k + 1]) for k in range(RIDGE_FOLDS) if bounds[k + 1] > bounds[k]]
    purged = [
        (int(np.searchsorted(ordered, ordered[a] - span, side="right")), int(np.searchsorted(ordered, ordered[b - 1] + span)))
        for a, b in folds
    ]
    cuts = sorted({0, len(ordered), *(i for pair in folds + purged for i in pair)})
    segments = {(lo, hi): _segment_sums(store, ordered[lo:hi]) for lo, hi in itertools.pairwise(cuts)}

    def summed(lo: int, hi: int) -> tuple:
        parts = [value for (a, b), value in segments.items() if lo <= a and b <= hi]
        return tuple(sum(part[i] for part in parts) for i in range(4))

    total = summed(0, len(ordered))
    unpenalised = np.zeros(total[0].shape[0])
    unpenalised[-1] = 1.0  # the intercept
    points, blocks = [], []  # per scored block: its target points, and each candidate's squared error on it
    for (a, b), (lo, hi) in zip(folds, purged, strict=True):
        held = summed(a, b)
        removed = summed(lo, hi)
        gram, cross = total[0] - removed[0], total[1] - removed[1]
        if total[3] - removed[3] <= 0:
            continue  # the purge left no window to fit on: this block is not scored
        errors = {ZERO_FORECAST: float(np.sum(held[2]))} if store.delta else {}
        for alpha in RIDGE_ALPHAS:
            coef = scipy.linalg.solve(gram + alpha * np.diag(1.0 - unpenalised), cross, assume_a="sym")
            errors[alpha] = float(np.sum(held[2] - 2 * np.sum(coef * held[1], axis=0) + np.sum(coef * (held[0] @ coef), axis=0)))
        points.append(held[3] * store.spec.horizon)
        blocks.append(errors)
    candidates = [*RIDGE_ALPHAS, ZERO_FORECAST] if store.delta else list(RIDGE_ALPHAS)
    mse = {f"{alpha:g}": sum(block[alpha] for block in blocks) / max(sum(points), 1) for alpha in candidates}
    if not blocks:  # nothing scored: the strongest candidate
        return float(candidates[-1]), mse
    best = min(RIDGE_ALPHAS, key=lambda alpha: (mse[f"{alpha:g}"], -alpha))
    if store.delta:
        gain = np.array([block[ZERO_FORECAST] - block[best] for block in blocks]) / np.array(points)
        error = gain.std(ddof=1) / np.sqrt(len(gain)) if len(gain) > 1 else np.inf
        if mse[f"{ZERO_FORECAST:g}"] - mse[f"{best:g}"] <= error:
            return ZERO_FORECAST, mse
    return float(best), mse


def alpha_record(alpha: float) -> float | str:
    """The penalty as metrics files hold it: a number, or 'inf' for the zero forecast (JSON has no infinity)."""
    return "inf" if alpha == ZERO_FORECAST else float(alpha)


def best_statistical_map(store: WindowStore, starts: np.ndarray) -> tuple[LinearMap, int]:
    """The statistical forecast the windows at ``starts`` read with the lowest MSE, as a linear map of the inputs, and its index.

    A weight of one on that method's forecast of each target and nothing else: the skip path is
    that forecast as it is, and the network learns what it misses.
    """
    window, channels, horizon, known = store.shape
    methods = store.statistical_methods
    errors = np.zeros(methods)
    for part in chunks(starts):
        inputs, y = store.cut(part)
        errors += ((inputs["known"][..., known - methods :] - y[..., None]) ** 2).sum(axis=(0, 1))
    best = int(np.argmin(errors))
    coef = np.zeros((horizon, window * channels + horizon * known))
    for lead in range(horizon):
        coef[lead, window * channels + lead * known + known - methods + best] = 1.0
    return LinearMap(coef, np.zeros(horizon), 0.0), best


def predict_linear_autoregression(model: Ridge, inputs: dict[str, np.ndarray]) -> np.ndarray:
    features = linear_features(inputs)
    return model.predict(features).reshape(len(features), -1)


def linear_forecast(linear_ar: object, store: WindowStore, starts: np.ndarray) -> np.ndarray:
    """The ridge's scaled forecasts of the windows at ``starts``, cut a chunk at a time."""
    parts = [predict_linear_autoregression(linear_ar, store.cut(part)[0]) for part in chunks(starts)]
    return np.concatenate(parts) if parts else np.empty((0, store.spec.horizon))
