"""Windows as views of one series: stored once per row, cut on the fly for training and evaluation.

A window is named by its start row: its inputs are rows ``start … start + window - 1`` of the
features, its targets the ``horizon`` rows right after. The windows stage stores the scaled rows
and each block's window starts; training and evaluation cut batches or chunks from them, so memory
grows with the series' length, never with ``window`` x windows.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from honest_forecast.io import load_arrays, save_arrays
from honest_forecast.names import BLOCKS

CHUNK_WINDOWS = 16 * 1024  # windows cut at once for the ridge's fit and forecasts


@dataclass(frozen=True)
class WindowSpec:
    """The window geometry: ``window`` inputs, then ``horizon`` targets right after them."""

    window: int
    horizon: int

    @property
    def span(self) -> int:
        return self.window + self.horizon

    def starts_with_targets_in(self, lo: int, hi: int) -> np.ndarray:
        """Window starts whose targets all lie in rows [lo, hi); inputs may precede lo."""
        first = max(lo - self.window, 0)
        last = hi - self.span  # inclusive
        return np.arange(first, last + 1, dtype=np.int64) if last >= first else np.empty(0, np.int64)

    def complete(self, starts: np.ndarray, missing: np.ndarray) -> np.ndarray:
        """The starts, in their order, of windows that read no missing row (inputs or targets)."""
        return starts[rows_flagged(missing, starts, self.span) == 0]

    def target_rows(self, starts: np.ndarray) -> np.ndarray:
        """Row index of every target, shape (windows, horizon)."""
        return starts[:, None] + self.window + np.arange(self.horizon)

    def targets_flagged(self, flags: np.ndarray, starts: np.ndarray) -> np.ndarray:
        """How many of each window's target rows are flagged, without cutting the (windows, horizon) rows."""
        return rows_flagged(flags, starts + self.window, self.horizon)


def rows_flagged(flags: np.ndarray, first: np.ndarray, length: int) -> np.ndarray:
    """How many of rows ``first … first + length - 1`` are flagged, for each entry of ``first``."""
    before = np.zeros(len(flags) + 1, dtype=np.int32 if len(flags) < 2**31 else np.int64)
    np.cumsum(flags, dtype=before.dtype, out=before[1:])
    return before[first + length] - before[first]


def rows_missing(features: np.ndarray, known_values: np.ndarray) -> np.ndarray:
    """Rows with a missing window input or known value: no window that reads one is cut."""
    return np.isnan(features).any(axis=1) | np.isnan(known_values).any(axis=1)


def chunks(starts: np.ndarray) -> list[np.ndarray]:
    """``starts`` in pieces of CHUNK_WINDOWS: at most that many windows are ever cut at once."""
    return [starts[at : at + CHUNK_WINDOWS] for at in range(0, len(starts), CHUNK_WINDOWS)]


@dataclass(frozen=True)
class WindowStore:
    """A fold's scaled rows and window starts: everything the network and the ridge read.

    ``features`` (rows, channels) float32 are the window inputs; ``target`` (rows,) is the scaled
    target in float64, from which targets are cut (less the last input when ``delta``) and only
    then rounded to float32, as the network sees them. ``known_slot`` is each row's one-hot slot of
    what is known in advance about its time (``known_width`` slots; width 0: nothing).
    ``known_values`` (rows, k) are the scaled covariates known in advance, read at the target rows.
    Those flagged in ``forecast_only`` are, in production, only a forecast: a store ``as_forecast``
    reads in their place each column's seasonal naive (period ``stand_in_season``) from the
    window's own origin, a value from no later than the last input.
    ``statistical`` (rows, horizon, methods), scaled as the target, holds the statistical
    baselines' forecasts by origin (see :meth:`with_statistical`); read at each window's origin as
    more known features per target step (less the last input under ``delta``, as the targets are).
    """

    spec: WindowSpec
    features: np.ndarray
    target: np.ndarray
    known_slot: np.ndarray
    known_width: int
    delta: bool
    starts: dict[str, np.ndarray]
    known_values: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.float32))
    forecast_only: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    stand_in_season: int = 1
    as_forecast: bool = False
    statistical: np.ndarray = field(default_factory=lambda: np.zeros((0, 0, 0), np.float32))
    statistical_names: tuple[str, ...] = ()
    level_norm: bool = False  # the target channel is read relative to each window's last value
    series_index: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))  # each row's series, for an id embedding

    @classmethod
    def load(cls, path: Path | str) -> WindowStore:
        arrays = load_arrays(path)
        return cls(
            spec=WindowSpec(int(arrays["window"]), int(arrays["horizon"])),
            features=arrays["features"],
            target=arrays["target"],
            known_slot=arrays["known_slot"],
            known_width=int(arrays["known_width"]),
            delta=bool(arrays["delta"]),
            starts={block: arrays[f"starts_{block}"] for block in BLOCKS},
            level_norm=bool(arrays.get("level_norm", False)),
            **({"series_index": arrays["series_index"]} if "series_index" in arrays else {}),
            **(
                {
                    "known_values": arrays["known_values"],
                    "forecast_only": arrays["forecast_only"],
                    "stand_in_season": int(arrays["stand_in_season"]),
                }
                if "known_values" in arrays
                else {}
            ),
        )

    def save(self, path: Path | str) -> None:
        save_arrays(
            path,
            window=np.int64(self.spec.window),
            horizon=np.int64(self.spec.horizon),
            features=self.features,
            target=self.target,
            known_slot=self.known_slot,
            known_width=np.int64(self.known_width),
            delta=np.bool_(self.delta),
            **{f"starts_{block}": starts for block, starts in self.starts.items()},
            **({"level_norm": np.bool_(True)} if self.level_norm else {}),
            **({"series_index": self.series_index} if self.series_index.size else {}),
            **(
                {
                    "known_values": self.known_values,
                    "forecast_only": self.forecast_only,
                    "stand_in_season": np.int64(self.stand_in_season),
                }
                if self.known_columns
                else {}
            ),
        )

    @property
    def series_count(self) -> int:
        """How many series' ids the network embeds: 0 without an id embedding."""
        return int(self.series_index.max()) + 1 if self.series_index.size else 0

    @property
    def known_columns(self) -> int:
        return self.known_values.shape[1]

    @property
    def shape(self) -> tuple[int, int, int, int]:
        """(window, channels, horizon, known features per target step): what the network is built for."""
        known = self.known_width + self.known_columns + self.statistical_methods
        return self.spec.window, self.features.shape[1], self.spec.horizon, known

    @property
    def statistical_methods(self) -> int:
        return self.statistical.shape[2]

    def with_statistical(self, forecasts: np.ndarray, names: tuple[str, ...]) -> WindowStore:
        """The windows read the ``names`` methods' forecasts made at their origin: ``forecasts[o]`` (horizon, methods).

        A window whose origin has no forecast of some method (before its fit stretch) is left
        out of every block (the linear autoregression baseline is then fit on the same training
        windows); such windows only occur in the train block of a long series, or of a sub-daily one
        before MSTL's first in-sample profile (two longest seasons).
        """
        if forecasts.shape[:2] != (len(self.target), self.spec.horizon):
            raise ValueError(f"statistical forecasts of shape {forecasts.shape} for {len(self.target)} rows")
        stored = forecasts.astype(np.float32)

        def kept(starts: np.ndarray) -> np.ndarray:
            return starts[np.isfinite(stored[starts + self.spec.window - 1]).all(axis=(1, 2))]

        starts = {block: kept(starts) for block, starts in self.starts.items()}
        return replace(self, statistical=stored, statistical_names=tuple(names), starts=starts)

    def without_statistical(self) -> WindowStore:
        """The window and what is known in advance only: the linear autoregression baseline's inputs."""
        return replace(self, statistical=np.zeros((0, 0, 0), np.float32), statistical_names=())

    @property
    def has_forecast_only(self) -> bool:
        return bool(self.forecast_only.any())

    def with_forecast_stand_ins(self) -> WindowStore:
        """The same rows, read as production reads them: forecast-only columns by their seasonal naive from the origin."""
        return replace(self, as_forecast=True)

    def windows(self, block: str) -> int:
        return len(self.starts[block])

    def target_rows(self, block: str) -> np.ndarray:
        return self.spec.target_rows(self.starts[block])

    def cut(self, starts: np.ndarray) -> tuple[dict[str, np.ndarray], np.ndarray]:
        """The model's named inputs and the scaled targets of the windows starting at ``starts``."""
        inputs = {"window": self.features[starts[:, None] + np.arange(self.spec.window)]}
        if self.level_norm:
            inputs["window"][..., 0] -= inputs["window"][:, -1:, 0]
        if self.shape[3]:
            inputs["known"] = self.known_inputs(starts)
        if self.series_index.size:
            inputs["series"] = self.series_index[starts][:, None]
        return inputs, self.targets(starts)

    def known_inputs(self, starts: np.ndarray) -> np.ndarray:
        """What is known at each target time (windows, horizon, features): the one-hot slot, then the known covariates."""
        rows = self.spec.target_rows(starts)
        parts = [np.eye(self.known_width, dtype=np.float32)[self.known_slot[rows]]] if self.known_width else []
        if self.known_columns:
            values = self.known_values[rows]
            if self.as_forecast and self.has_forecast_only:
                stand_in = self.known_values[self.stand_in_rows(starts)]
                values[..., self.forecast_only] = stand_in[..., self.forecast_only]
            parts.append(values)
        if self.statistical_methods:
            made = self.statistical[starts + self.spec.window - 1]
            parts.append(made - self.last_inputs(starts)[:, None, None] if self.delta else made)
        return np.concatenate(parts, axis=-1) if len(parts) > 1 else parts[0]

    def stand_in_rows(self, starts: np.ndarray) -> np.ndarray:
        """The rows the seasonal naive from each window's origin repeats for its targets: never after the origin."""
        leads = np.arange(1, self.spec.horizon + 1)
        back = self.stand_in_season * -(-leads // self.stand_in_season)
        return np.maximum(self.spec.target_rows(starts) - back, 0)

    def targets(self, starts: np.ndarray) -> np.ndarray:
        """The scaled targets (windows, horizon) the network is fit to, cut in float64 and then rounded to float32."""
        y = self.target[self.spec.target_rows(starts)]
        if self.delta:
            y = y - self.target[starts + self.spec.window - 1][:, None]
        return y.astype(np.float32)

    def last_inputs(self, starts: np.ndarray) -> np.ndarray:
        """The scaled target's last input value of each window, as the network reads it (float32)."""
        return self.features[starts + self.spec.window - 1, 0]
