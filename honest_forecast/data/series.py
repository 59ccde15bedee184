"""The checked series: the one type that travels from ingest to every stage that reads the data."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from honest_forecast.data.future import steps_after
from honest_forecast.data.gaps import fill_missing, regularize
from honest_forecast.data.lines import PhysicalLines, time_text
from honest_forecast.data.reader import read_in_pieces, read_whole
from honest_forecast.data.spacing import ROW_NOTES, Spacing, resolve_season, spacing_for
from honest_forecast.data.text import codec_for
from honest_forecast.data.values import TIME_NOTES
from honest_forecast.errors import DataError, ParamError
from honest_forecast.io import load_arrays, save_arrays
from honest_forecast.names import BLOCKS
from honest_forecast.params import Params


@dataclass(frozen=True)
class Series:
    """A checked series, as ingest writes it and every later stage reads it.

    What it guarantees: ``timestamps`` are distinct and increasing, one row per step of the
    spacing ``freq`` (a step with no row in the file is a row of NaN; trading days and
    ``freq: none`` step by rows); values are float64, NaN only where a value is missing and the
    policy left it so; the target is not constant. ``filled_target`` marks the target values the
    missing-value policy made up (never a scored target); ``wall_times`` are the local clock
    times where the file gave zone offsets (what calendar inputs follow).

    A file of many series (long format) is one such series after another, sorted by id, each on the
    file's one spacing and with every guarantee of its own; ``segments`` says where each lies.
    """

    timestamps: np.ndarray  # datetime64[ns], or int64 for an integer index
    target: np.ndarray
    covariates: np.ndarray  # shape (rows, len(covariate_names))
    target_name: str
    covariate_names: tuple[str, ...]
    freq: str  # the spacing's alias ('30min', 'D', 'B', 'MS', 'integer', 'none')
    calendar_kind: str  # what the timestamps can say about a step: time_of_day, day_of_week, ..., none
    season: int
    seasons: tuple[int, ...]  # every period a model should use (a sub-daily series: the day and the week)
    filled_target: np.ndarray  # bool per row
    wall_times: np.ndarray | None = None
    known: np.ndarray | None = None  # (rows, len(known_names)): covariates known in advance, read at the target times
    known_names: tuple[str, ...] = ()
    series_ids: tuple[str, ...] = ()  # many series (param 'id_column'): their ids, sorted; () for one series
    series_starts: np.ndarray | None = None  # and the row each begins on, then the row count (len(series_ids) + 1)

    @property
    def is_panel(self) -> bool:
        return bool(self.series_ids)

    def segments(self) -> list[tuple[str, int, int]]:
        """Each series' id with its first and last-plus-one row: one entry, id '', for a file of one series."""
        if not self.is_panel:
            return [("", 0, self.rows)]
        edges = self.series_starts.tolist()
        return list(zip(self.series_ids, edges[:-1], edges[1:], strict=True))

    @property
    def rows(self) -> int:
        return len(self.target)

    @property
    def names(self) -> list[str]:
        """The target's name, then the covariates', in column order."""
        return [self.target_name, *self.covariate_names]

    @property
    def column_names(self) -> list[str]:
        """Every column read: ``names``, then the covariates known in advance."""
        return [*self.names, *self.known_names]

    @property
    def known_values(self) -> np.ndarray:
        return np.zeros((self.rows, 0)) if self.known is None else self.known

    @property
    def values(self) -> np.ndarray:
        """Every column as read, (rows, columns) in the order of ``column_names``."""
        return np.column_stack([self.target, self.covariates, self.known_values])

    @property
    def calendar_times(self) -> np.ndarray:
        """The times calendar inputs follow: the wall clock the file states, else the timestamps."""
        return self.timestamps if self.wall_times is None else self.wall_times

    def head(self, end: int) -> Series:
        """The series as a fold sees it: the rows before ``end`` only (views, not copies)."""
        wall_times = None if self.wall_times is None else self.wall_times[:end]
        known = None if self.known is None else self.known[:end]
        return Series(
            self.timestamps[:end],
            self.target[:end],
            self.covariates[:end],
            self.target_name,
            self.covariate_names,
            self.freq,
            self.calendar_kind,
            self.season,
            self.seasons,
            self.filled_target[:end],
            wall_times,
            known,
            self.known_names,
        )

    def take(self, rows: np.ndarray | slice, **changes: object) -> Series:
        """The series at ``rows``, every per-row array cut alike; ``changes`` set other fields (a panel's ids and starts)."""
        return replace(
            self,
            timestamps=self.timestamps[rows],
            target=self.target[rows],
            covariates=self.covariates[rows],
            filled_target=self.filled_target[rows],
            wall_times=None if self.wall_times is None else self.wall_times[rows],
            known=None if self.known is None else self.known[rows],
            **changes,
        )

    def save(self, path: Path | str) -> None:
        save_arrays(
            path,
            timestamps=self.timestamps,
            target=self.target,
            covariates=self.covariates,
            target_name=np.array(self.target_name),
            covariate_names=np.array(self.covariate_names, dtype=str),
            freq=np.array(self.freq),
            season=np.array(self.season, dtype=np.int64),
            seasons=np.array(self.seasons, dtype=np.int64),
            calendar_kind=np.array(self.calendar_kind),
            filled_target=self.filled_target,
            **({"wall_times": self.wall_times} if self.wall_times is not None else {}),
            **({"known": self.known, "known_names": np.array(self.known_names, dtype=str)} if self.known_names else {}),
            **(
                {"series_ids": np.array(self.series_ids, dtype=str), "series_starts": self.series_starts} if self.is_panel else {}
            ),
        )

    @classmethod
    def load(cls, path: Path | str) -> Series:
        arrays = load_arrays(path)
        return cls(
            timestamps=arrays["timestamps"],
            target=arrays["target"],
            covariates=arrays["covariates"],
            target_name=str(arrays["target_name"]),
            covariate_names=tuple(str(name) for name in arrays["covariate_names"]),
            freq=str(arrays["freq"]),
            calendar_kind=str(arrays["calendar_kind"]),
            season=int(arrays["season"]),
            seasons=tuple(int(season) for season in arrays["seasons"]),
            filled_target=arrays["filled_target"],
            wall_times=arrays.get("wall_times"),
            known=arrays.get("known"),
            known_names=tuple(str(name) for name in arrays.get("known_names", ())),
            series_ids=tuple(str(name) for name in arrays.get("series_ids", ())),
            series_starts=arrays.get("series_starts"),
        )


@dataclass(frozen=True)
class Ingested:
    """A series with what reading it found out: how its spacing was known, what was filled or left missing."""

    series: Series
    spacing: Spacing
    freq_source: str  # 'inferred' or 'param'
    filled: int = 0  # values filled by the missing-value policy
    missing: int = 0  # values left missing (policy 'skip'): windows that would need them are not cut
    time_note: str = ""  # how the time column was read, where it was not written as times (Unix seconds, YYYYMMDD)
    future: Ahead | None = None  # the file's rows after the last target value, where known covariates are read
    skipped: tuple[tuple[str, int, str], ...] = ()  # many series: (id, rows, why) of each series left out


@dataclass(frozen=True)
class Ahead:
    """The ``horizon`` rows after the last target value: their times and the known covariates' values there."""

    timestamps: np.ndarray
    known: np.ndarray  # (horizon, known covariates)


def load_series(params: Params) -> Ingested:
    """Everything ingest checks, as one pure function of the params and the file."""
    if params.id_column:
        raise ParamError("param 'id_column' is set: a file of many series is read by honest_forecast.data.panel.load_panel")
    path = Path(params.data_path)
    lines = PhysicalLines(path, codec_for(params.encoding), params.csv_sep)
    columns = read_in_pieces(path, params, lines)
    stamps, offsets, values, _, read_as = read_whole(path, params, lines) if columns is None else columns
    names = list(params.value_columns)
    refuse_empty_columns(path, values, names)
    spacing, freq_source = spacing_for(path, stamps, params.freq, params.time_column, lines)
    if offsets is not None:  # carried through regularize as a column; an inserted row keeps the offset before it
        values = np.column_stack([values, offsets])
    stamps, values = regularize(path, stamps, values, spacing, params.time_column, lines)
    wall_times = None
    if offsets is not None:
        offsets, values = pd.Series(values[:, -1]).ffill().to_numpy(), values[:, :-1]
        wall_times = stamps + (offsets * 1e9).astype("timedelta64[ns]")
    future = None
    if params.known_covariates:
        end, future = rows_ahead(path, stamps, values, names, len(params.known_covariates), spacing, params.horizon)
        # the rows after the last target value are the future the forecast reads; none is a missing value
        stamps, values = stamps[:end], values[:end]
        wall_times = None if wall_times is None else wall_times[:end]
    known_count = len(params.known_covariates)
    before = np.isnan(values[:, 0])
    values, filled = fill_missing(path, stamps, values, names, params.missing, params.max_gap, params.max_fill_share)
    filled_target = before & np.isfinite(values[:, 0])
    target = values[:, 0]
    observed = target[np.isfinite(target)]
    if observed.size == 0 or observed.min() == observed.max():
        shown = f" ({observed[0]:g})" if observed.size else ""
        raise DataError(
            f"{path}: column '{params.target_column}' is constant{shown}; "
            "there is nothing to forecast and scaling would divide by zero"
        )
    season, seasons = resolve_season(spacing, len(target), params.season)
    series = Series(
        stamps,
        target,
        values[:, 1 : len(names) - known_count],
        params.target_column,
        tuple(params.covariates),
        freq=spacing.alias,
        calendar_kind=spacing.calendar_kind,
        season=season,
        seasons=seasons,
        filled_target=filled_target,
        wall_times=wall_times,
        known=values[:, len(names) - known_count :] if known_count else None,
        known_names=tuple(params.known_covariates),
    )
    time_note = f"column '{params.time_column}' {TIME_NOTES[read_as]}" if read_as in TIME_NOTES else ""
    missing = int(np.isnan(values).sum())
    return Ingested(series, spacing, freq_source, filled=filled, missing=missing, time_note=time_note, future=future)


def rows_ahead(
    path: Path, stamps: np.ndarray, values: np.ndarray, names: list[str], known: int, spacing: Spacing, horizon: int
) -> tuple[int, Ahead]:
    """Where the observed rows end (after the last target value) and the ``horizon`` rows after it.

    Those trailing rows carry the known covariates' values at the forecast's times; their empty
    target is the future, never a missing value. Too few of them, or an empty known value in one,
    is refused: a forecast would have to invent it.
    """
    observed = np.flatnonzero(np.isfinite(values[:, 0]))
    end = int(observed[-1]) + 1
    target, first_known = names[0], names[len(names) - known]
    after = f"after the last value of '{target}' ({time_text(stamps, end - 1)})"
    times = stamps[end : end + horizon]
    if len(times) < horizon:
        wanted = steps_after(stamps[:end], spacing, horizon) if spacing.kind != "none" else None
        at = f"at {time_text(wanted, len(times))}" if wanted is not None else f"at step {len(times) + 1}"
        raise DataError(
            f"{path}: column '{first_known}' (a known covariate) has {len(times)} of the {horizon} rows {after} that the "
            f"forecast reads it at (param 'horizon'); the first one missing is {at}: add rows with '{target}' empty and "
            "every known covariate filled"
        )
    ahead = values[end : end + horizon, len(names) - known :]
    gaps = np.argwhere(np.isnan(ahead))
    if gaps.size:
        row, column = (int(index) for index in gaps[0])
        raise DataError(
            f"{path}: column '{names[len(names) - known + column]}' (a known covariate) is empty at "
            f"{time_text(times, row)}, one of the {horizon} rows {after} that the forecast reads it at; fill it in the file"
        )
    return end, Ahead(times, ahead)


def refuse_empty_columns(path: Path, values: np.ndarray, names: list[str]) -> None:
    """A column with no value at all is a column of the wrong name or an empty export, never a series or an input."""
    empty = [name for name, column in zip(names, values.T, strict=True) if np.isnan(column).all()]
    if empty:
        role = "the target" if empty[0] == names[0] else "a covariate"
        fix = "check param 'target_column'" if role == "the target" else "leave it out of param 'covariates'"
        raise DataError(f"{path}: column '{empty[0]}' ({role}) has no value at all, every row is missing; {fix}")


def filled_per_block(filled_target: np.ndarray, edges: list[tuple[int, int, int, int]]) -> dict[str, int]:
    """How many target values the missing-value policy made up in each block (none of them is ever scored).

    ``edges`` are each series' first row, train and valid ends and last-plus-one row.
    """
    return {
        block: sum(int(filled_target[series[at] : series[at + 1]].sum()) for series in edges) for at, block in enumerate(BLOCKS)
    }


def ingest_summary(ingested: Ingested, source: str, missing_policy: str, edges: list[tuple[int, int, int, int]]) -> dict:
    """What ``data/interim/summary.json`` says of the series: its extent, spacing, season and missing values."""
    series, spacing = ingested.series, ingested.spacing
    summary = {
        "source": source,
        "rows": series.rows,
        "start": time_text(series.timestamps, 0),
        "end": time_text(series.timestamps, -1),
        "filled_values": ingested.filled,
        "filled_targets_per_block": filled_per_block(series.filled_target, edges),
        "missing_values": ingested.missing,
        "missing_policy": missing_policy,
        "freq": spacing.alias,
        "freq_source": ingested.freq_source,
        "step": spacing.text,
        "season": series.season,
        "seasons": list(series.seasons),
        "calendar_kind": spacing.calendar_kind,
    }
    if series.is_panel:
        lengths = np.diff(series.series_starts)
        summary["series"] = {
            "count": len(series.series_ids),
            "rows": {"min": int(lengths.min()), "median": float(np.median(lengths)), "max": int(lengths.max())},
            "skipped": [{"id": name, "rows": rows, "reason": why} for name, rows, why in ingested.skipped],
        }
        summary["start"] = time_text(np.array([series.timestamps.min()]), 0)
        summary["end"] = time_text(np.array([series.timestamps.max()]), 0)
    if spacing.rows_are_steps:
        summary["note"] = ROW_NOTES[spacing.kind]
    if ingested.time_note:
        summary["time_note"] = ingested.time_note
    return summary
