"""What ``reports/forecast.json`` says of the forecast: its origin, the method, and what its error and intervals rest on."""

from __future__ import annotations

import pandas as pd

from honest_forecast.data.lines import time_text
from honest_forecast.data.series import Series
from honest_forecast.forecasting.compose import PastTheEnd, expected_errors

NOT_MEASURED = (
    "refit on every row (forecast_refit: true): the network for the epochs early stopping chose in fold 1, same seeds "
    "and members; the ridge and the statistical models on the last rows. No backtest measured this refit's error: "
    "the intervals and expected errors are those of fold 1's models"
)
READ_FROM = "the file's rows after the last target value"


def forecast_summary(
    result: PastTheEnd, series: Series, added: int, folds: tuple[int, ...], leads: pd.DataFrame, refit: bool = False
) -> dict:
    names = list(result.points)
    return {
        "origin": time_text(series.timestamps, -1),
        "horizon": len(result.points[names[0]]),
        "recommended": names[0],
        "methods": names,
        "rows_added_since_backtest": added,
        "refit": {"all": NOT_MEASURED}
        if refit
        else {
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
