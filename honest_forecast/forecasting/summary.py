"""What ``reports/forecast.json`` says of the forecast: its origin, the method, and what its error and intervals rest on."""

from __future__ import annotations

import pandas as pd

from honest_forecast.data.lines import time_text
from honest_forecast.data.series import Series
from honest_forecast.forecasting.compose import PastTheEnd, expected_errors

READ_FROM = "the file's rows after the last target value"


def forecast_summary(result: PastTheEnd, series: Series, added: int, folds: tuple[int, ...], leads: pd.DataFrame) -> dict:
    names = list(result.points)
    return {
        "origin": time_text(series.timestamps, -1),
        "horizon": len(result.points[names[0]]),
        "recommended": names[0],
        "methods": names,
        "rows_added_since_backtest": added,
        "refit": {
            "network and ridge": "none: fold 1's, reading the last window",
            "statistical": "none: fold 1's fit, filtered through every row"
            if not added
            else "fold 1's fit, redone on the same train rows (the same parameters), filtered through the new rows",
        },
        "intervals": {
            "calibration": f"split-conformal per lead on the absolute errors of the valid and test blocks of folds {list(folds)}",
            "points_per_lead": result.calibration_points,
        },
        **(
            {
                "known_covariates": {
                    "columns": list(series.known_names),
                    "read_from": "the file's rows after the last target value",
                }
            }
            if series.known_names
            else {}
        ),
        "backtest_test_mae_by_lead": {name: expected_errors(leads, name) for name in names if f"{name}_mae" in leads},
    }
