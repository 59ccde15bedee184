"""Windows cut on the fly from the stored rows equal the windows the stage once materialised."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from honest_forecast.errors import DataError
from honest_forecast.names import BLOCKS
from honest_forecast.windows.build import build_windows
from honest_forecast.windows.calendar import calendar_features, calendar_slots
from honest_forecast.windows.store import WindowSpec, WindowStore, rows_flagged
from tests.helpers import small_params


def materialised(
    timestamps: np.ndarray, scaled: np.ndarray, starts: np.ndarray, spec: WindowSpec, calendar: bool, known: bool, delta: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The windows stage's arrays before streaming (its code, verbatim in substance): x, known and y of ``starts``."""
    features = np.column_stack([scaled, calendar_features(timestamps)]) if calendar else scaled
    view = np.lib.stride_tricks.sliding_window_view(features, spec.window, axis=0)
    x = np.ascontiguousarray(view[starts].transpose(0, 2, 1))
    y = np.ascontiguousarray(np.lib.stride_tricks.sliding_window_view(scaled[:, 0][spec.window :], spec.horizon)[starts])
    if delta:
        y = y - x[:, -1:, 0]
    if known:
        slot, slots, _, _ = calendar_slots(timestamps, "time_of_day")
        table = np.eye(slots, dtype=np.float32)[slot]
    else:
        table = np.zeros((len(timestamps), 0), dtype=np.float32)
    return x.astype(np.float32), table[spec.target_rows(starts)], y.astype(np.float32)


@settings(max_examples=60, deadline=None)
@given(
    rows=st.integers(80, 500),
    window=st.integers(1, 30),
    horizon=st.integers(1, 6),
    covariates=st.integers(0, 2),
    calendar=st.booleans(),
    known=st.booleans(),
    delta=st.booleans(),
    scaler=st.sampled_from(["standard", "minmax", "robust", "none"]),
    gaps=st.lists(st.integers(0, 499), max_size=4),
    seed=st.integers(0, 2**16),
)
def test_windows_cut_on_the_fly_equal_the_materialised_windows(
    rows: int,
    window: int,
    horizon: int,
    covariates: int,
    calendar: bool,
    known: bool,
    delta: bool,
    scaler: str,
    gaps: list[int],
    seed: int,
) -> None:
    rng = np.random.default_rng(seed)
    stamps = pd.date_range("2014-01-01", periods=rows, freq="30min").to_numpy()
    target = 5 + rng.normal(size=rows).cumsum()
    target[[gap for gap in gaps if gap < rows]] = np.nan
    extra = rng.normal(size=(rows, covariates)) * 100
    params = small_params(
        window=window,
        horizon=horizon,
        calendar=calendar,
        target_calendar=known,
        target="delta" if delta else "level",
        scaler=scaler,
        seed=seed,
    )
    try:
        store, fitted, _ = build_windows(stamps, target, extra, ["y", *(f"c{k}" for k in range(covariates))], params)
    except DataError:
        assume(False)
    scaled = fitted.transform(np.column_stack([target, extra]))
    before = np.concatenate([[0], np.cumsum(np.isnan(scaled).any(axis=1))])
    for block in BLOCKS:
        starts = store.starts[block]
        assert (before[starts + store.spec.span] == before[starts]).all()  # no window reads a missing row
        inputs, y = store.cut(starts)
        x_then, known_then, y_then = materialised(stamps, scaled, starts, store.spec, calendar, known, delta)
        np.testing.assert_array_equal(inputs["window"], x_then)
        np.testing.assert_array_equal(y, y_then)
        np.testing.assert_array_equal(inputs.get("known", np.zeros_like(known_then)), known_then)
        np.testing.assert_array_equal(store.last_inputs(starts), x_then[:, -1, 0])


def test_a_saved_store_loads_back_equal(tmp_path: object) -> None:
    rows = 300
    stamps = pd.date_range("2014-01-01", periods=rows, freq="30min").to_numpy()
    target = np.sin(np.arange(rows) / 5.0)
    store, _, _ = build_windows(stamps, target, np.empty((rows, 0)), ["y"], small_params(calendar=True, target_calendar=True))
    path = tmp_path / "arrays.npz"
    store.save(path)
    again = WindowStore.load(path)
    assert again.spec == store.spec and again.known_width == 48 and again.delta == store.delta
    for block in BLOCKS:
        np.testing.assert_array_equal(again.starts[block], store.starts[block])
        for a, b in zip(again.cut(again.starts[block]), store.cut(store.starts[block]), strict=True):
            np.testing.assert_equal(a, b)


@given(flags=st.lists(st.booleans(), min_size=1, max_size=60), length=st.integers(1, 8))
def test_rows_flagged_counts_each_stretch(flags: list[bool], length: int) -> None:
    flags_array = np.array(flags)
    first = np.arange(max(len(flags) - length + 1, 0))
    expected = [sum(flags[f : f + length]) for f in first]
    np.testing.assert_array_equal(rows_flagged(flags_array, first, length), expected)
