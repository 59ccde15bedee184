"""Many series in one file (long format): the rows grouped by series, each series checked on its own.

Every check of one series applies to each (order, duplicates, spacing, gaps, missing values), and
its message names the series' id as well as the file, the column and the line. The file has one
spacing; a series that is constant, or too short for the blocks, is left out with its reason,
never silently.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np

from honest_forecast.data.gaps import fill_missing, regularize
from honest_forecast.data.ids import group_rows
from honest_forecast.data.lines import PhysicalLines, line_numbers, time_text
from honest_forecast.data.reader import read_in_pieces, read_whole
from honest_forecast.data.series import Ingested, Series, refuse_empty_columns
from honest_forecast.data.spacing import Spacing, resolve_season, spacing_for
from honest_forecast.data.text import codec_for
from honest_forecast.data.values import TIME_NOTES
from honest_forecast.errors import DataError, ParamError
from honest_forecast.params import Params

SHOWN_IDS = 3


class SeriesLines:
    """The file's line of each row of one series, for messages: rows counted from the series' first (time order)."""

    def __init__(self, lines: PhysicalLines, file_rows: np.ndarray) -> None:
        self.lines, self.file_rows = lines, file_rows

    def __call__(self, rows: np.ndarray) -> np.ndarray:
        return self.lines(self.file_rows[np.asarray(rows, dtype=np.int64)])


def shown(ids: list[str]) -> str:
    return ", ".join(map(repr, ids[:SHOWN_IDS])) + (f" and {len(ids) - SHOWN_IDS} more" if len(ids) > SHOWN_IDS else "")


def refuse_duplicates(where: str, stamps: np.ndarray, lines: SeriesLines, column: str) -> None:
    """Two rows of one series at one time: which value is the series'? Both lines are named."""
    twice = np.flatnonzero(np.diff(stamps.view(np.int64)) == 0)
    if twice.size:
        rows = np.unique(np.concatenate([twice, twice + 1]))
        file_order = np.sort(lines.file_rows[rows])
        raise DataError(
            f"{where} has duplicate timestamps in column '{column}' ({time_text(stamps, int(twice[0]))} first) at "
            f"{line_numbers(file_order, lines.lines)}; keep one row per time for each series"
        )


def load_panel(params: Params) -> Ingested:
    """Everything ingest checks of a long-format file, series by series, as one pure function of the params and the file."""
    if params.known_covariates:
        raise ParamError(
            "param 'known_covariates' is not read for many series (param 'id_column') yet; leave it empty, "
            "or give such columns as 'covariates' (past values only)"
        )
    path = Path(params.data_path)
    lines = PhysicalLines(path, codec_for(params.encoding), params.csv_sep)
    columns = read_in_pieces(path, params, lines)
    stamps, zones, values, ids, read_as = read_whole(path, params, lines) if columns is None else columns
    names = list(params.value_columns)
    refuse_empty_columns(path, values, names)
    order, groups = group_rows(ids, stamps)
    stamps, values = stamps[order], values[order]
    zones = None if zones is None else zones[order]
    del ids

    def where(name: str) -> str:
        return f"{path}: series '{name}' (column '{params.id_column}')"

    skipped: list[tuple[str, int, str]] = []
    kept: list[tuple[str, int, int, Spacing]] = []
    for name, lo, hi in groups:
        series_lines = SeriesLines(lines, order[lo:hi])
        refuse_duplicates(where(name), stamps[lo:hi], series_lines, params.time_column)
        if hi - lo < 2:
            skipped.append((name, hi - lo, "a single row"))
            continue
        spacing, source = spacing_for(where(name), stamps[lo:hi], params.freq, params.time_column, series_lines)
        kept.append((name, lo, hi, spacing))
    if not kept:
        ids = shown([name for name, *_ in skipped])
        raise DataError(f"{path}: every series in column '{params.id_column}' has a single row ({ids})")
    spacing = file_spacing(path, kept, params.id_column)
    pieces, filled, missing = [], 0, 0
    for name, lo, hi, _ in kept:
        series_lines = SeriesLines(lines, order[lo:hi])
        columns_of = values[lo:hi] if zones is None else np.column_stack([values[lo:hi], zones[lo:hi]])
        times, regular = regularize(where(name), stamps[lo:hi], columns_of, spacing, params.time_column, series_lines)
        wall_times = None
        if zones is not None:  # an inserted row keeps the offset before it, as for one series
            offsets = np.maximum.accumulate(np.where(np.isnan(regular[:, -1]), 0, np.arange(len(regular))))
            regular, wall_times = regular[:, :-1], times + (regular[offsets, -1] * 1e9).astype("timedelta64[ns]")
        before = np.isnan(regular[:, 0])
        regular, count = fill_missing(where(name), times, regular, names, params.missing, params.max_gap, params.max_fill_share)
        observed = regular[np.isfinite(regular[:, 0]), 0]
        if observed.size == 0 or observed.min() == observed.max():
            value = f" ({observed[0]:g})" if observed.size else ""
            skipped.append((name, len(times), f"constant{value}: nothing to forecast"))
            continue
        filled += count
        missing += int(np.isnan(regular).sum())
        pieces.append((name, times, regular, before & np.isfinite(regular[:, 0]), wall_times))
    if not pieces:
        ids = shown([name for name, *_ in skipped])
        raise DataError(f"{path}: every series in column '{params.id_column}' is constant or a single row ({ids})")
    season, seasons = resolve_season(spacing, min(len(piece[1]) for piece in pieces), params.season)
    starts = np.cumsum([0, *(len(piece[1]) for piece in pieces)])
    series = Series(
        np.concatenate([piece[1] for piece in pieces]),
        np.concatenate([piece[2][:, 0] for piece in pieces]),
        np.concatenate([piece[2][:, 1:] for piece in pieces]),
        params.target_column,
        tuple(params.covariates),
        freq=spacing.alias,
        calendar_kind=spacing.calendar_kind,
        season=season,
        seasons=seasons,
        filled_target=np.concatenate([piece[3] for piece in pieces]),
        wall_times=None if zones is None else np.concatenate([piece[4] for piece in pieces]),
        series_ids=tuple(piece[0] for piece in pieces),
        series_starts=starts.astype(np.int64),
    )
    time_note = f"column '{params.time_column}' {TIME_NOTES[read_as]}" if read_as in TIME_NOTES else ""
    return Ingested(series, spacing, source, filled=filled, missing=missing, time_note=time_note, skipped=tuple(sorted(skipped)))


def file_spacing(path: Path, kept: list[tuple[str, int, int, Spacing]], id_column: str) -> Spacing:
    """The one spacing of the file: that of most series; a series on another is refused, by id."""
    counts = Counter(spacing.alias for *_, spacing in kept)
    alias = counts.most_common(1)[0][0]
    spacing = next(spacing for *_, spacing in kept if spacing.alias == alias)
    other = [(name, step) for name, _, _, step in kept if step.alias != alias]
    if other:
        name, step = other[0]
        others = f" ({len(other)} series do, first {shown([o[0] for o in other])})" if len(other) > 1 else ""
        raise DataError(
            f"{path}: series '{name}' (column '{id_column}') steps every {step.text}, but {counts[alias]} of the "
            f"{len(kept)} series step every {spacing.text}{others}: a file has one spacing; resample that series "
            "or leave it out"
        )
    return spacing


def drop_short(ingested: Ingested, reason_of: Callable[[int], str], id_column: str, path: str) -> Ingested:
    """The panel without the series ``reason_of`` (their row count) finds too short, each named with its reason."""
    series = ingested.series
    keep, skipped = [], list(ingested.skipped)
    for name, lo, hi in series.segments():
        reason = reason_of(hi - lo)
        if reason:
            skipped.append((name, hi - lo, reason))
        else:
            keep.append((name, lo, hi))
    if not keep:
        raise DataError(
            f"{path}: every series in column '{id_column}' is too short ({shown([s[0] for s in skipped])}: "
            f"{skipped[0][2]}); use longer series, or lower 'window'/'horizon' or the blocks"
        )
    if len(keep) == len(series.series_ids):
        return ingested
    rows = np.concatenate([np.arange(lo, hi) for _, lo, hi in keep])
    kept = series.take(
        rows,
        series_ids=tuple(name for name, _, _ in keep),
        series_starts=np.cumsum([0, *(hi - lo for _, lo, hi in keep)]).astype(np.int64),
    )
    return replace(ingested, series=kept, skipped=tuple(sorted(skipped)))
