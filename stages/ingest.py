"""Stage ingest: read the CSV named in params, check it, write a typed interim file.

Every problem is reported with the file, the column and the CSV line numbers
(line 1 is the header), because the person fixing it has the file open.
A file is read a piece at a time, in bounded memory; whatever the pieces cannot vouch
for, every error included, is read whole by the reader the messages were written for.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset

from stages.common import DataError, run_stage, save_arrays, write_json
from stages.params import ParamError, Params, load_params
from stages.paths import SERIES_FILE, SUMMARY_FILE
from stages.split import BLOCKS, split_rows

MISSING_MARKERS = {"", "na", "nan", "null", "none", "n/a", "-"}
SHOWN_ROWS = 5
DAY = pd.Timedelta(days=1)
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
STEP_UNITS = tuple((unit, pd.Timedelta(1, unit=unit)) for unit in ("D", "h", "min", "s", "ms", "us", "ns"))  # largest first
MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
# What the input steps' timestamps can say about a step, by kind of spacing (stages/windows.py encodes it).
CALENDAR_KINDS = {
    "sub_daily": "time_of_day",
    "daily": "day_of_week",
    "business": "day_of_week",
    "weekly": "week_of_year",
    "monthly": "month_of_year",
    "quarterly": "quarter",
    "annual": "none",
    "fixed": "none",
    "integer": "none",
    "none": "none",
}
# Said in summary.json wherever a step is the next row rather than a fixed stretch of time.
ROW_NOTES = {
    "business": "steps are trading days (rows), not fixed time: a missing trading day (a holiday) is neither inserted nor filled",
    "none": "steps are rows, not fixed time: param 'freq' is none, so the spacing was not checked",
}


@dataclass(frozen=True)
class Spacing:
    """How a time column steps: the grid it is checked on and what one step means.

    Calendar spacings (months, quarters, years, trading days) are not fixed lengths of
    time, so the grid is ``pd.date_range(start, end, freq=offset)``, never a division.
    """

    alias: str  # pandas alias ('30min', 'D', 'B', 'W-FRI', 'MS', 'QE-DEC', 'YS-JAN'), or 'integer' or 'none'
    kind: str  # a key of CALENDAR_KINDS
    text: str  # one step for people: '30min', '1 day', 'trading day (rows)', '1 month', '1 (integer index)'
    cycle: int = 1  # steps in the spacing's own season: 48 half-hourly, 7 daily, 12 monthly; 1 if none
    offset: pd.DateOffset | None = None  # datetime spacings only
    step: int = 1  # integer index only: the common difference

    @property
    def rows_are_steps(self) -> bool:
        """Trading days and 'none' step by rows: nothing is ever inserted between two rows."""
        return self.kind in ROW_NOTES

    @property
    def calendar_kind(self) -> str:
        return CALENDAR_KINDS[self.kind]

    @property
    def typable(self) -> bool:
        """Whether ``freq: <alias>`` in params.yaml means exactly this spacing."""
        return self.offset is not None and to_offset(self.alias) == self.offset


UNCHECKED = Spacing("none", "none", "row (freq: none)")


@dataclass(frozen=True)
class Series:
    """A checked, regular series: timestamps, target and covariates as float64 arrays."""

    timestamps: np.ndarray  # datetime64[ns], or int64 for an integer index
    target: np.ndarray
    covariates: np.ndarray  # shape (rows, len(covariate_names))
    target_name: str
    covariate_names: tuple[str, ...]
    spacing: Spacing
    freq_source: str  # 'inferred' or 'param'
    season: int
    seasons: tuple[int, ...]
    filled: int = 0  # values filled by the missing-value policy
    filled_target: np.ndarray | None = None  # rows whose target value was made up: never a scored target
    wall_times: np.ndarray | None = None  # local wall-clock times, when the file gave zone offsets
    missing: int = 0  # values left missing (policy 'skip'): windows that would need them are not cut


def _lines(positions: np.ndarray) -> str:
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


def _codec(encoding: str) -> str:
    """The codec for param 'encoding'; UTF-8 also accepts a byte-order mark."""
    return "utf-8-sig" if encoding.lower().replace("_", "-") in ("utf-8", "utf8") else encoding


def _csv_options(sep: str) -> dict[str, object]:
    """How both readers split the text: every field kept as written, bar the spaces after a separator."""
    return {"sep": sep, "dtype": str, "keep_default_na": False, "skipinitialspace": True, "quoting": csv.QUOTE_MINIMAL}


def _header_fields(lines: Iterator[str], sep: str) -> list[str]:
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
        text = raw.decode(_codec(params.encoding))
    except UnicodeDecodeError as err:
        raise DataError(
            f"{path}: not readable as {params.encoding} (byte {err.start}); "
            "set param 'encoding' to the file's encoding, e.g. latin-1 or utf-16"
        ) from err
    except LookupError as err:
        raise DataError(f"param 'encoding': unknown encoding '{params.encoding}'") from err
    try:
        table = pd.read_csv(io.StringIO(text), engine="python", **_csv_options(params.csv_sep))
    except (pd.errors.ParserError, csv.Error) as err:
        raise DataError(f"{path}: cannot be parsed as CSV with separator {params.csv_sep!r}: {err}") from err
    header = _header_fields(io.StringIO(text), params.csv_sep)
    twice = sorted({name for name in header if header.count(name) > 1})
    if twice:
        raise DataError(f"{path}: the header names column{'s' if len(twice) > 1 else ''} {', '.join(map(repr, twice))} twice")
    short = np.flatnonzero(table.isna().any(axis=1).to_numpy())  # with keep_default_na off, NaN means a field was missing
    if short.size:
        raise DataError(f"{path}: {_lines(short)} ha{'ve' if short.size > 1 else 's'} fewer fields than the header")
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


ZONE = r"(?:Z|[+-]\d{2}:?\d{2})$"


def parse_timestamps(path: Path, values: pd.Series, column: str) -> tuple[np.ndarray, np.ndarray | None, str]:
    """Times as datetime64[ns] (zoned ones in UTC), or whole numbers (years, step counters) as int64.

    For zoned times, also each row's offset from UTC in seconds: the local wall time the file
    states is what calendar inputs follow (people keep to the clock on the wall, DST and all).
    Last, the type pandas read the text as: int64, or datetimes at the finest resolution that any
    row needs, with or without UTC. A reader of the file in pieces needs every piece read alike.
    """
    text = values.str.strip()
    offsets = None
    if text.str.fullmatch(r"[+-]?\d{1,18}").all():
        stamps = text.astype(np.int64).to_numpy()
        read_as = str(stamps.dtype)
    else:
        zoned = text.str.contains(ZONE, regex=True).to_numpy()
        if zoned.any() and not zoned.all():
            raise DataError(
                f"{path}: column '{column}' mixes timestamps with a zone offset (first at {_lines(np.flatnonzero(zoned)[:1])}) "
                f"and without one (first at {_lines(np.flatnonzero(~zoned)[:1])}); give every timestamp an offset, or none"
            )
        # Offsets that change (a daylight-saving switch) are one instant scale in UTC: order and spacing are checked there.
        parsed = pd.to_datetime(text, errors="coerce", format="ISO8601", utc=bool(zoned.any()))
        read_as = str(parsed.dtype)
        if zoned.any():
            parsed = parsed.dt.tz_localize(None)
        bad = np.flatnonzero(parsed.isna().to_numpy())
        if bad.size:
            examples = ", ".join(repr(values.iloc[i]) for i in bad[:3])
            raise DataError(
                f"{path}: column '{column}' has unparseable timestamps at {_lines(bad)} ({examples}); "
                "use ISO-8601 such as 2014-01-01T00:30:00"
            )
        stamps = parsed.to_numpy(dtype="datetime64[ns]")
        if zoned.all():
            wall = pd.to_datetime(text.str.replace(ZONE, "", regex=True), format="ISO8601").to_numpy(dtype="datetime64[ns]")
            offsets = (wall - stamps).astype("timedelta64[s]").astype(np.float64)
    return stamps, offsets, read_as


def check_times(path: Path, stamps: np.ndarray, column: str) -> None:
    """Distinct times in order, and at least two of them."""
    steps = np.diff(stamps)
    zero = np.zeros((), steps.dtype)
    duplicate = np.flatnonzero(steps == zero) + 1
    if duplicate.size:
        raise DataError(f"{path}: column '{column}' has duplicate timestamps at {_lines(duplicate)}")
    backwards = np.flatnonzero(steps < zero) + 1
    if backwards.size:
        raise DataError(f"{path}: column '{column}' is out of time order at {_lines(backwards)}; sort the file by time")
    if len(stamps) < 2:
        raise DataError(f"{path}: the file has one data row; there is no series to forecast")


THOUSANDS = re.compile(r"^[+-]?\d{1,3}([,.' ]\d{3})+([.,]\d+)?$")  # 1,234,567.8 or 1.234.567,8 or 1 234


def _number_hint(examples: list[str], decimal: str, thousands: str) -> str:
    """A hint that fits what the values look like and what is already set."""
    hints = []
    grouped = [value for value in examples if THOUSANDS.match(value)]
    if grouped and not thousands:
        separator = next(c for c in grouped[0].lstrip("+-") if not c.isdigit())
        if separator != decimal:
            hints.append(f"thousands separators? set param 'thousands' to {separator!r}")
    if decimal != "," and any(value.count(",") == 1 and "." not in value for value in examples):  # 4,000 may be either
        hints.append("decimal commas? set param 'decimal' to ','")
    return f" ({'; '.join(hints)})" if hints else ""


def parse_numbers(path: Path, values: pd.Series, column: str, decimal: str, thousands: str = "") -> tuple[np.ndarray, str]:
    """Numbers with NaN where a value is missing; anything else non-numeric is an error.

    Also how pandas read them: as 'decimals', or as 'integers' when every value is a whole number,
    which reads '-0' as 0.0 where decimals read -0.0 ('integers, -0' when one is there). A reader
    of the file in pieces must not join a piece read as decimals to one that holds such a '-0'.
    """
    text = values.str.strip()
    missing = text.str.lower().isin(MISSING_MARKERS).to_numpy()
    if thousands:
        text = text.str.replace(thousands, "", regex=False)
    if decimal == ",":
        text = text.str.replace(",", ".", regex=False)
    parsed = pd.to_numeric(text.where(~missing), errors="coerce")
    numbers = parsed.to_numpy(dtype=float)
    bad = np.flatnonzero(np.isnan(numbers) & ~missing)
    if bad.size:
        shown = [str(values.iloc[i]).strip() for i in bad[:3]]
        examples = ", ".join(repr(values.iloc[i]) for i in bad[:3])
        hint = _number_hint(shown, decimal, thousands)
        raise DataError(f"{path}: column '{column}' has non-numeric values at {_lines(bad)}: {examples}{hint}")
    infinite = np.flatnonzero(np.isinf(numbers))
    if infinite.size:
        raise DataError(f"{path}: column '{column}' has infinite values at {_lines(infinite)}")
    if parsed.dtype.kind not in "iu":
        return numbers, "decimals"
    return numbers, "integers, -0" if (text.str.startswith("-") & (parsed == 0)).any() else "integers"


def _fixed(step: pd.Timedelta) -> Spacing:
    """A fixed length of time: sub-daily, or whole days other than one and seven."""
    alias = next(f"{step // size}{unit}" for unit, size in STEP_UNITS if step % size == pd.Timedelta(0))
    if step >= DAY:
        return Spacing(alias, "fixed", f"{step // DAY} days" if alias.endswith("D") else alias, 1, to_offset(alias))
    cycle = DAY // step if DAY % step == pd.Timedelta(0) else 1
    return Spacing(alias, "sub_daily", alias, cycle, to_offset(alias))


def _daily(stamps: np.ndarray) -> Spacing:
    """Calendar days, or trading days when a weekday never occurs in two weeks or more of data."""
    days = pd.DatetimeIndex(stamps)
    open_days = np.unique(days.day_of_week).tolist()
    if days[-1] - days[0] < 13 * DAY or len(open_days) == 7:
        return Spacing("D", "daily", "1 day", 7, to_offset("D"))
    if open_days == [0, 1, 2, 3, 4]:
        return Spacing("B", "business", "trading day (rows)", 5, pd.offsets.BusinessDay())
    weekmask = " ".join(WEEKDAYS[day] for day in open_days)
    offset = pd.offsets.CustomBusinessDay(weekmask=weekmask)
    return Spacing("C", "business", f"trading day (rows), {weekmask}", len(open_days), offset)


def _calendar(kind: str, first: pd.Timestamp) -> Spacing:
    """Months, quarters or years, anchored where the first row sits: the period's start, or its end on a month's last day."""
    at_end = first.is_month_end
    quarter_month = (first.month - 1) % 3
    alias = {
        "monthly": "ME" if at_end else "MS",
        "quarterly": f"QE-{MONTHS[quarter_month + 9]}" if at_end else f"QS-{MONTHS[quarter_month]}",
        "annual": f"YE-{MONTHS[first.month - 1]}" if at_end else f"YS-{MONTHS[first.month - 1]}",
    }[kind]
    text, cycle = {"monthly": ("1 month", 12), "quarterly": ("1 quarter", 4), "annual": ("1 year", 1)}[kind]
    return Spacing(alias, kind, text, cycle, to_offset(alias))


def infer_spacing(stamps: np.ndarray) -> Spacing:
    """The spacing of two or more sorted, distinct times (datetime64 or int64), from their most common step.

    The most common step, not the smallest: a stray row is then reported off the grid rather
    than read as a finer grid whose gaps the missing-value policy would fill. Gaps are allowed.
    """
    values, counts = np.unique(np.diff(stamps), return_counts=True)
    step = values[np.argmax(counts)]  # ties go to the smaller step
    if stamps.dtype.kind != "M":
        return Spacing("integer", "integer", f"{step} (integer index)", step=int(step))
    step = pd.Timedelta(step)
    first = pd.Timestamp(stamps[0])
    if step == DAY:
        return _daily(stamps)
    if step == 7 * DAY:
        alias = f"W-{WEEKDAYS[first.day_of_week].upper()}"
        return Spacing(alias, "weekly", "1 week", 52, to_offset(alias))
    days = step / DAY
    for kind, low, high in (("monthly", 28, 31), ("quarterly", 89, 92), ("annual", 365, 366)):
        if days.is_integer() and low <= days <= high:
            return _calendar(kind, first)
    return _fixed(step)


def _date_grid(stamps: np.ndarray, offset: pd.DateOffset) -> np.ndarray:
    return pd.date_range(pd.Timestamp(stamps[0]), pd.Timestamp(stamps[-1]), freq=offset).to_numpy(dtype="datetime64[ns]")


def _grid(stamps: np.ndarray, spacing: Spacing) -> np.ndarray:
    """Every step from the first row to the last."""
    if spacing.kind == "integer":
        return np.arange(stamps[0], stamps[-1] + 1, spacing.step)
    return _date_grid(stamps, spacing.offset)


def spacing_for(path: Path, stamps: np.ndarray, params: Params) -> tuple[Spacing, str]:
    """The spacing to check the rows on, and its source: inferred, or param 'freq' when the data agrees.

    A 'freq' that disagrees is refused here, before any missing value is counted or filled:
    hourly data read as half-hourly would otherwise have half its rows invented.
    """
    freq = params.freq.strip()
    if freq.lower() == "none":
        return UNCHECKED, "param"
    inferred = infer_spacing(stamps)
    if freq.lower() == "auto":
        return inferred, "inferred"
    try:
        offset = to_offset(freq)
    except (ValueError, TypeError) as err:
        raise ParamError(
            f"param 'freq': '{freq}' is not a pandas frequency such as 30min, 1h, D, B, W-FRI, MS or ME; 'auto' infers it"
        ) from err
    if offset.n <= 0:
        raise ParamError(f"param 'freq': '{freq}' does not step forward in time")
    column = params.time_column
    if inferred.kind == "integer":
        raise DataError(
            f"{path}: param 'freq' is {freq} but column '{column}' holds whole numbers, an integer index "
            f"stepping by {inferred.step}; set freq: auto or freq: none"
        )
    grid = _grid(stamps, inferred)
    # A fixed offset with another count of steps is refused before its grid is built: 1ms over a year is 3e10 steps.
    span = pd.Timestamp(stamps[-1]) - pd.Timestamp(stamps[0])
    other_count = isinstance(offset, pd.offsets.Tick) and span // pd.Timedelta(offset) + 1 != len(grid)
    if other_count or not np.array_equal(_date_grid(stamps, offset), grid):
        seen = "inferred" if inferred.text == inferred.alias else f"inferred freq {inferred.alias}"
        fix = f"freq: auto or freq: {inferred.alias}" if inferred.typable else "freq: auto"
        raise DataError(f"{path}: param 'freq' is {freq} but column '{column}' steps every {inferred.text} ({seen}); set {fix}")
    return inferred, "param"


def regularize(
    path: Path, stamps: np.ndarray, values: np.ndarray, spacing: Spacing, time_column: str
) -> tuple[np.ndarray, np.ndarray]:
    """Insert missing steps as NaN rows on the spacing's grid; refuse rows off it.

    Trading days step by rows: they must lie on the weekdays' grid, but a holiday is no missing value.
    """
    if spacing.kind == "none":
        return stamps, values
    grid = _grid(stamps, spacing)
    positions = np.minimum(np.searchsorted(grid, stamps), len(grid) - 1)
    off_grid = np.flatnonzero(grid[positions] != stamps)
    if off_grid.size:
        raise DataError(
            f"{path}: column '{time_column}' is not on a regular {spacing.alias} grid at {_lines(off_grid)}; "
            "resample the file or set param 'freq' to the data's frequency ('none' treats rows as steps)"
        )
    if spacing.rows_are_steps:
        return stamps, values
    full = np.full((len(grid), values.shape[1]), np.nan)
    full[positions] = values
    return grid, full


def resolve_season(spacing: Spacing, rows: int, season_param: int | str) -> tuple[int, tuple[int, ...]]:
    """The seasonal-naive period (param 'season', or the spacing's cycle for 'auto') and every period a model should use.

    A sub-daily series whose season is the day has a weekly cycle too, once three weeks of rows can show it.
    """
    season = spacing.cycle if season_param == "auto" else int(season_param)
    if season == 1:
        return 1, ()
    if spacing.kind == "sub_daily" and season == spacing.cycle and rows >= 3 * 7 * season:
        return season, (season, 7 * season)
    return season, (season,)


def _when(stamps: np.ndarray, row: int) -> str:
    """A row's time as people read it: ISO-8601, or the number itself for an integer index."""
    return pd.Timestamp(stamps[row]).isoformat() if stamps.dtype.kind == "M" else str(stamps[row])


def _longest_gaps(missing: np.ndarray) -> tuple[int, int]:
    """Length and start of the longest run of True."""
    padded = np.concatenate([[False], missing, [False]]).astype(np.int8)
    edges = np.diff(padded)
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    if not starts.size:
        return 0, -1
    longest = int(np.argmax(ends - starts))
    return int(ends[longest] - starts[longest]), int(starts[longest])


def fill_missing(path: Path, stamps: np.ndarray, values: np.ndarray, names: list[str], params: Params) -> tuple[np.ndarray, int]:
    """Apply the missing-value policy; gaps longer than max_gap are refused by the policies that fill.

    Under 'skip' nothing is filled: the values stay NaN and no window that would read one is cut.
    """
    missing = np.isnan(values)
    if not missing.any() or params.missing == "skip":
        return values, 0
    for column, name in enumerate(names):
        if not missing[:, column].any():
            continue
        when = _when(stamps, int(np.flatnonzero(missing[:, column])[0]))
        if params.missing == "error":
            raise DataError(
                f"{path}: column '{name}' has {int(missing[:, column].sum())} missing values, first at {when}; "
                "set param 'missing' to skip (leave them out), or interpolate or ffill to fill them"
            )
        share = float(missing[:, column].mean())
        if share > params.max_fill_share:
            raise DataError(
                f"{path}: column '{name}': '{params.missing}' would make up {share:.1%} of its values "
                f"({int(missing[:, column].sum())} of {len(missing)}), more than param 'max_fill_share' "
                f"({params.max_fill_share:.0%}); check 'freq' and the file, or use missing: skip"
            )
        length, start = _longest_gaps(missing[:, column])
        if length > params.max_gap:
            raise DataError(
                f"{path}: column '{name}' has a gap of {length} missing steps from "
                f"{_when(stamps, start)}, longer than param 'max_gap' ({params.max_gap})"
            )
    frame = pd.DataFrame(values)
    filled = frame.interpolate(method="linear", limit_area="inside") if params.missing == "interpolate" else frame.ffill()
    result = filled.to_numpy()
    if np.isnan(result).any():
        column = int(np.flatnonzero(np.isnan(result).any(axis=0))[0])
        raise DataError(
            f"{path}: column '{names[column]}' starts or ends with missing values, which "
            f"'{params.missing}' cannot fill; trim those rows"
        )
    return result, int(missing.sum())


Columns = tuple[np.ndarray, np.ndarray | None, np.ndarray]  # timestamps, zone offsets (or None), values (target first)
PIECE_ROWS = 1 << 18  # rows pandas holds as Python strings at a time
BLOCK_CHARS = 1 << 24  # characters of text scanned at a time
PLAIN_SEPARATORS = ",;\t|"


def read_whole(path: Path, params: Params) -> Columns:
    """The file read whole by pandas' python engine: memory-hungry on a long file, but it words every error."""
    table = read_table(path, params)
    stamps, offsets, _ = parse_timestamps(path, table[params.time_column], params.time_column)
    check_times(path, stamps, params.time_column)
    names = [params.target_column, *params.covariates]
    values = np.column_stack([parse_numbers(path, table[name], name, params.decimal, params.thousands)[0] for name in names])
    return stamps, offsets, values


class _Unsure(Exception):
    """Input that only read_whole is sure to read, or to word the error of, as it always has."""


def _binary(path: Path) -> BinaryIO:
    """The file as a stream of bytes, gzip undone as it is read."""
    with path.open("rb") as probe:
        gzipped = probe.read(2) == b"\x1f\x8b"
    return gzip.open(path) if gzipped else path.open("rb")


def _text(path: Path, codec: str) -> io.TextIOWrapper:
    """The file's text, decoded as it is read; lines end at '\\n' only, as in read_table's StringIO."""
    return io.TextIOWrapper(_binary(path), encoding=codec, newline="\n")


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


def _pieces(path: Path, params: Params) -> tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]]:
    """Timestamps, zone offsets and values of each piece of PIECE_ROWS rows, each read as read_whole reads the whole.

    Every value goes through the same parse functions; _Unsure wherever the pieces might differ from the whole.
    """
    codec, sep, time = _codec(params.encoding), params.csv_sep, params.time_column
    names = [params.target_column, *params.covariates]
    stamps, offsets, values, read_as, columns = [], [], [], set(), []  # read_as: how each piece's columns were read
    try:
        codecs.lookup(codec)  # before any file is opened
        with _binary(path) as binary:
            refuse_non_text(path, binary.read(4096))
        with _text(path, codec) as text:
            plain, separators = _scan(text, sep)
        with _text(path, codec) as text:
            header = _header_fields(text, sep)
        if len(set(header)) < len(header):
            raise _Unsure
        engine = "c" if plain else "python"
        with _text(path, codec) as text, pd.read_csv(text, engine=engine, chunksize=PIECE_ROWS, **_csv_options(sep)) as reader:
            for piece in reader:
                piece.columns = columns = [str(column).strip() for column in piece.columns]
                # a row with fewer fields than the header (NaN from the python engine) or more (an index), a column not found
                ragged = piece.isna().any(axis=None) or not isinstance(piece.index, pd.RangeIndex)
                if ragged or not {time, *names} <= set(columns):
                    raise _Unsure
                if plain and max(piece[column].str.len().max() for column in columns) > csv.field_size_limit():
                    raise _Unsure  # a field csv.reader refuses
                piece_stamps, piece_offsets, time_read_as = parse_timestamps(path, piece[time], time)
                numbers = [parse_numbers(path, piece[name], name, params.decimal, params.thousands) for name in names]
                read_as.add((time_read_as, *(column_read_as for _, column_read_as in numbers)))
                stamps.append(piece_stamps)
                if piece_offsets is not None:
                    offsets.append(piece_offsets)
                values.append(np.column_stack([column for column, _ in numbers]))
    # Whatever the pieces cannot read is read_whole's to word; a DataError too, as its lines count from the piece.
    except (ValueError, LookupError, OSError, EOFError, zlib.error, csv.Error) as err:
        raise _Unsure from err
    rows = sum(map(len, stamps))
    if not rows or not _alike(read_as):
        raise _Unsure
    # The C parser fills a row with fewer fields with '' rather than NaN: each row must hold its share of separators.
    if plain and (len(columns) < 2 or separators != (rows + 1) * (len(columns) - 1)):
        raise _Unsure
    return stamps, offsets, values


def _alike(read_as: set[tuple[str, ...]]) -> bool:
    """Whether pieces read as these were give what one read of the whole file gives (see the parse functions)."""
    times, *columns = zip(*read_as, strict=True)
    return len(set(times)) == 1 and not any({"decimals", "integers, -0"} <= set(column) for column in columns)


def read_in_pieces(path: Path, params: Params) -> Columns | None:
    """The file read a piece at a time, by pandas' C parser where it splits the text as the python engine does.

    The same arrays as read_whole, in bounded memory and linear time; None for read_whole to read the
    file, as it must for every input that it would refuse and for the few the pieces cannot vouch for.
    """
    try:
        stamps, offsets, values = _pieces(path, params)
    except _Unsure:
        return None
    stamps = np.concatenate(stamps)
    offsets = np.concatenate(offsets) if offsets else None
    values = np.concatenate(values)
    check_times(path, stamps, params.time_column)
    return stamps, offsets, values


def load_series(params: Params) -> Series:
    """Everything ingest checks, as one pure function of the params and the file."""
    path = Path(params.data_path)
    columns = read_in_pieces(path, params)
    stamps, offsets, values = read_whole(path, params) if columns is None else columns
    names = [params.target_column, *params.covariates]
    spacing, freq_source = spacing_for(path, stamps, params)
    if offsets is not None:  # carried through regularize as a column; an inserted row keeps the offset before it
        values = np.column_stack([values, offsets])
    stamps, values = regularize(path, stamps, values, spacing, params.time_column)
    wall_times = None
    if offsets is not None:
        offsets, values = pd.Series(values[:, -1]).ffill().to_numpy(), values[:, :-1]
        wall_times = stamps + (offsets * 1e9).astype("timedelta64[ns]")
    before = np.isnan(values[:, 0])
    values, filled = fill_missing(path, stamps, values, names, params)
    filled_target = before & np.isfinite(values[:, 0])
    target = values[:, 0]
    known = target[np.isfinite(target)]
    if known.size == 0 or known.min() == known.max():
        shown = f" ({known[0]:g})" if known.size else ""
        raise DataError(
            f"{path}: column '{params.target_column}' is constant{shown}; "
            "there is nothing to forecast and scaling would divide by zero"
        )
    season, seasons = resolve_season(spacing, len(target), params.season)
    return Series(
        stamps,
        target,
        values[:, 1:],
        params.target_column,
        tuple(params.covariates),
        spacing=spacing,
        freq_source=freq_source,
        season=season,
        seasons=seasons,
        filled=filled,
        filled_target=filled_target,
        wall_times=wall_times,
        missing=int(np.isnan(values).sum()),
    )


def filled_per_block(filled_target: np.ndarray, params: Params) -> dict[str, int]:
    """How many target values the missing-value policy made up in each block (none of them is ever scored)."""
    edges = (0, *split_rows(len(filled_target), params), len(filled_target))
    return {block: int(filled_target[lo:hi].sum()) for block, lo, hi in zip(BLOCKS, edges[:-1], edges[1:], strict=True)}


def main() -> None:
    params = load_params()
    series = load_series(params)
    spacing = series.spacing
    save_arrays(
        SERIES_FILE,
        timestamps=series.timestamps,
        target=series.target,
        covariates=series.covariates,
        target_name=np.array(series.target_name),
        covariate_names=np.array(series.covariate_names, dtype=str),
        freq=np.array(spacing.alias),
        season=np.array(series.season, dtype=np.int64),
        seasons=np.array(series.seasons, dtype=np.int64),
        calendar_kind=np.array(spacing.calendar_kind),
        filled_target=series.filled_target,
        **({"wall_times": series.wall_times} if series.wall_times is not None else {}),
    )
    summary = {
        "source": params.data_path,
        "rows": len(series.target),
        "start": _when(series.timestamps, 0),
        "end": _when(series.timestamps, -1),
        "filled_values": series.filled,
        "filled_targets_per_block": filled_per_block(series.filled_target, params),
        "missing_values": series.missing,
        "missing_policy": params.missing,
        "freq": spacing.alias,
        "freq_source": series.freq_source,
        "step": spacing.text,
        "season": series.season,
        "seasons": list(series.seasons),
        "calendar_kind": spacing.calendar_kind,
    }
    if spacing.rows_are_steps:
        summary["note"] = ROW_NOTES[spacing.kind]
    write_json(SUMMARY_FILE, summary)
    print(
        f"ingest: {len(series.target)} rows from {params.data_path}, one every {spacing.text} ({series.freq_source}), "
        f"season {series.season}, {series.filled} values filled, {series.missing} left missing"
    )


if __name__ == "__main__":
    run_stage(main)
