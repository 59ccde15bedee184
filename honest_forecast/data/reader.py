"""The file read whole (words every error) or a piece at a time (bounded memory), to the same arrays.

Whatever the pieces cannot vouch for, every error included, is read whole by the reader the messages were written for."""

from __future__ import annotations

import codecs
import csv
import io
import zlib
from pathlib import Path

import numpy as np
import pandas as pd

from honest_forecast.data.ids import SeriesIds
from honest_forecast.data.lines import PhysicalLines, line_numbers, open_binary, open_text
from honest_forecast.data.text import (
    codec_for,
    column_key,
    csv_options,
    header_fields,
    read_table,
    refuse_non_text,
    wanted_columns,
)
from honest_forecast.data.values import check_times, parse_numbers, parse_timestamps
from honest_forecast.errors import DataError
from honest_forecast.params import Params

# timestamps, zone offsets (or None), values (target first), each row's series (None: one series), how the times were read
Columns = tuple[np.ndarray, np.ndarray | None, np.ndarray, SeriesIds | None, str]

PIECE_ROWS = 1 << 18  # rows pandas holds as Python strings at a time

BLOCK_CHARS = 1 << 24  # characters of text scanned at a time

PLAIN_SEPARATORS = ",;\t|"


def read_whole(path: Path, params: Params, lines: PhysicalLines | None = None) -> Columns:
    """The file read whole by pandas' python engine: memory-hungry on a long file, but it words every error."""
    table = read_table(path, params, lines)
    time = column_key(params.time_column)
    stamps, offsets, read_as = parse_timestamps(path, table[time], params.time_column, lines)
    names = list(params.value_columns)
    values = np.column_stack(
        [parse_numbers(path, table[column_key(name)], name, params.decimal, params.thousands, lines)[0] for name in names]
    )
    if params.id_column:  # each series' times are checked on its own, once the rows are grouped by series
        ids = series_ids(path, table[column_key(params.id_column)], params.id_column, lines)
        return stamps, offsets, values, SeriesIds.of(ids), read_as
    try:
        check_times(path, stamps, params.time_column, lines)
    except DataError as err:
        several = several_series(table, set(wanted_columns(params)), stamps)
        if several is None:
            raise
        column, ids = several
        shown = ", ".join(map(repr, ids[:3])) + (", ..." if len(ids) > 3 else "")
        raise DataError(
            f"{path}: column '{params.time_column}' repeats times because the file holds several series: column "
            f"'{column}' takes {len(ids)} values ({shown}), each with its own times in order (long format). "
            f"Set param 'id_column' to {column} to forecast them all (or keep the rows of one {column} in the file)"
        ) from err
    return stamps, offsets, values, None, read_as


def series_ids(path: Path, text: pd.Series, column: str, lines: PhysicalLines | None = None) -> np.ndarray:
    """Each row's series id as text, stripped; a row with no id belongs to no series and is refused."""
    ids = text.str.strip()
    empty = np.flatnonzero((ids == "").to_numpy())
    if empty.size:
        raise DataError(
            f"{path}: column '{column}' (param 'id_column') is empty at {line_numbers(empty, lines)}; "
            "every row needs the id of the series it belongs to"
        )
    return ids.to_numpy(dtype=object)


def several_series(table: pd.DataFrame, used: set[str], stamps: np.ndarray) -> tuple[str, list[str]] | None:
    """A column not read whose values split the rows into series each with distinct times in order, if there is one."""
    for column in table.columns:
        if column in used:
            continue
        ids = table[column].str.strip().to_numpy()
        distinct = list(dict.fromkeys(ids))
        if not 2 <= len(distinct) <= len(ids) // 2:
            continue
        order = np.argsort(ids, kind="stable")  # each id's rows in file order
        same = ids[order][1:] == ids[order][:-1]
        if np.all(np.diff(stamps[order])[same] > np.zeros((), np.diff(stamps).dtype)):
            return column, distinct
    return None


class _Unsure(Exception):
    """Input that only read_whole is sure to read, or to word the error of, as it always has."""


def _scan(text: io.TextIOWrapper, sep: str) -> tuple[bool, int]:
    """Whether pandas' C parser splits this text as the python engine does, and how many separators it holds.

    The python engine (csv.reader, strict) refuses a carriage return that does not end a line and
    reads quotes more strictly than the C parser; text with either is left to the python engine.
    """
    plain, separators = len(sep) == 1 and sep in PLAIN_SEPARATORS, 0
    while plain and (block := text.read(BLOCK_CHARS)):
        if block.endswith("\r"):
            block += text.read(1)  # a line end split between two blocks
        plain = '"' not in block and block.count("\r") == block.count("\r\n")
        separators += block.count(sep)
    return plain, separators


def _pieces(path: Path, params: Params) -> tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray], list[SeriesIds], str]:
    """Timestamps, zone offsets, values and series ids of each piece of PIECE_ROWS rows, read as read_whole reads the whole.

    Every value goes through the same parse functions; _Unsure wherever the pieces might differ from the whole.
    """
    codec, sep = codec_for(params.encoding), params.csv_sep
    time, *names = wanted_columns(params)
    ident = names.pop() if params.id_column else None
    stamps, offsets, values, read_as, columns = [], [], [], set(), []  # read_as: how each piece's columns were read
    ids = []
    try:
        codecs.lookup(codec)  # before any file is opened
        with open_binary(path) as binary:
            refuse_non_text(path, binary.read(4096))
        with open_text(path, codec) as text:
            plain, separators = _scan(text, sep)
        with open_text(path, codec) as text:
            header = header_fields(text, sep)
        if len(set(header)) < len(header):
            raise _Unsure
        engine = "c" if plain else "python"
        with open_text(path, codec) as text, pd.read_csv(text, engine=engine, chunksize=PIECE_ROWS, **csv_options(sep)) as reader:
            for piece in reader:
                piece.columns = columns = [column_key(column) for column in piece.columns]
                # a row with fewer fields than the header (NaN from the python engine) or more (an index), a column not found
                ragged = piece.isna().any(axis=None) or not isinstance(piece.index, pd.RangeIndex)
                if ragged or not {time, *names, *([ident] if ident else [])} <= set(columns):
                    raise _Unsure
                if plain and max(piece[column].str.len().max() for column in columns) > csv.field_size_limit():
                    raise _Unsure  # a field csv.reader refuses
                piece_stamps, piece_offsets, time_read_as = parse_timestamps(path, piece[time], params.time_column)
                numbers = [parse_numbers(path, piece[name], name, params.decimal, params.thousands) for name in names]
                read_as.add((time_read_as, *(column_read_as for _, column_read_as in numbers)))
                stamps.append(piece_stamps)
                if piece_offsets is not None:
                    offsets.append(piece_offsets)
                values.append(np.column_stack([column for column, _ in numbers]))
                if ident:
                    ids.append(SeriesIds.of(series_ids(path, piece[ident], params.id_column)))
    # Whatever the pieces cannot read is read_whole's to word; a DataError too, as its lines count from the piece.
    except (ValueError, LookupError, OSError, EOFError, zlib.error, csv.Error) as err:
        raise _Unsure from err
    rows = sum(map(len, stamps))
    if not rows or not _alike(read_as):
        raise _Unsure
    # The C parser fills a row with fewer fields with '' rather than NaN: each row must hold its share of separators.
    if plain and (len(columns) < 2 or separators != (rows + 1) * (len(columns) - 1)):
        raise _Unsure
    return stamps, offsets, values, ids, next(iter(read_as))[0]


def _alike(read_as: set[tuple[str, ...]]) -> bool:
    """Whether pieces read as these were give what one read of the whole file gives (see the parse functions)."""
    times, *columns = zip(*read_as, strict=True)
    return len(set(times)) == 1 and not any({"decimals", "integers, -0"} <= set(column) for column in columns)


def read_in_pieces(path: Path, params: Params, lines: PhysicalLines | None = None) -> Columns | None:
    """The file read a piece at a time, by pandas' C parser where it splits the text as the python engine does.

    The same arrays as read_whole, in bounded memory and linear time; None for read_whole to read the
    file, as it must for every input that it would refuse and for the few the pieces cannot vouch for.
    """
    try:
        stamps, offsets, values, ids, read_as = _pieces(path, params)
    except _Unsure:
        return None
    stamps = np.concatenate(stamps)
    offsets = np.concatenate(offsets) if offsets else None
    if params.id_column:  # each series' times are checked on its own, once the rows are grouped by series
        return stamps, offsets, np.concatenate(values), SeriesIds.join(ids), read_as
    try:
        check_times(path, stamps, params.time_column, lines)
    except DataError:
        return None  # read_whole words it, and sees whether the file holds several series
    return stamps, offsets, np.concatenate(values), None, read_as
