"""Windows of many series: each series split and scaled on its own rows, no window across two series, one pooled store."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from honest_forecast.backtest.folds import panel_fold_view
from honest_forecast.data.series import Series
from honest_forecast.errors import DataError
from honest_forecast.params import Params
from honest_forecast.windows.build import build_windows
from honest_forecast.windows.panel import build_panel_windows, scaler_fit_rows
from honest_forecast.windows.scaling import SeriesScalers
from honest_forecast.windows.split import Split

LEVELS = {"A": 0.01, "B": 10.0, "C": 1000.0}  # units far apart: one scaler across them would drown A
LENGTHS = {"A": 300, "B": 420, "C": 360}


def panel(levels: dict[str, float] = LEVELS, seed: int = 0) -> Series:
    rng = np.random.default_rng(seed)
    parts = []
    for name, level in levels.items():
        rows = LENGTHS[name]
        wave = 1 + 0.3 * np.sin(np.arange(rows) * 2 * np.pi / 24) + rng.normal(0, 0.05, rows)
        parts.append(level * wave)
    target = np.concatenate(parts)
    rows = len(target)
    stamps = np.concatenate([np.datetime64("2020-01-01T00:00") + np.arange(len(p)).astype("timedelta64[h]") for p in parts])
    return Series(
        stamps.astype("datetime64[ns]"),
        target,
        np.zeros((rows, 0)),
        "y",
        (),
        "1h",
        "time_of_day",
        24,
        (24,),
        np.zeros(rows, dtype=bool),
        series_ids=tuple(levels),
        series_starts=np.cumsum([0, *(len(p) for p in parts)]),
    )


PARAMS = dataclasses.replace(Params(), window=48, horizon=6, id_column="id", calendar=True, target="delta")


@pytest.mark.parametrize("split", [Split(0.7, 0.15), Split(0.7, 0.15, valid_steps=6, test_steps=6)])
def test_each_series_is_windowed_and_scaled_as_it_would_be_alone_and_pooled(split: Split) -> None:
    params = dataclasses.replace(PARAMS, valid_steps=split.valid_steps, test_steps=split.test_steps)
    view, edges = panel_fold_view(panel(), 1, split)
    store, scalers, audit = build_panel_windows(view, edges, params)
    assert audit["checks"]["leak_free"] and audit["checks"]["windows_inside_one_series"]
    assert audit["checks"]["series_leak_free"] == 3
    for name, lo, train_end, valid_end, end in edges:
        alone, scaler, _ = build_windows(
            view.timestamps[lo:end],
            view.target[lo:end],
            view.covariates[lo:end],
            view.column_names,
            dataclasses.replace(params, shuffle="none"),
            view.calendar_kind,
            view.season,
            view.filled_target[lo:end],
            (train_end - lo, valid_end - lo),
        )
        train = view.target[lo:train_end]
        at = scalers.ids.index(name)
        assert scalers.center[at, 0] == pytest.approx(train.mean()) and scalers.scale[at, 0] == pytest.approx(train.std())
        assert (scalers.center[at].tolist(), scalers.scale[at].tolist()) == (scaler.center.tolist(), scaler.scale.tolist())
        np.testing.assert_array_equal(store.features[lo:end], alone.features)
        for block in ("valid", "test"):
            ours = store.starts[block][(store.starts[block] >= lo) & (store.starts[block] < end)]
            np.testing.assert_array_equal(ours, alone.starts[block] + lo)
        mine = np.sort(store.starts["train"][(store.starts["train"] >= lo) & (store.starts["train"] < end)])
        np.testing.assert_array_equal(mine, np.sort(alone.starts["train"]) + lo)
        assert np.abs(store.target[lo:train_end].mean()) < 1e-9  # each series on its own scale, A's as large as C's
    if split.by_steps:
        assert all(valid_end - train_end == end - valid_end == 6 for _, _, train_end, valid_end, end in edges)
    fit = scalers.to_dict(view.column_names, scaler_fit_rows(edges, "train"))
    assert fit["series"]["C"]["fit_rows"] == [edges[2][1], edges[2][2] - 1]
    again = SeriesScalers.from_dict(fit)
    assert again.ids == scalers.ids and np.array_equal(again.center, scalers.center)


def test_a_fold_moves_every_series_blocks_back_by_its_own_test_block() -> None:
    split = Split(0.7, 0.15, valid_steps=6, test_steps=6)
    _, first = panel_fold_view(panel(), 1, split)
    view, second = panel_fold_view(panel(), 2, split)
    for (name, _, t1, v1, e1), (same, lo2, t2, v2, e2) in zip(first, second, strict=True):
        lo1 = next(lo for n, lo, *_ in first if n == name)
        assert name == same and (t2 - lo2, v2 - lo2, e2 - lo2) == (t1 - lo1 - 6, v1 - lo1 - 6, e1 - lo1 - 6)
    assert view.series_starts.tolist() == [0, 294, 708, 1062] and view.rows == 1062
    whole = panel()
    for (_, lo, hi), (_, at, *_, end) in zip(whole.segments(), second, strict=True):
        assert end - at == hi - lo - 6  # one test block of six steps cut off each series' tail
        assert np.array_equal(view.target[at:end], whole.target[lo : lo + end - at])
        assert np.array_equal(view.timestamps[at:end], whole.timestamps[lo : lo + end - at])


def test_fold_one_keeps_every_row_without_a_copy() -> None:
    series = panel()
    view, _ = panel_fold_view(series, 1, Split(0.7, 0.15, valid_steps=6, test_steps=6))
    assert view is series


def test_a_series_that_cannot_be_windowed_is_named() -> None:
    series = panel()
    end = series.series_starts[2]
    target = series.target.copy()
    target[end - 70 : end] = 7.0  # B's test block (its last 63 rows) is flat: rel_mae would divide by zero
    view, edges = panel_fold_view(dataclasses.replace(series, target=target), 1, Split(0.7, 0.15))
    with pytest.raises(DataError, match=r"series 'B' \(column 'id'\): column 'y' is flat in the test block"):
        build_panel_windows(view, edges, PARAMS)


def test_level_normalisation_reads_the_target_channel_relative_to_the_windows_last_value() -> None:
    view, edges = panel_fold_view(panel(), 1, Split(0.7, 0.15))
    plain, _, _ = build_panel_windows(view, edges, PARAMS)
    normed, _, audit = build_panel_windows(view, edges, dataclasses.replace(PARAMS, level_norm=True))
    starts = normed.starts["test"]
    (raw, y_raw), (shifted, y) = plain.cut(starts), normed.cut(starts)
    last = raw["window"][:, -1:, 0]
    np.testing.assert_array_equal(shifted["window"][..., 0], raw["window"][..., 0] - last)
    np.testing.assert_array_equal(shifted["window"][..., 1:], raw["window"][..., 1:])  # the calendar channels as they were
    np.testing.assert_array_equal(y, y_raw)  # delta targets: already relative to the last input
    assert audit["level_norm"] and np.all(shifted["window"][:, -1, 0] == 0)


def test_an_id_embedding_reads_each_windows_own_series() -> None:
    series = panel()
    view, edges = panel_fold_view(series, 1, Split(0.7, 0.15))
    plain, _, _ = build_panel_windows(view, edges, PARAMS)
    store, _, audit = build_panel_windows(view, edges, dataclasses.replace(PARAMS, id_embedding=4))
    assert "series" not in plain.cut(plain.starts["train"][:5])[0] and plain.series_count == 0
    starts = store.starts["train"]
    inputs, _ = store.cut(starts)
    expected = np.searchsorted(view.series_starts, starts, side="right") - 1
    assert np.array_equal(inputs["series"][:, 0], expected) and store.series_count == len(edges) == audit["series"]
    assert audit["id_embedding"] == 4
