from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from sklearn.preprocessing import MinMaxScaler, RobustScaler, StandardScaler

from honest_forecast.cli import run_stage
from honest_forecast.data.series import Series
from honest_forecast.errors import DataError
from honest_forecast.names import BLOCKS
from honest_forecast.paths import SERIES_FILE, fold_paths
from honest_forecast.windows.build import build_windows, window_length
from honest_forecast.windows.split import Split, split_rows
from stages import windows
from tests.helpers import small_params, windows_arrays


def _index_series(rows: int, covariates: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A series whose value at each row is the row number, so windows reveal which rows they hold."""
    stamps = pd.date_range("2014-01-01", periods=rows, freq="30min").to_numpy()
    target = np.arange(rows, dtype=float)
    extra = (
        np.column_stack([np.arange(rows, dtype=float) + 1000 * (k + 1) for k in range(covariates)])
        if covariates
        else np.empty((rows, 0))
    )
    return stamps, target, extra


@settings(max_examples=60, deadline=None)
@given(
    rows=st.integers(20, 600),
    train_frac=st.floats(0.3, 0.8),
    valid_share=st.floats(0.1, 0.9),
    window=st.integers(1, 30),
    horizon=st.integers(1, 6),
)
def test_windows_never_leak_and_equal_their_slices(
    rows: int, train_frac: float, valid_share: float, window: int, horizon: int
) -> None:
    valid_frac = (1 - train_frac) * valid_share
    params = small_params(
        window=window,
        horizon=horizon,
        scaler="none",
        train_frac=train_frac,
        valid_frac=valid_frac,
        test_frac=1 - train_frac - valid_frac,
    )
    stamps, target, extra = _index_series(rows)
    try:
        arrays, _, audit = windows_arrays(stamps, target, extra, ["y"], params)
    except DataError:
        assume(False)
    train_end, valid_end = split_rows(rows, Split.of(params))
    span = window + horizon
    ends = {"train": (0, train_end), "valid": (train_end, valid_end), "test": (valid_end, rows)}
    for block in BLOCKS:
        x, y, target_rows = arrays[f"x_{block}"], arrays[f"y_{block}"], arrays[f"rows_{block}"]
        lo, hi = ends[block]
        # counts: every window whose targets lie inside the block, and no other
        assert len(x) == (hi - span + 1 if block == "train" else hi - lo - horizon + 1)
        # each window is its slice of the series: inputs right before targets
        origins = target_rows[:, 0] - 1
        np.testing.assert_array_equal(x[:, :, 0], origins[:, None] - window + 1 + np.arange(window))
        np.testing.assert_array_equal(y, target_rows)
        # targets never cross a block boundary; inputs end before the first target
        assert target_rows.min() >= lo and target_rows.max() < hi
        assert (x[:, -1, 0] < target_rows[:, 0]).all()
    train_rows = set()
    for start in arrays["rows_train"][:, 0] - window:
        train_rows.update(range(start, start + span))
    for block in ("valid", "test"):
        target_rows = arrays[f"rows_{block}"]
        assert not train_rows.intersection(target_rows.ravel().tolist())
        assert (np.diff(target_rows[:, 0]) == 1).all()  # time order kept
    assert arrays["rows_train"].max() < arrays["rows_valid"].min() < arrays["rows_test"].min()
    assert audit["checks"]["leak_free"]
    assert audit["checks"]["valid_windows_with_targets_seen_in_training"] == 0.0


def test_training_windows_are_shuffled_with_the_seed_only() -> None:
    stamps, target, extra = _index_series(300)
    first = windows_arrays(stamps, target, extra, ["y"], small_params(seed=1))[0]
    again = windows_arrays(stamps, target, extra, ["y"], small_params(seed=1))[0]
    other = windows_arrays(stamps, target, extra, ["y"], small_params(seed=2))[0]
    unshuffled = windows_arrays(stamps, target, extra, ["y"], small_params(shuffle="none"))[0]
    np.testing.assert_array_equal(first["rows_train"], again["rows_train"])
    assert not np.array_equal(first["rows_train"], other["rows_train"])
    assert (np.diff(unshuffled["rows_train"][:, 0]) == 1).all()
    assert sorted(first["rows_train"][:, 0]) == list(unshuffled["rows_train"][:, 0])


@pytest.mark.parametrize(
    ("kind", "reference"), [("standard", StandardScaler), ("minmax", MinMaxScaler), ("robust", RobustScaler)]
)
def test_scaler_is_fit_on_train_rows_only(kind: str, reference: type) -> None:
    rng = np.random.default_rng(3)
    stamps, _, _ = _index_series(400)
    target = rng.normal(size=400).cumsum()
    covariate = rng.normal(size=(400, 1))
    params = small_params(scaler=kind)
    _, scaler, audit = windows_arrays(stamps, target, covariate, ["y", "c"], params)
    train_end = split_rows(400, Split.of(params))[0]
    expected = reference().fit(np.column_stack([target, covariate])[:train_end])
    np.testing.assert_allclose(
        scaler.transform(np.column_stack([target, covariate])),
        expected.transform(np.column_stack([target, covariate])),
        atol=1e-9,
    )
    # Changing the valid and test rows changes nothing about the scaler.
    changed = target.copy()
    changed[train_end:] *= 100
    _, scaler_after, _ = windows_arrays(stamps, changed, covariate, ["y", "c"], params)
    np.testing.assert_array_equal(scaler.center, scaler_after.center)
    np.testing.assert_array_equal(scaler.scale, scaler_after.scale)
    assert audit["checks"]["scaler_equals_train_rows_statistics"]


def test_scaler_fit_on_all_rows_is_recorded_as_a_leak() -> None:
    stamps, target, extra = _index_series(300)
    _, _, audit = windows_arrays(stamps, target, extra, ["y"], small_params(scaler_fit="all"))
    assert not audit["checks"]["scaler_fit_on_train_rows_only"]
    assert not audit["checks"]["scaler_equals_train_rows_statistics"]
    assert not audit["checks"]["leak_free"]


def test_scaler_fit_on_all_rows_is_a_leak_even_when_statistics_coincide() -> None:
    # min and max inside the train block: min-max statistics of all rows equal the train rows'
    stamps, _, extra = _index_series(300)
    target = np.sin(np.arange(300) / 5.0)
    target[10], target[20] = 5.0, -5.0
    _, _, audit = windows_arrays(stamps, target, extra, ["y"], small_params(scaler="minmax", scaler_fit="all"))
    assert audit["checks"]["scaler_equals_train_rows_statistics"]
    assert not audit["checks"]["leak_free"]


def test_shuffle_before_split_is_recorded_as_a_leak() -> None:
    stamps, target, extra = _index_series(600)
    _, _, audit = windows_arrays(stamps, target, extra, ["y"], small_params(shuffle="before_split"))
    checks = audit["checks"]
    assert not checks["leak_free"]
    assert checks["valid_windows_with_targets_seen_in_training"] > 0.9
    # the test block is held out in time even then, so the honest score stays honest
    assert checks["test_targets_inside_train_windows"] == 0


def test_delta_target_is_the_difference_from_the_last_input() -> None:
    rng = np.random.default_rng(5)
    stamps, _, extra = _index_series(300)
    target = rng.normal(size=300).cumsum()
    level, scaler, _ = windows_arrays(stamps, target, extra, ["y"], small_params(horizon=3))
    delta, _, _ = windows_arrays(stamps, target, extra, ["y"], small_params(horizon=3, target="delta"))
    for block in BLOCKS:
        np.testing.assert_allclose(delta[f"y_{block}"], level[f"y_{block}"] - level[f"x_{block}"][:, -1:, 0], atol=1e-5)
        np.testing.assert_allclose(scaler.inverse(level[f"y_{block}"].astype(float)), target[level[f"rows_{block}"]], atol=1e-4)


def test_covariates_and_calendar_add_channels_with_no_future_values() -> None:
    stamps, target, extra = _index_series(400, covariates=2)
    params = small_params(scaler="none", calendar=True)
    arrays, _, audit = windows_arrays(stamps, target, extra, ["y", "a", "b"], params)
    assert arrays["x_train"].shape[2] == 1 + 2 + 4
    roles = [channel["role"].split(":")[0] for channel in audit["channels"]]
    assert roles == ["target", "covariate", "covariate", "calendar", "calendar", "calendar", "calendar"]
    for block in BLOCKS:
        x, rows = arrays[f"x_{block}"], arrays[f"rows_{block}"]
        for k in (1, 2):  # covariate k holds row + 1000 k: its rows must all precede the first target
            assert (x[:, :, k] - 1000 * k < rows[:, :1]).all()
        # calendar of the last input step is that step's time of day
        last_time = pd.DatetimeIndex(stamps[rows[:, 0] - 1])
        day = (last_time.hour * 60 + last_time.minute).to_numpy() / 1440
        np.testing.assert_allclose(x[:, -1, 3], np.sin(2 * np.pi * day), atol=1e-5)


def test_target_calendar_is_the_one_hot_slot_of_each_target_time_and_reads_no_observation() -> None:
    stamps, target, extra = _index_series(400, covariates=1)
    params = small_params(horizon=2, target_calendar=True)
    arrays, _, audit = windows_arrays(stamps, target, extra, ["y", "a"], params)
    assert [item["name"] for item in audit["known_inputs"]] == ["time_of_day_slot"]
    # the observations after every forecast origin changed: what is known about the targets must not move
    scrambled, _, _ = windows_arrays(stamps, target[::-1].copy(), extra * 7, ["y", "a"], params)
    for block in BLOCKS:
        known, rows = arrays[f"known_{block}"], arrays[f"rows_{block}"]
        assert known.shape == (*rows.shape, 48)
        np.testing.assert_array_equal(known.sum(axis=2), 1)
        target_time = pd.DatetimeIndex(stamps[rows.ravel()])
        slot = (target_time.hour * 2 + target_time.minute // 30).to_numpy().reshape(rows.shape)
        np.testing.assert_array_equal(known.argmax(axis=2), slot)
        np.testing.assert_array_equal(scrambled[f"known_{block}"], known)
    plain, _, plain_audit = windows_arrays(stamps, target, extra, ["y", "a"], small_params(horizon=2))
    assert plain["known_train"].shape == (*plain["rows_train"].shape, 0) and plain_audit["known_inputs"] == []


@pytest.mark.parametrize("freq", ["7h", "1min"])
def test_target_calendar_falls_back_to_the_hour_when_the_spacing_makes_no_few_slots_of_a_day(freq: str) -> None:
    stamps = pd.date_range("2014-01-01", periods=300, freq=freq).to_numpy()
    arrays, _, audit = windows_arrays(stamps, np.arange(300.0), np.empty((300, 0)), ["y"], small_params(target_calendar=True))
    assert [(item["name"], item["width"]) for item in audit["known_inputs"]] == [("hour_of_day", 24)]
    hours = pd.DatetimeIndex(stamps[arrays["rows_test"].ravel()]).hour.to_numpy()
    np.testing.assert_array_equal(arrays["known_test"].argmax(axis=2).ravel(), hours)


def test_too_short_a_series_is_refused_naming_window_and_horizon() -> None:
    stamps, target, extra = _index_series(50)
    with pytest.raises(DataError, match="window 60 \\+ horizon 1"):
        build_windows(stamps, target, extra, ["y"], small_params(window=60))


def test_windows_stage_refuses_a_short_series_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "params.yaml").write_text("window: 60\n")
    stamps, target, extra = _index_series(50)
    Series(stamps, target, extra, "y", (), "30min", "time_of_day", 1, (), np.zeros(len(target), dtype=bool)).save(SERIES_FILE)
    with pytest.raises(SystemExit) as stop:
        run_stage(windows.main)
    assert stop.value.code == 2
    assert "50 rows split 35/7/8 leave a block without a whole window (window 60 + horizon 1)" in capsys.readouterr().err
    paths = fold_paths(1)
    assert not paths.arrays.exists() and not paths.audit.exists() and not paths.scaler.exists()


def test_missing_values_are_skipped_never_filled() -> None:
    """Under 'skip' no window reads a missing row, nothing is invented, and the audit counts what was left out."""
    rows = 600
    stamps = pd.date_range("2014-01-01", periods=rows, freq="30min").to_numpy()
    target = 5 + np.sin(np.arange(rows) / 7.0)
    target[[100, 101, 450]] = np.nan  # one gap in train, one in valid (rows 420-509)
    params = small_params(window=24)
    arrays, scaler, report = windows_arrays(stamps, target, np.empty((rows, 0)), ["y"], params)
    for block in BLOCKS:
        assert np.isfinite(arrays[f"x_{block}"]).all() and np.isfinite(arrays[f"y_{block}"]).all()
        inputs_and_targets = arrays[f"rows_{block}"][:, :1] - np.arange(params.window + 1)
        assert not np.isin(inputs_and_targets, [100, 101, 450]).any()
    none_filled = {"filled_targets_left_out": 0, "filled_values": 0}
    assert report["missing"]["train"] == {"rows_with_a_missing_value": 2, "windows_left_out": 26, **none_filled}
    assert report["missing"]["valid"] == {"rows_with_a_missing_value": 1, "windows_left_out": 25, **none_filled}
    assert report["missing"]["test"]["windows_left_out"] == 0
    known = target[:420][np.isfinite(target[:420])]
    np.testing.assert_allclose(scaler.center[0], known.mean())
    np.testing.assert_allclose(scaler.scale[0], known.std())


def _stamps(rows: int) -> np.ndarray:
    return pd.date_range("2014-01-01", periods=rows, freq="30min").to_numpy()


def test_cheap_refusals_come_before_any_training() -> None:
    rows = 400
    target = 5 + np.sin(np.arange(rows) / 7.0)
    flat = target.copy()
    flat[340:] = 2.0  # the test block (rows 340-399) and its origin: persistence makes no error
    flat[339] = 2.0
    with pytest.raises(DataError, match=r"flat in the test block \(every value 2\): repeating the last value makes no error"):
        build_windows(_stamps(rows), flat, np.empty((rows, 0)), ["y"], small_params())
    huge = np.column_stack([np.linspace(-1, 1, rows) * 1e308])
    with pytest.raises(DataError, match="column 'big': values too large to scale in float64"):
        build_windows(_stamps(rows), target, huge, ["y", "big"], small_params())
    with pytest.raises(DataError, match="param 'season' is 336 but the train block has 280 rows"):
        build_windows(_stamps(rows), target, np.empty((rows, 0)), ["y"], small_params(), season=336)


def test_a_filled_value_is_never_a_scored_target() -> None:
    rows = 600
    target = 5 + np.sin(np.arange(rows) / 7.0)
    filled = np.zeros(rows, dtype=bool)
    filled[[450, 550]] = True  # one in valid (420-509), one in test (510-599): made up by interpolate
    arrays, _, report = windows_arrays(_stamps(rows), target, np.empty((rows, 0)), ["y"], small_params(), filled_target=filled)
    for block in ("valid", "test"):
        assert not np.isin(arrays[f"rows_{block}"], [450, 550]).any()
        assert report["missing"][block]["filled_targets_left_out"] == 1 and report["missing"][block]["filled_values"] == 1
    inputs = arrays["rows_test"][:, :1] - np.arange(1, 25)
    assert np.isin(inputs, [550]).any()  # still read as an input, where it only carries the past forward


def test_window_auto_reads_three_seasons_unless_the_inputs_would_crowd_the_training_windows() -> None:
    assert window_length("auto", 48, 12_000, 1, 7, 48) == 144  # half-hourly: three days
    assert window_length("auto", 1, 500, 1, 1, 0) == 8  # no season: a few steps
    assert window_length(60, 7, 255, 1, 7, 0) == 60  # a number is used as given
    short = window_length("auto", 7, 255, 1, 7, 2)  # a year of daily rows, covariates and calendar channels
    assert short < 21
    assert short * 7 + 2 <= (255 - short) / 4 < (short + 1) * 7 + 2  # as long as a quarter of the training windows allows


def test_build_windows_uses_and_records_the_window_it_chose() -> None:
    rows = 48 * 30
    times = pd.date_range("2024-01-01", periods=rows, freq="30min").to_numpy()
    target = np.sin(np.arange(rows) / 48 * 2 * np.pi)
    params = small_params(window="auto", calendar=True)
    store, _, audit = build_windows(times, target, np.zeros((rows, 0)), ["y"], params, "time_of_day", 48)
    assert audit["window"] == store.spec.window == window_length("auto", 48, split_rows(rows, Split(0.7, 0.15))[0], 1, 5, 0)
