"""What ``reports/forecast.json`` says of the forecast: its origin, the method, and what its error and intervals rest on."""

from __future__ import annotations

import numpy as np
import pandas as pd

from honest_forecast.data.lines import time_text
from honest_forecast.data.series import Series
from honest_forecast.forecasting.compose import PastTheEnd, expected_errors
from honest_forecast.forecasting.intervals import ADAPTATION_STEP, EarnedIntervals

NOT_MEASURED = (
    "refit on every row (forecast_refit: true): the network for the epochs early stopping chose in fold 1, same seeds "
    "and members; the ridge and the statistical models on the last rows. No backtest measured this refit's error: "
    "the intervals and expected errors are those of fold 1's models"
)
CALIBRATION = (
    f"adaptive conformal per lead (Gibbs and Candès 2021, step {ADAPTATION_STEP}) on the absolute errors of fold 1's valid "
    "and test blocks, walked in time order: each backtest interval from the errors observed by its origin"
)
READ_FROM = "the file's rows after the last target value"


def forecast_summary(
    result: PastTheEnd,
    series: Series,
    added: int,
    earned: dict[str, dict[str, EarnedIntervals]],
    leads: pd.DataFrame,
    refit: bool = False,
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
            "calibration": CALIBRATION,
            "points_per_lead": result.calibration_points,
            "backtest_coverage": {
                name: {
                    key: {
                        "test": intervals.coverage,
                        "lowest_lead": float(intervals.coverage_by_lead.min()),
                        "highest_lead": float(intervals.coverage_by_lead.max()),
                        "leads_capped_at_the_largest_error": [int(lead) + 1 for lead in np.flatnonzero(intervals.capped)],
                    }
                    for key, intervals in per_level.items()
                }
                for name, per_level in earned.items()
            },
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
