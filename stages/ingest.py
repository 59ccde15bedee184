"""Stage ingest: read the CSV named in params, check it, write a typed interim file.

Every problem is reported with the file, the column and the CSV line numbers
(line 1 is the header), because the person fixing it has the file open.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from stages.common import DataError, run_stage, save_arrays, write_json
from stages.params import Params, load_params
from stages.paths import SERIES_FILE, SUMMARY_FILE

MISSING_MARKERS = {"", "na", "nan", "null", "none", "n/a", "-"}
SHOWN_ROWS = 5


@dataclass(frozen=True)
class Series:
    """A checked, regular series: timestamps, target and covariates as float64 arrays."""

    timestamps: np.ndarray  # datetime64[ns]
    target: np.ndarray
    covariates: np.ndarray  # shape (rows, len(covariate_names))
    target_name: str
    covariate_names: tuple[str, ...]
    filled: int = 0  # values filled by the missing-value policy


def _lines(positions: np.ndarray) -> str:
    """CSV line numbers for 0-based data rows (header is line 1)."""
    shown = ", ".join(str(int(p) + 2) for p in positions[:SHOWN_ROWS])
    more = f" and {len(positions) - SHOWN_ROWS} more" if len(positions) > SHOWN_ROWS else ""
    return f"line{'s' if len(positions) > 1 else ''} {shown}{more}"


def read_table(path: Path, params: Params) -> pd.DataFrame:
    """Read the CSV as text, so that every value can be checked and reported by line."""
    if not path.is_file():
        raise DataError(f"{path}: file not found (param 'data_path')")
    raw = path.read_bytes()
    if not raw.strip():
        raise DataError(f"{path}: the file is empty")
    encoding = "utf-8-sig" if params.encoding.lower().replace("_", "-") in ("utf-8", "utf8") else params.encoding
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as err:
        raise DataError(
            f"{path}: not readable as {params.encoding} (byte {err.start}); "
            "set param 'encoding' to the file's encoding, e.g. latin-1 or utf-16"
        ) from err
    except LookupError as err:
        raise DataError(f"param 'encoding': unknown encoding '{params.encoding}'") from err
    try:
        table = pd.read_csv(
            io.StringIO(text),
            sep=params.csv_sep,
            dtype=str,
            keep_default_na=False,
            skipinitialspace=True,
            engine="python",
            quoting=csv.QUOTE_MINIMAL,
        )
    except (pd.errors.ParserError, csv.Error) as err:
        raise DataError(f"{path}: cannot be parsed as CSV with separator {params.csv_sep!r}: {err}") from err
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


def parse_timestamps(path: Path, values: pd.Series, column: str) -> np.ndarray:
    parsed = pd.to_datetime(values.str.strip(), errors="coerce", format="ISO8601")
    bad = np.flatnonzero(parsed.isna().to_numpy())
    if bad.size:
        examples = ", ".join(repr(values.iloc[i]) for i in bad[:3])
        raise DataError(
            f"{path}: column '{column}' has unparseable timestamps at {_lines(bad)} ({examples}); "
            "use ISO-8601 such as 2014-01-01T00:30:00"
        )
    if getattr(parsed.dt, "tz", None) is not None:
        parsed = parsed.dt.tz_convert("UTC").dt.tz_localize(None)
    stamps = parsed.to_numpy(dtype="datetime64[ns]")
    steps = np.diff(stamps)
    duplicate = np.flatnonzero(steps == np.timedelta64(0)) + 1
    if duplicate.size:
        raise DataError(f"{path}: column '{column}' has duplicate timestamps at {_lines(duplicate)}")
    backwards = np.flatnonzero(steps < np.timedelta64(0)) + 1
    if backwards.size:
        raise DataError(f"{path}: column '{column}' is out of time order at {_lines(backwards)}; sort the file by time")
    return stamps


def parse_numbers(path: Path, values: pd.Series, column: str, decimal: str) -> np.ndarray:
    """Numbers with NaN where a value is missing; anything else non-numeric is an error."""
    text = values.str.strip()
    missing = text.str.lower().isin(MISSING_MARKERS).to_numpy()
    if decimal == ",":
        text = text.str.replace(",", ".", regex=False)
    numbers = pd.to_numeric(text.where(~missing), errors="coerce").to_numpy(dtype=float)
    bad = np.flatnonzero(np.isnan(numbers) & ~missing)
    if bad.size:
        examples = ", ".join(repr(values.iloc[i]) for i in bad[:3])
        hint = " (decimal commas? set param 'decimal' to ',')" if any("," in values.iloc[i] for i in bad[:3]) else ""
        raise DataError(f"{path}: column '{column}' has non-numeric values at {_lines(bad)}: {examples}{hint}")
    infinite = np.flatnonzero(np.isinf(numbers))
    if infinite.size:
        raise DataError(f"{path}: column '{column}' has infinite values at {_lines(infinite)}")
    return numbers


def regularize(path: Path, stamps: np.ndarray, values: np.ndarray, freq: str, time_column: str) -> tuple[np.ndarray, np.ndarray]:
    """Insert missing rows of a regular series as NaN; refuse steps that are not whole multiples."""
    if freq.lower() == "none":
        return stamps, values
    try:
        step = pd.Timedelta(pd.tseries.frequencies.to_offset(freq)).to_timedelta64()
    except (ValueError, TypeError) as err:
        raise DataError(f"param 'freq': '{freq}' is not a pandas frequency such as 30min or 1h") from err
    offsets = (stamps - stamps[0]) / step
    off_grid = np.flatnonzero(offsets != np.round(offsets))
    if off_grid.size:
        raise DataError(
            f"{path}: column '{time_column}' is not on a regular {freq} grid at {_lines(off_grid)}; "
            "resample the file or set param 'freq' to the data's frequency ('none' skips the check)"
        )
    positions = np.round(offsets).astype(np.int64)
    full = np.full((positions[-1] + 1, values.shape[1]), np.nan)
    full[positions] = values
    grid = stamps[0] + np.arange(positions[-1] + 1) * step
    return grid, full


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
    """Apply the missing-value policy; gaps longer than max_gap are refused under every policy."""
    missing = np.isnan(values)
    if not missing.any():
        return values, 0
    for column, name in enumerate(names):
        if not missing[:, column].any():
            continue
        first = int(np.flatnonzero(missing[:, column])[0])
        when = pd.Timestamp(stamps[first]).isoformat()
        if params.missing == "error":
            raise DataError(
                f"{path}: column '{name}' has {int(missing[:, column].sum())} missing values, first at {when}; "
                "set param 'missing' to interpolate or ffill to fill them"
            )
        length, start = _longest_gaps(missing[:, column])
        if length > params.max_gap:
            raise DataError(
                f"{path}: column '{name}' has a gap of {length} missing steps from "
                f"{pd.Timestamp(stamps[start]).isoformat()}, longer than param 'max_gap' ({params.max_gap})"
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


def load_series(params: Params) -> Series:
    """Everything ingest checks, as one pure function of the params and the file."""
    path = Path(params.data_path)
    table = read_table(path, params)
    stamps = parse_timestamps(path, table[params.time_column], params.time_column)
    names = [params.target_column, *params.covariates]
    values = np.column_stack([parse_numbers(path, table[name], name, params.decimal) for name in names])
    stamps, values = regularize(path, stamps, values, params.freq, params.time_column)
    values, filled = fill_missing(path, stamps, values, names, params)
    target = values[:, 0]
    if np.ptp(target) == 0:
        raise DataError(
            f"{path}: column '{params.target_column}' is constant ({target[0]:g}); "
            "there is nothing to forecast and scaling would divide by zero"
        )
    return Series(stamps, target, values[:, 1:], params.target_column, tuple(params.covariates), filled)


def main() -> None:
    params = load_params()
    series = load_series(params)
    save_arrays(
        SERIES_FILE,
        timestamps=series.timestamps,
        target=series.target,
        covariates=series.covariates,
        target_name=np.array(series.target_name),
        covariate_names=np.array(series.covariate_names, dtype=str),
    )
    write_json(
        SUMMARY_FILE,
        {
            "source": params.data_path,
            "rows": len(series.target),
            "start": pd.Timestamp(series.timestamps[0]).isoformat(),
            "end": pd.Timestamp(series.timestamps[-1]).isoformat(),
            "filled_values": series.filled,
            "missing_policy": params.missing,
        },
    )
    print(f"ingest: {len(series.target)} rows from {params.data_path}, {series.filled} values filled")


if __name__ == "__main__":
    run_stage(main)
