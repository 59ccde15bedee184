from __future__ import annotations

import itertools

import numpy as np
import pytest
from sklearn.linear_model import Ridge

from honest_forecast.baselines import linear, simple
from honest_forecast.windows import store as windowing
from honest_forecast.windows.store import WindowSpec, WindowStore

SERIES = np.array([10.0, 11.0, 13.0, 12.0, 14.0, 15.0, 17.0, 16.0])
# Two windows of 3 inputs and 2 targets: inputs rows 0-2 -> targets 3,4; inputs 2-4 -> targets 5,6.
TARGET_ROWS = np.array([[3, 4], [5, 6]])


def test_persistence_repeats_the_last_input() -> None:
    np.testing.assert_array_equal(simple.persistence(SERIES, TARGET_ROWS), [[13.0, 13.0], [14.0, 14.0]])


def test_seasonal_naive_goes_back_whole_seasons() -> None:
    # season 2: row 3 <- row 1; row 4 (2 steps ahead) <- row 2; row 5 <- 3; row 6 <- 4
    np.testing.assert_array_equal(simple.seasonal_naive(SERIES, TARGET_ROWS, season=2), [[11.0, 13.0], [12.0, 14.0]])
    # season 1 with 2 steps ahead: both targets take the last known value
    np.testing.assert_array_equal(simple.seasonal_naive(SERIES, TARGET_ROWS, season=1), [[13.0, 13.0], [14.0, 14.0]])
    with pytest.raises(ValueError, match="before the first row"):
        simple.seasonal_naive(SERIES, TARGET_ROWS, season=4)


def test_window_mean_and_drift_by_hand() -> None:
    np.testing.assert_allclose(simple.window_mean(SERIES, TARGET_ROWS, window=3), [[34 / 3] * 2, [13.0] * 2])
    # window rows 0-2: slope (13-10)/2 = 1.5; rows 2-4: slope (14-13)/2 = 0.5
    np.testing.assert_allclose(simple.drift(SERIES, TARGET_ROWS, window=3), [[14.5, 16.0], [14.5, 15.0]])


def _store(
    target: np.ndarray, inputs: np.ndarray, known_slot: np.ndarray | None = None, width: int = 0, delta: bool = False
) -> WindowStore:
    """Windows of 5 inputs and one target over every row: the target column need not be an input channel."""
    rows = len(target)
    slot = np.full(rows, -1, np.int16) if known_slot is None else known_slot
    starts = np.arange(rows - 5)
    return WindowStore(WindowSpec(5, 1), inputs.astype(np.float32), target, slot, width, delta, {"train": starts})


def test_linear_autoregression_recovers_a_linear_rule() -> None:
    r = np.random.default_rng(0).normal(size=205)
    target = np.zeros(205)
    target[5:] = 2 * r[4:-1] - r[:-5]  # 2 x the window's last input less its first
    store = _store(target, r[:, None])
    model = linear.fit_linear_autoregression(store, store.starts["train"], alpha=1e-6)
    inputs, y = store.cut(store.starts["train"])
    np.testing.assert_allclose(linear.predict_linear_autoregression(model, inputs), y, atol=1e-4)


def test_linear_autoregression_reads_what_is_known_about_the_target_too() -> None:
    rng = np.random.default_rng(1)
    r = rng.normal(size=305)
    slot = rng.integers(0, 4, size=305).astype(np.int16)
    profile = np.array([0.0, 3.0, -1.0, 0.5])  # a sharp step per slot: no function of the window alone
    target = np.zeros(305)
    target[5:] = r[4:-1] + profile[slot[5:]]
    store = _store(target, r[:, None], slot, 4)
    inputs, y = store.cut(store.starts["train"])
    assert linear.linear_features(inputs).shape == (300, 5 + 4)
    model = linear.fit_linear_autoregression(store, store.starts["train"], alpha=1e-6)
    np.testing.assert_allclose(linear.predict_linear_autoregression(model, inputs), y, atol=1e-4)
    window_only = _store(target, r[:, None])
    blind = linear.fit_linear_autoregression(window_only, window_only.starts["train"], alpha=1e-6)
    assert np.abs(linear.predict_linear_autoregression(blind, window_only.cut(window_only.starts["train"])[0]) - y).mean() > 0.5


def test_streamed_ridge_solves_the_same_problem_as_the_exact_one(monkeypatch: pytest.MonkeyPatch) -> None:
    """Normal equations summed over chunks (with large means and collinear calendar channels) agree with sklearn's SVD."""
    rng = np.random.default_rng(2)
    rows = 2000
    phase = 2 * np.pi * np.arange(rows) / 48
    inputs = np.column_stack([50 + rng.normal(size=rows).cumsum(), np.sin(phase), np.cos(phase)])
    slot = (np.arange(rows) % 48).astype(np.int16)
    target = inputs[:, 0] + 0.1 * rng.normal(size=rows)
    store = _store(target, inputs, slot, 48)
    exact = linear.fit_linear_autoregression(store, store.starts["train"], alpha=0.1)
    monkeypatch.setattr(linear, "EXACT_RIDGE_BYTES", 0)
    monkeypatch.setattr(windowing, "CHUNK_WINDOWS", 97)  # many chunks, the last one short
    streamed = linear.fit_linear_autoregression(store, store.starts["train"], alpha=0.1)
    assert isinstance(exact, Ridge) and isinstance(streamed, linear.LinearMap)
    windows = store.cut(store.starts["train"])[0]
    np.testing.assert_allclose(
        linear.predict_linear_autoregression(streamed, windows),
        linear.predict_linear_autoregression(exact, windows),
        atol=1e-4,
    )
    np.testing.assert_allclose(streamed.coef_, np.reshape(exact.coef_, streamed.coef_.shape), atol=1e-3)


def test_window_mean_ignores_missing_values_outside_the_window() -> None:
    series = SERIES.copy()
    series[0] = np.nan  # before every window below: a skipped missing value
    np.testing.assert_allclose(simple.window_mean(series, np.array([[5, 6]]), window=3), [[13.0, 13.0]])


def test_the_window_mean_summed_a_piece_at_a_time_is_the_one_running_sum_bit_for_bit(monkeypatch) -> None:
    """A long series is summed in pieces (one copy of it at most); the additions, and so the bits, are one running sum's."""
    rng = np.random.default_rng(5)
    series = rng.normal(1000.0, 50.0, 7_001)
    series[rng.integers(0, len(series), 30)] = np.nan
    rows = np.arange(60, 6_990, 7)[:, None] + np.arange(3)
    cumulative = np.zeros(len(series) + 1)
    np.cumsum(np.nan_to_num(series), out=cumulative[1:])
    origin = rows[:, :1] - 1
    whole = np.broadcast_to((cumulative[origin + 1] - cumulative[origin + 1 - 60]) / 60, rows.shape)
    monkeypatch.setattr(simple, "PREFIX_CHUNK", 997)  # many pieces, boundaries anywhere
    np.testing.assert_array_equal(simple.window_mean(series, rows, 60), whole)


def _ar_store(rows: int, seed: int = 0, channels: int = 1) -> WindowStore:
    rng = np.random.default_rng(seed)
    values = np.zeros(rows)
    noise = rng.normal(size=rows)
    for row in range(2, rows):
        values[row] = 0.6 * values[row - 1] - 0.2 * values[row - 2] + noise[row]
    inputs = np.column_stack([values] + [rng.normal(size=rows) for _ in range(channels - 1)])
    return _store(values, inputs)


def test_the_cross_validated_error_is_that_of_refitting_every_purged_fold() -> None:
    store = _ar_store(240)
    starts = store.starts["train"]
    chosen, mse = linear.choose_ridge_alpha(store, starts)
    bounds = np.linspace(0, len(starts), linear.RIDGE_FOLDS + 1).round().astype(int)
    span = 6  # window 5 + horizon 1
    for alpha in (1e-3, 1.0, 100.0):
        squared = 0.0
        for a, b in itertools.pairwise(bounds):
            held = starts[a:b]
            kept = starts[(starts <= held[0] - span) | (starts >= held[-1] + span)]
            x, y = store.cut(kept)
            fit = Ridge(alpha=alpha).fit(linear.linear_features(x), y)
            x_held, y_held = store.cut(held)
            predicted = linear.predict_linear_autoregression(fit, x_held)
            squared += float(np.sum((predicted - y_held.reshape(predicted.shape)) ** 2))
        assert mse[f"{alpha:g}"] == pytest.approx(squared / len(starts), rel=1e-6)
    assert "inf" not in mse  # the zero forecast is a candidate only under target: delta
    assert chosen in linear.RIDGE_ALPHAS and mse[f"{chosen:g}"] == min(mse.values())


def _walk_store(steps: np.ndarray) -> WindowStore:
    """The level series of ``steps`` under target: delta: its windows' targets are the steps."""
    walk = np.cumsum(steps)
    return _store(walk, walk[:, None], delta=True)


def test_on_a_random_walk_the_ridge_gives_way_to_no_change() -> None:
    """The ridge's edge over no change on a random walk is noise: within a standard error, persistence is chosen.

    Seed 2 draws a walk on which a ridge does a little better than no change in cross-validation:
    the lowest MSE alone would choose it.
    """
    store = _walk_store(np.random.default_rng(2).normal(size=3000))
    starts = store.starts["train"]
    chosen, mse = linear.choose_ridge_alpha(store, starts)
    _, steps = store.cut(starts)
    assert mse["inf"] == pytest.approx(float(np.mean(steps.astype(float) ** 2)), rel=1e-9)  # persistence's squared error
    assert min(mse.values()) < mse["inf"]
    fit = linear.fit_linear_autoregression(store, starts, "auto")
    assert chosen == fit.alpha == linear.ZERO_FORECAST and linear.alpha_record(fit.alpha) == "inf"
    inputs, _ = store.cut(starts[:50])
    np.testing.assert_array_equal(linear.predict_linear_autoregression(fit, inputs), np.zeros((50, 1)))


def test_steps_that_the_lags_predict_keep_the_ridge() -> None:
    """The same walk with AR(2) steps: the ridge beats no change by many standard errors and is kept."""
    rng = np.random.default_rng(3)
    steps, noise = np.zeros(3000), rng.normal(size=3000)
    for row in range(2, len(steps)):
        steps[row] = 0.6 * steps[row - 1] - 0.2 * steps[row - 2] + noise[row]
    store = _walk_store(steps)
    chosen, mse = linear.choose_ridge_alpha(store, store.starts["train"])
    assert chosen in linear.RIDGE_ALPHAS and mse[f"{chosen:g}"] == min(mse.values()) < 0.9 * mse["inf"]


def test_auto_keeps_a_ridge_with_more_inputs_than_it_can_learn_from_honest() -> None:
    """Few windows and many noise channels: a small penalty memorises, the chosen one predicts later windows better."""
    store = _ar_store(160, seed=1, channels=20)  # 100 inputs, 155 windows
    train, later = store.starts["train"][:110], store.starts["train"][110:]
    x_later, y_later = store.cut(later)

    def later_mse(alpha: float | str) -> float:
        fit = linear.fit_linear_autoregression(store, train, alpha)
        predicted = linear.predict_linear_autoregression(fit, x_later)
        return float(np.mean((predicted - y_later.reshape(predicted.shape)) ** 2))

    chosen = linear.fit_linear_autoregression(store, train, "auto").alpha
    assert chosen >= 10 and later_mse("auto") < 0.8 * later_mse(0.001)


def test_auto_leaves_a_well_determined_ridge_nearly_unpenalised() -> None:
    store = _ar_store(4000, seed=2)
    assert linear.fit_linear_autoregression(store, store.starts["train"], "auto").alpha <= 10
    assert linear.fit_linear_autoregression(store, store.starts["train"], 0.5).alpha == 0.5
