"""Values as text turned into times and numbers, every bad one reported by the line of the file it is on."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from honest_forecast.data.lines import PhysicalLines, line_numbers
from honest_forecast.errors import DataError

MISSING_MARKERS = {"", "na", "nan", "null", "none", "n/a", "-"}

ZONE = r"(?:Z|[+-]\d{2}:?\d{2})$"
# Whole numbers that are times: Unix time in seconds, ms, us or ns between 1973 and 2099 (a year or step counter never is).
EPOCH_UNITS = (("s", 1e8, 4.1e9), ("ms", 1e11, 4.1e12), ("us", 1e14, 4.1e15), ("ns", 1e17, 4.1e18))
STORABLE = (pd.Timestamp("1677-09-22"), pd.Timestamp("2262-04-10"))  # datetime64[ns], the type every stage reads
TIME_NOTES = {
    "epoch s": "holds Unix times in seconds: read as UTC times",
    "epoch ms": "holds Unix times in milliseconds: read as UTC times",
    "epoch us": "holds Unix times in microseconds: read as UTC times",
    "epoch ns": "holds Unix times in nanoseconds: read as UTC times",
    "yyyymmdd": "holds dates written as YYYYMMDD numbers: read as dates",
}


def integer_times(text: pd.Series) -> tuple[np.ndarray, str]:
    """Whole numbers as times where they can only be times (Unix time, YYYYMMDD dates); else as they are, an index."""
    numbers = text.astype(np.int64).to_numpy()
    low, high = numbers.min(), numbers.max()
    for unit, lowest, highest in EPOCH_UNITS:
        if lowest <= low and high <= highest:
            return numbers.astype(f"datetime64[{unit}]").astype("datetime64[ns]"), f"epoch {unit}"
    if low >= 10_000_101 and high <= 99_991_231:
        dates = pd.to_datetime(text, format="%Y%m%d", errors="coerce")
        if not dates.isna().any():
            return dates.to_numpy(dtype="datetime64[ns]"), "yyyymmdd"
    return numbers, str(numbers.dtype)


def parse_timestamps(
    path: Path, values: pd.Series, column: str, lines: PhysicalLines | None = None
) -> tuple[np.ndarray, np.ndarray | None, str]:
    """Times as datetime64[ns] (zoned ones in UTC), or whole numbers (years, step counters) as int64.

    Whole numbers that can only be times (Unix seconds to nanoseconds, YYYYMMDD) are read as times;
    a time that datetime64[ns] cannot hold (before 1677 or after 2262) is refused, never wrapped.

    For zoned times, also each row's offset from UTC in seconds: the local wall time the file
    states is what calendar inputs follow (people keep to the clock on the wall, DST and all).
    Last, the type pandas read the text as: int64, or datetimes at the finest resolution that any
    row needs, with or without UTC. A reader of the file in pieces needs every piece read alike.
    """
    text = values.str.strip()
    offsets = None
    if text.str.fullmatch(r"[+-]?\d{1,18}").all():
        stamps, read_as = integer_times(text)
    else:
        zoned = text.str.contains(ZONE, regex=True).to_numpy()
        if zoned.any() and not zoned.all():
            with_zone, without = line_numbers(np.flatnonzero(zoned)[:1], lines), line_numbers(np.flatnonzero(~zoned)[:1], lines)
            raise DataError(
                f"{path}: column '{column}' mixes timestamps with a zone offset (first at {with_zone}) "
                f"and without one (first at {without}); give every timestamp an offset, or none"
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
                f"{path}: column '{column}' has unparseable timestamps at {line_numbers(bad, lines)} ({examples}); "
                "use ISO-8601 such as 2014-01-01T00:30:00"
            )
        outside = np.flatnonzero(((parsed < STORABLE[0]) | (parsed > STORABLE[1])).to_numpy())
        if outside.size:
            examples = ", ".join(repr(values.iloc[i]) for i in outside[:3])
            raise DataError(
                f"{path}: column '{column}' has times outside 1677-09-22 to 2262-04-10, the range a timestamp can be "
                f"stored in, at {line_numbers(outside, lines)} ({examples}); a mistyped year? "
                "Years alone as whole numbers (1659, 1660, ...) are read as an integer index"
            )
        stamps = parsed.to_numpy(dtype="datetime64[ns]")
        if zoned.all():
            wall = pd.to_datetime(text.str.replace(ZONE, "", regex=True), format="ISO8601").to_numpy(dtype="datetime64[ns]")
            offsets = (wall - stamps).astype("timedelta64[s]").astype(np.float64)
    return stamps, offsets, read_as


def check_times(path: Path, stamps: np.ndarray, column: str, lines: PhysicalLines | None = None) -> None:
    """Distinct times in order, and at least two of them; local times repeated by a daylight-saving change are named."""
    steps = np.diff(stamps)
    zero = np.zeros((), steps.dtype)
    duplicate = np.flatnonzero(steps == zero) + 1
    backwards = np.flatnonzero(steps < zero) + 1
    if duplicate.size or backwards.size:
        first = int(min(duplicate[:1].tolist() + backwards[:1].tolist()))
        repeat = clock_repeat(stamps, first)
        if repeat:
            raise DataError(
                f"{path}: column '{column}' goes back from {repeat} at {line_numbers(np.array([first]), lines)}: local clock "
                "times that repeat when daylight saving ends (that hour is written twice); export the times in UTC, or with "
                "their offset from UTC (such as +10:00), which ingest reads"
            )
    if duplicate.size:
        raise DataError(f"{path}: column '{column}' has duplicate timestamps at {line_numbers(duplicate, lines)}")
    if backwards.size:
        raise DataError(
            f"{path}: column '{column}' is out of time order at {line_numbers(backwards, lines)}; sort the file by time"
        )
    if len(stamps) < 2:
        raise DataError(f"{path}: the file has one data row; there is no series to forecast")


def clock_repeat(stamps: np.ndarray, row: int) -> str:
    """'02:30 to 02:00' if row ``row`` steps back as a clock put back by daylight saving does, else ''.

    That is: in the small hours, back by one hour less the series' usual step, and on evenly from
    there, so that the times after it repeat the hour before it.
    """
    if stamps.dtype.kind != "M" or row < 1:
        return ""
    steps = np.diff(stamps)
    forward = steps[steps > np.zeros((), steps.dtype)]
    if not forward.size:
        return ""
    values, counts = np.unique(forward, return_counts=True)
    step = pd.Timedelta(values[np.argmax(counts)])
    before, after = pd.Timestamp(stamps[row - 1]), pd.Timestamp(stamps[row])
    overlap = before - after + step
    if overlap != pd.Timedelta(hours=1) or not 0 <= after.hour < 5:
        return ""
    repeated = int(overlap // step)  # the rows from ``row`` on must run on evenly into the hour after the repeat
    expected = stamps[row] + np.arange(repeated + 1) * step.to_timedelta64()
    following = stamps[row : row + repeated + 1]
    if len(following) <= repeated or not np.array_equal(following, expected):
        return ""
    return f"{before:%Y-%m-%dT%H:%M} to {after:%H:%M}"


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


def parse_numbers(
    path: Path, values: pd.Series, column: str, decimal: str, thousands: str = "", lines: PhysicalLines | None = None
) -> tuple[np.ndarray, str]:
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
        raise DataError(f"{path}: column '{column}' has non-numeric values at {line_numbers(bad, lines)}: {examples}{hint}")
    infinite = np.flatnonzero(np.isinf(numbers))
    if infinite.size:
        raise DataError(f"{path}: column '{column}' has infinite values at {line_numbers(infinite, lines)}")
    if parsed.dtype.kind not in "iu":
        return numbers, "decimals"
    return numbers, "integers, -0" if (text.str.startswith("-") & (parsed == 0)).any() else "integers"
