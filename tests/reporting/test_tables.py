"""The report's markdown tables: the best value of each column in bold, a metric that is undefined shown as n/a."""

from __future__ import annotations

from honest_forecast.reporting.tables import metrics_table


def test_an_undefined_mase_is_shown_as_n_a_and_the_other_columns_keep_their_best() -> None:
    block = {
        "model": {"mae": 1.0, "rmse": 1.5, "smape": 10.0, "mase": None, "rel_mae": 0.5},
        "persistence": {"mae": 2.0, "rmse": 2.5, "smape": 20.0, "mase": None, "rel_mae": 1.0},
        "points": 40,
    }
    lines = metrics_table(block).splitlines()
    assert lines[2] == "| model | **1.0000** | **1.5000** | **10.000** | n/a | **0.5000** |"
    assert lines[3] == "| persistence | 2.0000 | 2.5000 | 20.000 | n/a | 1.0000 |"
