"""What a row's timestamp says about it, known in advance: calendar channels and one-hot slots."""

from __future__ import annotations

import numpy as np
import pandas as pd

# Input channels per calendar kind (set by ingest from the series' spacing): each a position on a circle.
CALENDAR_CHANNELS = {
    "time_of_day": ("time_of_day_sin", "time_of_day_cos", "day_of_week_sin", "day_of_week_cos"),
    "day_of_week": ("day_of_week_sin", "day_of_week_cos", "day_of_year_sin", "day_of_year_cos"),
    "week_of_year": ("week_of_year_sin", "week_of_year_cos"),
    "month_of_year": ("month_of_year_sin", "month_of_year_cos"),
    "quarter": ("quarter_sin", "quarter_cos"),
    "none": (),
}

# The one-hot slot of each target time that target_calendar feeds, per calendar kind (time_of_day: see time_of_day_slots).
KNOWN_SLOTS = {
    "day_of_week": ("day_of_week", "day of the week", 7, lambda stamps: stamps.day_of_week.to_numpy()),
    "week_of_year": (
        "week_of_year",
        "ISO week of the year",
        53,
        lambda stamps: stamps.isocalendar().week.to_numpy().astype(int) - 1,
    ),
    "month_of_year": ("month_of_year", "month of the year", 12, lambda stamps: stamps.month.to_numpy() - 1),
    "quarter": ("quarter", "quarter of the year", 4, lambda stamps: stamps.quarter.to_numpy() - 1),
}

NO_CALENDAR = "the series' spacing has no calendar cycle (annual, whole days other than 1 or 7, integer index or freq none)"

DAY_SECONDS = 86_400

MAX_SLOTS = 288  # five-minute data; finer one-hot slots would dwarf the window itself

CALENDAR_ROWS = 1 << 20  # rows whose calendar channels are computed at once


def _circles(*fractions: np.ndarray) -> np.ndarray:
    """Each fraction of its cycle as (sin, cos): the cycle's end meets its start."""
    return np.column_stack([f(2 * np.pi * x) for x in fractions for f in (np.sin, np.cos)])


def _seconds_of_day(stamps: pd.DatetimeIndex) -> np.ndarray:
    return (stamps.hour * 3600 + stamps.minute * 60 + stamps.second).to_numpy()


def calendar_features(timestamps: np.ndarray, kind: str = "time_of_day") -> np.ndarray:
    """The calendar channels of ``kind`` (see CALENDAR_CHANNELS); known in advance for any time."""
    if kind == "none":
        return np.zeros((len(timestamps), 0))
    stamps = pd.DatetimeIndex(timestamps)
    if kind == "time_of_day":
        day = _seconds_of_day(stamps) / 86400.0
        return _circles(day, (stamps.day_of_week.to_numpy() + day) / 7.0)
    if kind == "day_of_week":
        return _circles(stamps.day_of_week.to_numpy() / 7.0, (stamps.day_of_year.to_numpy() - 1) / 365.25)
    if kind == "week_of_year":
        return _circles((stamps.isocalendar().week.to_numpy() - 1) / 52.0)  # week 53 sits where week 1 does
    if kind == "month_of_year":
        return _circles((stamps.month.to_numpy() - 1) / 12.0)
    return _circles((stamps.quarter.to_numpy() - 1) / 4.0)


def time_of_day_slots(timestamps: np.ndarray) -> tuple[np.ndarray, int, str]:
    """Slot of the day of each timestamp, the slots per day and their name.

    The slot width is the series' median spacing, so half-hourly data has 48 slots; a spacing
    that does not divide the day, or divides it into more than MAX_SLOTS, gets the hour instead.
    """
    stamps = pd.DatetimeIndex(timestamps)
    step = int(pd.Series(stamps).diff().median().total_seconds()) if len(stamps) > 1 else 0
    hours = step <= 0 or DAY_SECONDS % step or DAY_SECONDS // step > MAX_SLOTS
    slots = np.empty(len(stamps), dtype=np.int16)
    for lo in range(0, len(stamps), CALENDAR_ROWS):  # a piece at a time: each field is a copy of the series
        piece = stamps[lo : lo + CALENDAR_ROWS]
        slots[lo : lo + CALENDAR_ROWS] = piece.hour.to_numpy() if hours else _seconds_of_day(piece) // step
    return (slots, 24, "hour_of_day") if hours else (slots, DAY_SECONDS // step, "time_of_day_slot")


def calendar_slots(timestamps: np.ndarray, kind: str) -> tuple[np.ndarray, int, str, str]:
    """Slot of each timestamp in the cycle of ``kind``, the number of slots, their name and what they are."""
    if kind == "time_of_day":
        slot, slots, name = time_of_day_slots(timestamps)
        return slot, slots, name, "slot of the day" if name == "time_of_day_slot" else "hour of the day"
    name, what, slots, slot_of = KNOWN_SLOTS[kind]
    return slot_of(pd.DatetimeIndex(timestamps)), slots, name, what


def known_inputs(timestamps: np.ndarray, calendar_kind: str = "time_of_day") -> tuple[np.ndarray, int, list[dict]]:
    """What is known in advance about each row's time: its one-hot slot (-1: nothing), the slots and the audit entry.

    Only timestamps are read, never an observation, so nothing from after the forecast
    origin can enter. A one-hot slot lets even a linear map learn a sharp daily profile
    (Victoria's off-peak loads switch on at fixed times), which smooth sin/cos channels cannot.
    The slot is stored per row and one-hot encoded only for the windows cut at a time.
    """
    if calendar_kind == "none":
        return np.full(len(timestamps), -1, dtype=np.int16), 0, []
    slot, slots, name, what = calendar_slots(timestamps, calendar_kind)
    entry = {
        "name": name,
        "width": slots,
        "role": f"calendar of each target time: one-hot {what} from its timestamp, known in advance",
    }
    return slot.astype(np.int16, copy=False), slots, [entry]


def feature_table(scaled: np.ndarray, timestamps: np.ndarray, calendar_kind: str | None) -> np.ndarray:
    """The window inputs per row in float32: the scaled columns, then the calendar channels if any.

    The calendar is computed in pieces of rows (it is a function of each row's time alone), so a
    long series never holds more than one piece of its float64 channels.
    """
    width = len(CALENDAR_CHANNELS[calendar_kind]) if calendar_kind else 0
    features = np.empty((len(scaled), scaled.shape[1] + width), dtype=np.float32)
    features[:, : scaled.shape[1]] = scaled
    if width:
        for lo in range(0, len(scaled), CALENDAR_ROWS):
            hi = lo + CALENDAR_ROWS
            features[lo:hi, scaled.shape[1] :] = calendar_features(timestamps[lo:hi], calendar_kind)
    return features
