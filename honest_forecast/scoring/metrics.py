"""Forecast error metrics as small pure functions; every one takes ``actual`` and ``forecast``."""

from __future__ import annotations

import numpy as np

from honest_forecast.names import METRIC_NAMES


def mae(actual: np.ndarray, forecast: np.ndarray) -> float:
    return float(np.mean(np.abs(actual - forecast)))


def mse(actual: np.ndarray, forecast: np.ndarray) -> float:
    return float(np.mean((actual - forecast) ** 2))


def rmse(actual: np.ndarray, forecast: np.ndarray) -> float:
    return float(np.sqrt(mse(actual, forecast)))


def smape(actual: np.ndarray, forecast: np.ndarray) -> float:
    """Symmetric MAPE as in the M4 competition, in percent (0 to 200); 0/0 terms count as 0."""
    denominator = np.abs(actual) + np.abs(forecast)
    ratio = np.divide(np.abs(actual - forecast), denominator, out=np.zeros_like(denominator, dtype=float), where=denominator > 0)
    return float(200.0 * np.mean(ratio))


def seasonal_naive_scale(insample: np.ndarray, season: int) -> float:
    """In-sample MAE of the seasonal naive forecast: the denominator of MASE (Hyndman & Koehler 2006)."""
    if len(insample) <= season:
        raise ValueError(f"MASE needs more than season={season} in-sample values, got {len(insample)}")
    known = np.isfinite(insample[season:]) & np.isfinite(insample[:-season])  # pairs with a missing value say nothing
    return mae(insample[season:][known], insample[:-season][known])


def mase(actual: np.ndarray, forecast: np.ndarray, scale: float) -> float | None:
    """Mean absolute scaled error; ``scale`` comes from :func:`seasonal_naive_scale` on the train block.

    None (JSON null) where the scale is 0: a train block that repeats itself exactly every season
    gives the seasonal naive no error to scale by, and MASE is undefined (see :data:`MASE_UNDEFINED`).
    """
    return mae(actual, forecast) / scale if scale > 0 else None


MASE_UNDEFINED = (
    "the train block repeats itself exactly every {season} steps, so the seasonal naive makes no error on it "
    "and MASE, scaled by that error, is undefined (null)"
)


def rel_mae(actual: np.ndarray, forecast: np.ndarray, reference: np.ndarray) -> float:
    """MAE relative to a reference forecast on the same points (below 1 beats the reference)."""
    return mae(actual, forecast) / mae(actual, reference)


def all_metrics(actual: np.ndarray, forecast: np.ndarray, reference: np.ndarray, scale: float) -> dict[str, float | None]:
    """The metrics reported for every method, in the registry's order; ``reference`` is persistence on the same points."""
    scores = {
        "mae": mae(actual, forecast),
        "rmse": rmse(actual, forecast),
        "smape": smape(actual, forecast),
        "mase": mase(actual, forecast, scale),
        "rel_mae": rel_mae(actual, forecast, reference),
    }
    return {name: scores[name] for name in METRIC_NAMES}
