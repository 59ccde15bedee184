"""A file as text: gzip undone, non-text files named, the encoding and the CSV dialect, the header, the whole table.

Every problem names the file, the column and the CSV lines (line 1 is the header)."""

from __future__ import annotations

import csv
import gzip
import io
import zlib
from collections.abc import Iterator
from itertools import chain
from pathlib import Path

import numpy as np
import pandas as pd

from honest_forecast.errors import DataError
from honest_forecast.params import Params

SHOWN_ROWS = 5


def line_numbers(positions: np.ndarray) -> str:
    """CSV line numbers for 0-based data rows (header is line 1)."""
    shown = ", ".join(str(int(p) + 2) for p in positions[:SHOWN_ROWS])
    more = f" and {len(positions) - SHOWN_ROWS} more" if len(positions) > SHOWN_ROWS else ""
    return f"line{'s' if len(positions) > 1 else ''} {shown}{more}"


# Leading bytes of files that are not text, and what to tell the person who named one.
MAGIC = (
    (b"PK\x03\x04", "a zip archive (an .xlsx workbook is one): export the sheet as CSV, or unzip it"),
    (b"%PDF", "a PDF document, not a CSV"),
    (b"\x89PNG", "a PNG image, not a CSV"),
    (b"PAR1", "a Parquet file, not a CSV: export it as CSV"),
    (b"SQLite format 3", "an SQLite database, not a CSV"),
    (b"\xd0\xcf\x11\xe0", "an old Excel/Office file, not a CSV: export the sheet as CSV"),
)


def file_bytes(path: Path) -> bytes:
    """The file's bytes, gzip undone; files that are not text are named for what they are."""
    if path.is_dir():
        raise DataError(f"{path}: is a directory, not a file (param 'data_path')")
    if not path.is_file():
        raise DataError(f"{path}: file not found (param 'data_path')")
    raw = path.read_bytes()
    if raw.startswith(b"\x1f\x8b"):
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as err:
            raise DataError(f"{path}: a gzip file that cannot be decompressed ({err})") from err
    refuse_non_text(path, raw)
    return raw


def refuse_non_text(path: Path, head: bytes) -> None:
    """Name a file that is not text for what it is, from its first bytes (gzip undone)."""
    for magic, what in MAGIC:
        if head.startswith(magic):
            raise DataError(f"{path}: this is {what}")
    if b"\x00" in head[:4096] and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DataError(f"{path}: binary data (NUL bytes), not a CSV text file; utf-16 text needs param 'encoding: utf-16'")


def codec_for(encoding: str) -> str:
    """The codec for param 'encoding'; UTF-8 also accepts a byte-order mark."""
    return "utf-8-sig" if encoding.lower().replace("_", "-") in ("utf-8", "utf8") else encoding


def csv_options(sep: str) -> dict[str, object]:
    """How both readers split the text: every field kept as written, bar the spaces after a separator."""
    return {"sep": sep, "dtype": str, "keep_default_na": False, "skipinitialspace": True, "quoting": csv.QUOTE_MINIMAL}


def header_fields(lines: Iterator[str], sep: str) -> list[str]:
    """The header's names as written, to catch a name given twice (pandas would quietly rename the second)."""
    if len(sep) != 1:
        return []
    first = next(lines, "").lstrip("\ufeff")
    return [field.strip() for field in next(csv.reader(chain([first], lines), delimiter=sep, skipinitialspace=True), [])]


def read_table(path: Path, params: Params) -> pd.DataFrame:
    """Read the CSV as text, so that every value can be checked and reported by line."""
    raw = file_bytes(path)
    if not raw.strip():
        raise DataError(f"{path}: the file is empty")
    try:
        text = raw.decode(codec_for(params.encoding))
    except UnicodeDecodeError as err:
        raise DataError(
            f"{path}: not readable as {params.encoding} (byte {err.start}); "
            "set param 'encoding' to the file's encoding, e.g. latin-1 or utf-16"
        ) from err
    except LookupError as err:
        raise DataError(f"param 'encoding': unknown encoding '{params.encoding}'") from err
    try:
        table = pd.read_csv(io.StringIO(text), engine="python", **csv_options(params.csv_sep))
    except (pd.errors.ParserError, csv.Error) as err:
        raise DataError(f"{path}: cannot be parsed as CSV with separator {params.csv_sep!r}: {err}") from err
    header = header_fields(io.StringIO(text), params.csv_sep)
    twice = sorted({name for name in header if header.count(name) > 1})
    if twice:
        raise DataError(f"{path}: the header names column{'s' if len(twice) > 1 else ''} {', '.join(map(repr, twice))} twice")
    short = np.flatnonzero(table.isna().any(axis=1).to_numpy())  # with keep_default_na off, NaN means a field was missing
    if short.size:
        raise DataError(f"{path}: {line_numbers(short)} ha{'ve' if short.size > 1 else 's'} fewer fields than the header")
    table.columns = [str(column).strip() for column in table.columns]
    for column in (params.time_column, params.target_column, *params.covariates):
        if column not in table.columns:
            found = ", ".join(repr(c) for c in table.columns)
            hint = ""
            if len(table.columns) == 1 and ";" in table.columns[0] and params.csv_sep != ";":
                hint = " The header contains ';': set param 'csv_sep' to ';' (and 'decimal' to ',' for decimal commas)."
            raise DataError(f"{path}: column '{column}' not found; columns found: {found}.{hint}")
    if table.empty:
        raise DataError(f"{path}: the file has a header but no data rows")
    return table
