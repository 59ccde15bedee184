"""Checks of one series made on each series of a panel, summed up: how many series raise each, the worst named."""

from __future__ import annotations

import numpy as np

from honest_forecast.diagnostics.panel import panel_diagnostics, series_checks
from honest_forecast.names import NETWORK
from honest_forecast.scoring.panel import PanelBlock, series_scores

IDS = tuple(f"s{at}" for at in range(20))
WINDOWS, HORIZON = 5, 4


def panel_block(flat: set[int], beyond: set[int], lost: set[int]) -> tuple[PanelBlock, np.ndarray]:
    """Twenty series of sine waves; the network flat on ``flat``, the truth beyond the train range on ``beyond``, the
    network worse than persistence on ``lost``."""
    rng = np.random.default_rng(0)
    series = np.repeat(np.arange(len(IDS)), WINDOWS)
    rows = np.arange(len(series))[:, None] * HORIZON + np.arange(HORIZON)
    actual = np.sin(rows / 3.0) + 5.0
    network = actual + rng.normal(0, 0.05, actual.shape)
    persistence = actual + rng.normal(0, 0.3, actual.shape)
    for at in flat:
        network[series == at] = 5.0
    for at in lost:
        network[series == at] = actual[series == at] + 2.0
    for at in beyond:
        actual[series == at] += 10
        network[series == at] += 10
        persistence[series == at] += 10
    block = PanelBlock(rows, series, actual, {NETWORK: network, "persistence": persistence, "naive2": persistence})
    ranges = np.tile([[3.5, 6.5]], (len(IDS), 1))
    return block, ranges


def test_each_per_series_verdict_counts_its_series_and_names_the_worst() -> None:
    block, ranges = panel_block(flat={3, 7, 11}, beyond={2}, lost={5, 6, 9})
    scores = series_scores(block, np.ones(len(block.series)), len(IDS))
    checks = series_checks(scores, block, IDS, ranges)
    flat, outside, lost = (
        checks[name] for name in ("series_collapse_to_mean", "series_out_of_training_range", "series_no_better_than_persistence")
    )
    assert flat["series"] == 3 and set(flat["worst"]) == {"s3", "s7", "s11"} and flat["verdict"] == "warning"
    assert outside["series"] == 1 and outside["worst"] == ["s2"] and outside["verdict"] == "ok"  # 1 of 20: not a tenth
    assert set(lost["worst"]) >= {"s5", "s6", "s9"} and lost["verdict"] == "warning"
    assert "On 3 of 20 series" in flat["explanation"] and "s3" in flat["explanation"]


def test_a_panel_where_no_series_raises_a_verdict_says_so() -> None:
    block, ranges = panel_block(flat=set(), beyond=set(), lost=set())
    checks = series_checks(series_scores(block, np.ones(len(block.series)), len(IDS)), block, IDS, ranges)
    assert all(check["series"] == 0 and check["verdict"] == "ok" and not check["worst"] for check in checks.values())
    metrics = {
        "series": 20,
        "audit": {"leak_free": True, "series_leak_free": 20},
        "valid": {NETWORK: {"owa": 0.5}},
        "selected": {"method": NETWORK},
        "significance": {
            "rival": "naive2",
            "series": 20,
            "verdict": "better than",
            "wilcoxon_p": 0.01,
            "mean_mase_ratio": 0.5,
            "mean_mase_ratio_95": {"low": 0.4, "high": 0.6},
            "per_series": {
                "tested": 0,
                "untested": 20,
                "untested_because": "x",
                "significantly_worse": 0,
                "significantly_better": 0,
                "expected_by_chance_each_way": 0.0,
            },
        },
    }
    diagnostics = panel_diagnostics(metrics, checks)
    assert diagnostics["warnings"] == 0 and set(checks) <= set(diagnostics["checks"])
