"""Choice on valid, report on test."""

from __future__ import annotations

import copy

from honest_forecast.scoring.selection import select_method, selection_summary


def _block(**maes: float) -> dict:
    persistence = maes["persistence"]
    return {
        **{name: {"mae": mae, "rmse": 1.2 * mae, "rel_mae": mae / persistence} for name, mae in maes.items()},
        "points": 100,
    }


METRICS = {
    "valid": _block(model=1.08, persistence=2.0, ets=1.0, linear_ar=1.3),
    "test": _block(model=0.9, persistence=2.1, ets=1.1, linear_ar=1.2),
}


def test_the_lowest_valid_mae_is_selected_and_its_test_scores_reported() -> None:
    summary = selection_summary(METRICS)
    assert summary["method"] == "ets"
    assert summary["test"]["mae"] == 1.1 and summary["test"]["rel_mae"] == 1.1 / 2.1
    assert round(summary["network_gap"]["valid"], 6) == 0.08
    assert summary["best_baseline"] == {"valid": "ets", "test": "ets"}


def test_changing_test_values_cannot_change_the_selection() -> None:
    changed = copy.deepcopy(METRICS)
    for scores in changed["test"].values():
        if isinstance(scores, dict):
            scores["mae"] = 1000.0
    changed["test"]["model"]["mae"] = 0.001
    assert selection_summary(changed)["method"] == selection_summary(METRICS)["method"] == "ets"


def test_the_network_is_selected_when_it_is_best_on_valid() -> None:
    assert select_method(_block(model=0.5, persistence=2.0, ets=1.0)) == "model"
