"""Where each record of a CSV file starts, as an editor counts lines, so that every message can name it.

pandas skips blank lines and a quoted value may hold line breaks, so data row ``i`` is line
``i + 2`` only in a plain file. The records are found with the csv module, which splits the text
as pandas' python engine does; in a plain file this is only done when a message needs a line.
"""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pandas as pd

SHOWN_ROWS = 5


def open_binary(path: Path) -> BinaryIO:
    """The file as a stream of bytes, gzip undone as it is read."""
    with path.open("rb") as probe:
        gzipped = probe.read(2) == b"\x1f\x8b"
    return gzip.open(path) if gzipped else path.open("rb")


def open_text(path: Path, codec: str) -> io.TextIOWrapper:
    """The file's text, decoded as it is read; lines end at '\\n' only, as in the whole-file reader's StringIO."""
    return io.TextIOWrapper(open_binary(path), encoding=codec, newline="\n")


def is_blank(record: list[str]) -> bool:
    """A record pandas skips: no field, or a single one of nothing but spaces."""
    return len(record) == 0 or (len(record) == 1 and not record[0].strip())


@dataclass(frozen=True)
class Records:
    """The file's non-blank records: the line each starts on, its number of fields, whether its last field is empty."""

    lines: np.ndarray
    fields: np.ndarray
    last_empty: np.ndarray
    header: list[str]  # the first record's fields, as written
    first: list[list[str]]  # the first few records, to find a header that is not on the first line


def scan_records(text: Iterable[str], sep: str, keep: int = 50) -> Records:
    """Every non-blank record of ``text`` (the header first), split as pandas' python engine splits it."""
    reader = csv.reader(text, delimiter=sep, skipinitialspace=True, quoting=csv.QUOTE_MINIMAL)
    lines, fields, last_empty, first = [], [], [], []
    before = 0
    for record in reader:
        if not is_blank(record):
            lines.append(before + 1)
            fields.append(len(record))
            last_empty.append(not record[-1].strip())
            if len(first) < keep:
                first.append(record)
        before = reader.line_num
    header = [field.lstrip("\ufeff").strip() for field in first[0]] if first else []
    return Records(
        np.array(lines, dtype=np.int64), np.array(fields, dtype=np.int64), np.array(last_empty, dtype=bool), header, first
    )


class PhysicalLines:
    """The line each data row of a file starts on: given by the reader that scanned it, else found when first asked."""

    def __init__(self, path: Path, codec: str, sep: str) -> None:
        self.path, self.codec, self.sep = path, codec, sep
        self._rows: np.ndarray | None = None

    def know(self, records: Records) -> None:
        self._rows = records.lines[1:]

    def __call__(self, rows: np.ndarray) -> np.ndarray:
        if self._rows is None:
            with open_text(self.path, self.codec) as text:
                self._rows = scan_records(text, self.sep, keep=1).lines[1:]
        return self._rows[np.asarray(rows, dtype=np.int64)]


def line_numbers(positions: np.ndarray, lines: PhysicalLines | None = None) -> str:
    """The lines of 0-based data rows, as a person reads them: 'line 7' or 'lines 7, 9, ... and 3 more'.

    Without ``lines`` a plain file is assumed: the header on line 1, no blank line, no line break in a value.
    """
    positions = np.asarray(positions, dtype=np.int64)
    shown_rows = positions[:SHOWN_ROWS]
    numbers = lines(shown_rows) if lines is not None else shown_rows + 2
    shown = ", ".join(str(int(number)) for number in numbers)
    more = f" and {len(positions) - SHOWN_ROWS} more" if len(positions) > SHOWN_ROWS else ""
    return f"line{'s' if len(positions) > 1 else ''} {shown}{more}"


def time_text(stamps: np.ndarray, row: int) -> str:
    """A row's time as people read it: ISO-8601, or the number itself for an integer index."""
    return pd.Timestamp(stamps[row]).isoformat() if stamps.dtype.kind == "M" else str(stamps[row])
