"""How a time column steps: inferred from the data or given as param 'freq', and the seasons that follow."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset

from honest_forecast.data.lines import PhysicalLines, line_numbers, time_text
from honest_forecast.errors import DataError, ParamError

DAY = pd.Timedelta(days=1)

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

STEP_UNITS = tuple((unit, pd.Timedelta(1, unit=unit)) for unit in ("D", "h", "min", "s", "ms", "us", "ns"))  # largest first

MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")

# What the input steps' timestamps can say about a step, by kind of spacing (honest_forecast/windows/calendar.py encodes it).
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
SPAN_FACTOR = 2  # more steps than this many times the rows: more would be missing than the file has rows


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


def step_grid(stamps: np.ndarray, spacing: Spacing) -> np.ndarray:
    """Every step from the first row to the last."""
    if spacing.kind == "integer":
        return np.arange(stamps[0], stamps[-1] + 1, spacing.step)
    return _date_grid(stamps, spacing.offset)


def steps_spanned(stamps: np.ndarray, spacing: Spacing) -> int:
    """How many steps of ``spacing`` run from the first row to the last, counted without building them."""
    if spacing.kind == "integer":
        return int((stamps[-1] - stamps[0]) // spacing.step) + 1
    if isinstance(spacing.offset, pd.offsets.Tick):  # in Python integers: 1680 to 2250 is more nanoseconds than int64 holds
        return (int(stamps[-1].astype(np.int64)) - int(stamps[0].astype(np.int64))) // pd.Timedelta(spacing.offset).value + 1
    return len(_date_grid(stamps, spacing.offset))  # months, weeks, trading days: a few per year at most


def check_span(path: Path, stamps: np.ndarray, spacing: Spacing, column: str, lines: PhysicalLines | None = None) -> None:
    """Refuse a series whose first and last rows lie so far apart that most of its steps would be missing.

    One mistyped year (2041 for 2014) makes a year of half-hours into decades of them, nearly all
    missing; the largest jump between two rows is where the outlying timestamp is.
    """
    steps, rows = steps_spanned(stamps, spacing), len(stamps)
    if steps <= SPAN_FACTOR * rows:
        return
    jumps = np.diff(stamps)
    at = int(np.argmax(jumps))
    gap = steps_spanned(stamps[at : at + 2], spacing) - 2
    before, after = (line_numbers(np.array([row]), lines) for row in (at, at + 1))
    raise DataError(
        f"{path}: column '{column}' runs from {time_text(stamps, 0)} to {time_text(stamps, -1)}, {steps:,} steps of "
        f"{spacing.text}, but the file has "
        f"{rows:,} rows: {steps - rows:,} steps would be missing. The largest jump, {gap:,} missing steps, is between "
        f"{before} ({time_text(stamps, at)}) and {after} ({time_text(stamps, at + 1)}): a mistyped date? "
        "Fix it, keep the rows on one side of the gap, or set param 'freq' to none to take the rows as they come"
    )


def spacing_for(
    path: Path, stamps: np.ndarray, freq: str, column: str, lines: PhysicalLines | None = None
) -> tuple[Spacing, str]:
    """The spacing to check the rows on, and its source: inferred, or param 'freq' when the data agrees.

    A 'freq' that disagrees is refused here, before any missing value is counted or filled:
    hourly data read as half-hourly would otherwise have half its rows invented. So is a span far
    longer than the rows imply, before a grid of it is built.
    """
    freq = freq.strip()
    if freq.lower() == "none":
        return UNCHECKED, "param"
    inferred = infer_spacing(stamps)
    check_span(path, stamps, inferred, column, lines)
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
    if inferred.kind == "integer":
        raise DataError(
            f"{path}: param 'freq' is {freq} but column '{column}' holds whole numbers, an integer index "
            f"stepping by {inferred.step}; set freq: auto or freq: none"
        )
    grid = step_grid(stamps, inferred)
    # A fixed offset with another count of steps is refused before its grid is built: 1ms over a year is 3e10 steps.
    span = int(stamps[-1].astype(np.int64)) - int(stamps[0].astype(np.int64))  # ns, in Python integers (see steps_spanned)
    other_count = isinstance(offset, pd.offsets.Tick) and span // pd.Timedelta(offset).value + 1 != len(grid)
    if other_count or not np.array_equal(_date_grid(stamps, offset), grid):
        seen = "inferred" if inferred.text == inferred.alias else f"inferred freq {inferred.alias}"
        fix = f"freq: auto or freq: {inferred.alias}" if inferred.typable else "freq: auto"
        raise DataError(f"{path}: param 'freq' is {freq} but column '{column}' steps every {inferred.text} ({seen}); set {fix}")
    return inferred, "param"


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
