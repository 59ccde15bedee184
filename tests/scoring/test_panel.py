"""Many series scored per series, summed up as the M4 competition does, and tested across series."""

from __future__ import annotations

import numpy as np
import pytest

from honest_forecast.scoring import metrics
from honest_forecast.scoring.panel import (
    NAIVE2,
    PanelBlock,
    across_series,
    aggregates,
    owa,
    panel_metrics,
    per_series_choice,
    series_scores,
)

WINDOWS = np.array([0] * 30 + [1] * 50 + [2] * 40)  # each window's series: three series, different lengths
LEVELS = np.array([1.0, 100.0, 10_000.0])


def block(seed: int = 0, network_noise: float = 0.5, horizon: int = 2) -> PanelBlock:
    rng = np.random.default_rng(seed)
    level = LEVELS[WINDOWS][:, None]
    actual = level * (10 + rng.normal(0, 1, (len(WINDOWS), horizon)))
    noisy = {"persistence": 2.0, NAIVE2: 1.5, "theta": 1.0, "model": network_noise}
    forecasts = {name: actual + level * rng.normal(0, spread, actual.shape) for name, spread in noisy.items()}
    forecasts["theta"][WINDOWS == 2] = np.nan  # not fit on the third series
    rows = np.arange(len(WINDOWS))[:, None] + np.arange(horizon)
    return PanelBlock(rows, WINDOWS, actual, forecasts)


def test_each_series_is_scored_on_its_own_points_in_its_own_units() -> None:
    scored = block()
    scales = LEVELS[WINDOWS] * 2.0
    scores = series_scores(scored, scales, 3)
    for at in range(3):
        mine = at == WINDOWS
        actual, forecast = scored.actual[mine], scored.forecasts["model"][mine]
        assert scores["model"]["mae"][at] == pytest.approx(metrics.mae(actual, forecast))
        assert scores["model"]["rmse"][at] == pytest.approx(metrics.rmse(actual, forecast))
        assert scores["model"]["smape"][at] == pytest.approx(metrics.smape(actual, forecast))
        assert scores["model"]["mase"][at] == pytest.approx(metrics.mase(actual, forecast, LEVELS[at] * 2.0))
        persistence = scored.forecasts["persistence"][mine]
        assert scores["model"]["rel_mae"][at] == pytest.approx(metrics.rel_mae(actual, forecast, persistence))
    assert np.isnan(scores["theta"]["mae"][2]) and np.isfinite(scores["theta"]["mae"][:2]).all()


def test_owa_is_against_naive2_and_a_method_missing_a_series_is_not_ranked_on_the_set() -> None:
    summary = aggregates(series_scores(block(), LEVELS[WINDOWS], 3))
    assert summary[NAIVE2]["owa"] == pytest.approx(1.0)
    assert summary["model"]["owa"] == pytest.approx(owa(summary["model"]["smape"], summary["model"]["mase"], summary[NAIVE2]))
    assert summary["model"]["owa"] < summary["persistence"]["owa"]
    assert summary["theta"]["owa"] is None and summary["theta"]["series"] == 2
    # means over series, each series once: the series in units of 10,000 counts as much as the one in units of 1
    mase = series_scores(block(), LEVELS[WINDOWS], 3)["model"]["mase"]
    assert summary["model"]["mase"] == pytest.approx(mase.mean())


def test_the_per_series_choice_takes_each_series_best_valid_method() -> None:
    valid, test = (series_scores(block(seed), LEVELS[WINDOWS], 3) for seed in (1, 2))
    scores, chosen = per_series_choice(valid, test)
    for at in range(3):
        best = min((name for name in valid if np.isfinite(valid[name]["mae"][at])), key=lambda n: valid[n]["mae"][at])
        assert chosen[at] == best and scores["mase"][at] == test[best]["mase"][at]


def test_a_network_better_on_every_series_is_better_across_them_and_a_tie_is_not() -> None:
    many = np.repeat(np.arange(40), 12)  # 40 series of 12 windows
    rng = np.random.default_rng(3)
    actual = 10 + rng.normal(0, 1, (len(many), 1))
    rows = np.arange(len(many))[:, None]
    forecasts = {"model": actual + rng.normal(0, 0.5, actual.shape), "theta": actual + rng.normal(0, 1.0, actual.shape)}
    forecasts |= {"persistence": actual + 1.0, NAIVE2: actual + 1.0}
    scored = PanelBlock(rows, many, actual, forecasts)
    result = across_series(series_scores(scored, np.ones(len(many)), 40), scored, "theta", seed=0)
    assert result["verdict"] == "better than" and result["wilcoxon_p"] < 1e-6 and result["mean_mase_ratio_95"]["high"] < 1
    assert result["per_series"]["tested"] == 40 and result["per_series"]["significantly_worse"] == 0
    forecasts["model"] = forecasts["theta"].copy()
    forecasts["model"][::2] += 1e-3  # the same forecasts, a hair worse on half the points: no real difference
    tied = across_series(series_scores(scored, np.ones(len(many)), 40), scored, "theta", seed=0)
    assert tied["mean_mase_ratio"] == pytest.approx(1.0, abs=1e-3) and tied["per_series"]["expected_by_chance_each_way"] == 1.0


def test_the_fold_figures_choose_on_valid_and_report_the_per_series_choice_on_test() -> None:
    blocks = {"valid": block(4), "test": block(5)}
    figures, scores = panel_metrics(blocks, {b: LEVELS[WINDOWS] for b in blocks}, ("a", "b", "c"), seed=0)
    assert figures["selected"]["method"] == "model" and figures["best_baseline"]["valid"] == NAIVE2
    assert figures["significance"]["rival"] == NAIVE2 and set(scores) == {"valid", "test"}
    assert figures["per_series_choice"]["methods_chosen"] == {"model": 3}
