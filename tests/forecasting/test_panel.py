"""Many series' forecast past each last row: each series from its own rows, intervals pooled in each series' own scale."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd

from honest_forecast.data.panel import load_panel
from honest_forecast.forecasting.panel import (
    panel_forecast_table,
    panel_origins,
    panel_points,
    pooled_intervals,
    series_changed,
)
from honest_forecast.names import NAIVE2
from honest_forecast.params import Params
from honest_forecast.windows.scaling import SeriesScalers
from honest_forecast.windows.store import WindowSpec

HORIZON = 3


def block(rng: np.random.Generator, scales: np.ndarray, windows: int) -> dict[str, np.ndarray]:
    """Evaluate's arrays of a panel block: each series' errors proportional to its MASE scale (method ets)."""
    series = np.repeat(np.arange(len(scales)), windows)
    spread = np.sqrt(np.arange(1, HORIZON + 1))
    actual = rng.normal(size=(len(series), HORIZON)) * spread * scales[series, None]
    return {"series": series, "actual": actual, "forecast_ets": np.zeros_like(actual), "mase_scale": scales[series]}


def test_pooled_intervals_cover_each_series_at_its_own_scale() -> None:
    rng = np.random.default_rng(3)
    scales = np.array([0.5, 20.0, 3000.0])  # units far apart: raw errors pooled would be the big series' alone
    valid, test = block(rng, scales, 2000), block(rng, scales, 2000)
    intervals = pooled_intervals(valid, test, "ets", (0.8, 0.95))
    for key, level in (("80", 0.8), ("95", 0.95)):
        assert abs(intervals.test_coverage[key] - level) < 0.02
        assert np.all(np.abs(intervals.test_coverage_by_lead[key] - level) < 0.03) and not intervals.capped[key]
        for at, scale in enumerate(scales):  # each series covered, not only on average
            mine = test["series"] == at
            inside = np.abs(test["actual"][mine]) <= scale * intervals.radius[key][None, :]
            assert abs(inside.mean() - level) < 0.03
    assert np.all(np.diff(intervals.radius["95"]) > 0) and intervals.windows == 12000


def test_a_series_a_method_did_not_forecast_is_left_out_of_its_calibration_and_few_windows_cap_the_radius() -> None:
    rng = np.random.default_rng(4)
    valid, test = block(rng, np.array([1.0, 2.0]), 5), block(rng, np.array([1.0, 2.0]), 5)
    for arrays in (valid, test):
        arrays["forecast_ets"][arrays["series"] == 1] = np.nan  # not fit on series 1
    intervals = pooled_intervals(valid, test, "ets", (0.8, 0.95))
    assert intervals.windows == 10
    largest = np.abs(np.vstack([valid["actual"][:5], test["actual"][:5]])).max(axis=0)
    assert intervals.capped["95"] == [1, 2, 3] and np.array_equal(intervals.radius["95"], largest)  # 95 % needs 19


def test_the_forecast_table_widens_each_series_interval_by_its_own_scale() -> None:
    radius = {"80": np.array([1.0, 2.0, 3.0])}
    intervals = {"ets": pooled_intervals(*(block(np.random.default_rng(1), np.ones(2), 50),) * 2, "ets", (0.8,))}
    intervals["ets"] = dataclasses.replace(intervals["ets"], radius=radius)
    origins = type("Origins", (), {"series": np.array([0, 1]), "times": [np.array([5, 6, 7]), np.array([9, 10, 11])]})
    points = {"ets": np.array([[1.0, 1.0, 1.0], [100.0, 100.0, 100.0]])}
    table = panel_forecast_table(origins, ("a", "b"), points, intervals, np.array([1.0, 10.0]))
    assert table["id"].tolist() == ["a"] * 3 + ["b"] * 3 and table["timestamp"].tolist() == [5, 6, 7, 9, 10, 11]
    np.testing.assert_allclose(table["upper_80"] - table["point"], [1, 2, 3, 10, 20, 30])


def panel_csv(path: Path, missing_last: str | None = None) -> Path:
    parts = []
    for name, start, rows, level in (("b", "2021-01-01", 60, 10.0), ("a", "2021-01-02T03:00", 50, 500.0)):
        times = pd.date_range(start, periods=rows, freq="h")
        values = level + np.sin(np.arange(rows) * 2 * np.pi / 24) + np.arange(rows) / 100
        part = pd.DataFrame({"id": name, "ds": [t.isoformat() for t in times], "y": values})
        if name == missing_last:
            part.loc[part.index[-1], "y"] = np.nan
        parts.append(part)
    pd.concat(parts).to_csv(path, index=False)
    return path


def panel_params(path: Path) -> Params:
    return dataclasses.replace(
        Params(), data_path=str(path), time_column="ds", target_column="y", id_column="id", covariates=(), horizon=HORIZON
    )


def test_each_series_is_forecast_from_its_own_last_row_on_its_own_clock(tmp_path: Path) -> None:
    ingested = load_panel(panel_params(panel_csv(tmp_path / "p.csv")))
    series = ingested.series
    count = len(series.series_ids)
    scalers = SeriesScalers("standard", series.series_ids, np.zeros((count, 1)), np.ones((count, 1)))
    origins = panel_origins(series, scalers, WindowSpec(24, HORIZON), ingested.spacing, True, True, True, False)
    assert origins.not_forecast == {} and series.series_ids == ("a", "b")
    for at, (_, _, hi) in enumerate(series.segments()):
        after = series.timestamps[hi - 1] + np.arange(1, HORIZON + 1) * np.timedelta64(1, "h")
        assert np.array_equal(origins.times[at], after)
    ends = series.series_starts[1:]
    statistical = {"ets": np.arange(series.rows, dtype=float)[:, None] + np.zeros((1, HORIZON))}
    indices = np.ones((count, series.season))
    points = panel_points(origins, ["persistence", NAIVE2, "ets"], None, None, scalers, statistical, ends, indices, 24)
    last = series.target[ends - 1]
    assert np.array_equal(points["persistence"], np.repeat(last[:, None], HORIZON, axis=1))
    assert np.array_equal(points[NAIVE2], points["persistence"])  # indices of ones: Naive2 is persistence
    assert np.array_equal(points["ets"][:, 0], ends - 1.0)  # the forecast made at each series' own last row


def test_a_series_whose_last_window_lacks_a_value_is_named_and_not_forecast(tmp_path: Path) -> None:
    ingested = load_panel(panel_params(panel_csv(tmp_path / "p.csv", missing_last="b")))
    series = ingested.series
    scalers = SeriesScalers("standard", series.series_ids, np.zeros((2, 1)), np.ones((2, 1)))
    origins = panel_origins(series, scalers, WindowSpec(24, HORIZON), ingested.spacing, True, True, True, False)
    assert list(origins.not_forecast) == ["b"] and "column 'y' is missing" in origins.not_forecast["b"]
    assert origins.series.tolist() == [0]


def test_a_changed_series_is_found_by_id_and_an_unchanged_file_has_none(tmp_path: Path) -> None:
    before = load_panel(panel_params(panel_csv(tmp_path / "p.csv"))).series
    assert series_changed(before, load_panel(panel_params(panel_csv(tmp_path / "q.csv"))).series) == []
    changed = load_panel(panel_params(panel_csv(tmp_path / "r.csv", missing_last="a"))).series
    assert series_changed(before, changed) == ["a"]
