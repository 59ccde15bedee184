"""Per-column affine scaling fit on chosen rows: the train block, unless a leaky setup asks for all."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Scaler:
    """Per-column affine scaling, ``(x - center) / scale``, kept as plain numbers (no pickle)."""

    kind: str
    center: np.ndarray
    scale: np.ndarray

    def transform(self, values: np.ndarray) -> np.ndarray:
        return (values - self.center) / self.scale

    def inverse(self, values: np.ndarray, column: int = 0) -> np.ndarray:
        return values * self.scale[column] + self.center[column]

    def to_dict(self, names: list[str], fit_rows: tuple[int, int]) -> dict:
        return {
            "kind": self.kind,
            "fit_rows": list(fit_rows),
            "columns": {
                name: {"center": float(c), "scale": float(s)} for name, c, s in zip(names, self.center, self.scale, strict=True)
            },
        }

    @classmethod
    def from_dict(cls, data: dict) -> Scaler:
        columns = data["columns"].values()
        return cls(data["kind"], np.array([c["center"] for c in columns]), np.array([c["scale"] for c in columns]))


def fit_scaler(rows: np.ndarray, kind: str) -> Scaler:
    """Fit on the rows given (the train block, unless the leaky ``scaler_fit: all`` is chosen).

    Missing values (NaN, under ``missing: skip``) are left out of the statistics, never filled.
    """
    width = rows.shape[1]
    gaps = bool(np.isnan(rows).any())
    mean, std, low, high = (np.nanmean, np.nanstd, np.nanmin, np.nanmax) if gaps else (np.mean, np.std, np.min, np.max)
    if kind == "standard":
        center, scale = mean(rows, axis=0), std(rows, axis=0)
    elif kind == "minmax":
        center, scale = low(rows, axis=0), high(rows, axis=0) - low(rows, axis=0)
    elif kind == "robust":
        q1, median, q3 = (np.nanpercentile if gaps else np.percentile)(rows, [25, 50, 75], axis=0)
        center, scale = median, q3 - q1
    else:
        center, scale = np.zeros(width), np.ones(width)
    # A column constant over the fit rows keeps its offset but is not divided by zero.
    return Scaler(kind, center, np.where(scale > 0, scale, 1.0))


def scaled_forecasts(forecasts: dict[str, np.ndarray], names: list[str], scaler: Scaler) -> np.ndarray:
    """The named methods' forecasts by origin (rows, horizon), scaled as the target, stacked as (rows, horizon, methods)."""
    return np.stack([(forecasts[name] - scaler.center[0]) / scaler.scale[0] for name in names], axis=-1)


def to_original_units(forecast: np.ndarray, last_input: np.ndarray, scaler: Scaler, delta: bool) -> np.ndarray:
    """Undo the target transform (with ``delta``, the difference from the window's last input) and then the scaling."""
    level = forecast.astype(np.float64)
    if delta:
        level = level + last_input.astype(np.float64)[:, None]
    return scaler.inverse(level, column=0)


@dataclass(frozen=True)
class SeriesScalers:
    """One scaler per series of a panel, each fit on its own rows: centres and scales (series, columns), by id order."""

    kind: str
    ids: tuple[str, ...]
    center: np.ndarray
    scale: np.ndarray

    def to_dict(self, names: list[str], fit_rows: list[tuple[int, int]]) -> dict:
        return {
            "kind": self.kind,
            "columns": names,
            "series": {
                name: {"fit_rows": list(rows), "center": center.tolist(), "scale": scale.tolist()}
                for name, rows, center, scale in zip(self.ids, fit_rows, self.center, self.scale, strict=True)
            },
        }

    @classmethod
    def from_dict(cls, data: dict) -> SeriesScalers:
        series = data["series"]
        return cls(
            data["kind"],
            tuple(series),
            np.array([entry["center"] for entry in series.values()]),
            np.array([entry["scale"] for entry in series.values()]),
        )

    def target_to_original(self, forecast: np.ndarray, last_input: np.ndarray, series: np.ndarray, delta: bool) -> np.ndarray:
        """:func:`to_original_units` with each window's own series' scaler (``series``: its index in ``ids``)."""
        level = forecast.astype(np.float64)
        if delta:
            level = level + last_input.astype(np.float64)[:, None]
        return level * self.scale[series, 0][:, None] + self.center[series, 0][:, None]
