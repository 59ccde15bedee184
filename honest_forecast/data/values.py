"""Values as text turned into times and numbers, every bad one reported by its CSV line."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from honest_forecast.data.text import line_numbers
from honest_forecast.errors import DataError

MISSING_MARKERS = {"", "na", "nan", "null", "none", "n/a", "-"}

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
            with_zone, without = line_numbers(np.flatnonzero(zoned)[:1]), line_numbers(np.flatnonzero(~zoned)[:1])
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
                f"{path}: column '{column}' has unparseable timestamps at {line_numbers(bad)} ({examples}); "
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
        raise DataError(f"{path}: column '{column}' has duplicate timestamps at {line_numbers(duplicate)}")
    backwards = np.flatnonzero(steps < zero) + 1
    if backwards.size:
        raise DataError(f"{path}: column '{column}' is out of time order at {line_numbers(backwards)}; sort the file by time")
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
        raise DataError(f"{path}: column '{column}' has non-numeric values at {line_numbers(bad)}: {examples}{hint}")
    infinite = np.flatnonzero(np.isinf(numbers))
    if infinite.size:
        raise DataError(f"{path}: column '{column}' has infinite values at {line_numbers(infinite)}")
    if parsed.dtype.kind not in "iu":
        return numbers, "decimals"
    return numbers, "integers, -0" if (text.str.startswith("-") & (parsed == 0)).any() else "integers"
