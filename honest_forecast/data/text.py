"""A file as text: gzip undone, non-text files named, the encoding and the CSV dialect, the header, the whole table.

Every problem names the file, the column and the line of the file it is on."""

from __future__ import annotations

import csv
import gzip
import io
import unicodedata
import warnings
import zlib
from collections.abc import Iterator
from itertools import chain
from pathlib import Path

import numpy as np
import pandas as pd

from honest_forecast.data.lines import PhysicalLines, Records, line_numbers, scan_records
from honest_forecast.errors import DataError
from honest_forecast.params import Params

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
    return [column_key(field) for field in next(csv.reader(chain([first], lines), delimiter=sep, skipinitialspace=True), [])]


def column_key(name: str) -> str:
    """A column name as it is matched: stripped, in Unicode's composed form (an exported 'é' may be 'e' + accent)."""
    return unicodedata.normalize("NFC", str(name).strip())


def read_columns(params: Params) -> list[str]:
    """Every column read, as named in params: the time, the values (target first), then the series' id if set."""
    return [params.time_column, *params.value_columns, *([params.id_column] if params.id_column else [])]


def wanted_columns(params: Params) -> list[str]:
    return [column_key(name) for name in read_columns(params)]


def decode(path: Path, raw: bytes, encoding: str) -> str:
    try:
        text = raw.decode(codec_for(encoding))
    except UnicodeDecodeError as err:
        raise DataError(
            f"{path}: not readable as {encoding} (byte {err.start}); "
            "set param 'encoding' to the file's encoding, e.g. latin-1 or utf-16"
        ) from err
    except LookupError as err:
        raise DataError(f"param 'encoding': unknown encoding '{encoding}'") from err
    if not text.lstrip("\ufeff").strip():
        raise DataError(f"{path}: the file is empty (nothing but a byte-order mark or blank space)")
    return text


def check_records(path: Path, records: Records, params: Params) -> bool:
    """Refuse records that do not fit the header, each with its line; True if every row ends with one empty field.

    A header below a title or comment lines, and rows with more fields than the header, are told as
    such: pandas would read the first as a separator problem and the second as a shifted column.
    """
    wanted = wanted_columns(params)
    header = [column_key(name) for name in records.header]
    if not set(wanted) <= set(header):
        for number, record in enumerate(records.first[1:], start=1):
            if set(wanted) <= {column_key(field) for field in record}:
                line = int(records.lines[number])
                above = f"line 1 ({records.first[0][0][:40]!r}...)" if line == 2 else f"lines 1 to {line - 1}"
                raise DataError(f"{path}: the header is on line {line}, not line 1; remove {above} above it (title, comments)")
    width = len(records.header)
    data_lines = records.lines[1:].__getitem__  # the line each data row starts on
    extra = np.flatnonzero(records.fields[1:] > width)
    trailing = bool(extra.size) and extra.size == len(records.fields) - 1
    trailing = trailing and bool(np.all(records.fields[1:] == width + 1)) and bool(records.last_empty[1:].all())
    if extra.size and not trailing:
        rows = line_numbers(extra, data_lines)
        raise DataError(
            f"{path}: {rows} ha{'ve' if extra.size > 1 else 's'} more fields than the header's {width}; "
            f"a separator ({params.csv_sep!r}) inside a value needs quotes, or param 'csv_sep' is not the file's separator"
        )
    short = np.flatnonzero(records.fields[1:] < width)
    if short.size:
        rows = line_numbers(short, data_lines)
        raise DataError(f"{path}: {rows} ha{'ve' if short.size > 1 else 's'} fewer fields than the header")
    return trailing


def read_table(path: Path, params: Params, lines: PhysicalLines | None = None) -> pd.DataFrame:
    """Read the CSV as text, so that every value can be checked and reported by the line it is on.

    Every data row ending in one empty field (a separator at the end of each line, as some exports
    write) is read without it; anything else that does not fit the header is refused.
    """
    raw = file_bytes(path)
    if not raw.strip():
        raise DataError(f"{path}: the file is empty")
    text = decode(path, raw, params.encoding)
    trailing, header = False, []  # the header's names as written: pandas would quietly rename one given twice
    if len(params.csv_sep) == 1:
        try:
            records = scan_records(io.StringIO(text), params.csv_sep)
        except csv.Error as err:
            raise DataError(f"{path}: cannot be parsed as CSV with separator {params.csv_sep!r}: {err}") from err
        if lines is not None:
            lines.know(records)
        trailing = check_records(path, records, params)
        header = [column_key(name) for name in records.header]
    try:
        with warnings.catch_warnings():  # pandas warns that index_col=False drops the trailing empty fields: that is the point
            warnings.simplefilter("ignore", pd.errors.ParserWarning)
            table = pd.read_csv(
                io.StringIO(text), engine="python", **csv_options(params.csv_sep), **({"index_col": False} if trailing else {})
            )
    except (pd.errors.ParserError, csv.Error) as err:
        raise DataError(f"{path}: cannot be parsed as CSV with separator {params.csv_sep!r}: {err}") from err
    twice = sorted({name for name in header if header.count(name) > 1})
    if twice:
        raise DataError(f"{path}: the header names column{'s' if len(twice) > 1 else ''} {', '.join(map(repr, twice))} twice")
    short = np.flatnonzero(table.isna().any(axis=1).to_numpy())  # with keep_default_na off, NaN means a field was missing
    if short.size:
        raise DataError(f"{path}: {line_numbers(short, lines)} ha{'ve' if short.size > 1 else 's'} fewer fields than the header")
    table.columns = [column_key(column) for column in table.columns]
    for column, key in zip(read_columns(params), wanted_columns(params), strict=True):
        if key not in table.columns:
            found = ", ".join(repr(c) for c in table.columns)
            hint = ""
            if len(table.columns) == 1 and ";" in table.columns[0] and params.csv_sep != ";":
                hint = " The header contains ';': set param 'csv_sep' to ';' (and 'decimal' to ',' for decimal commas)."
            named = " (param 'id_column')" if column == params.id_column else ""
            raise DataError(f"{path}: column '{column}'{named} not found; columns found: {found}.{hint}")
    if table.empty:
        raise DataError(f"{path}: the file has a header but no data rows")
    return table
