"""Stage forecast: the steps after the last row, from the models the backtest scored, with the intervals it earned.

Nothing is refit: the network and the ridge of fold 1 read the last window, the statistical models
go on from their state after the last row. The file is read again, so that rows appended since the
backtest (`dvc repro --single-item forecast`) give a new forecast without retraining.
"""

from __future__ import annotations

import warnings

import pandas as pd

from honest_forecast.cli import quiet_tensorflow, run_stage
from honest_forecast.data.future import future_times
from honest_forecast.data.lines import time_text
from honest_forecast.data.series import Series, load_series
from honest_forecast.errors import ParamError
from honest_forecast.forecasting.compose import (
    PastTheEnd,
    forecast_table,
    methods_to_forecast,
    recent_history,
    statistical_from_last_row,
)
from honest_forecast.forecasting.growth import rows_added
from honest_forecast.forecasting.intervals import earned_intervals
from honest_forecast.io import atomic_path, load_arrays, read_json, write_json
from honest_forecast.params import load_params
from honest_forecast.paths import (
    FORECAST_FILE,
    FORECAST_IMAGE_FUTURE,
    FORECAST_SUMMARY,
    LEADS_FILE,
    METRICS_FILE,
    SERIES_FILE,
    fold_paths,
)
from honest_forecast.reporting.figures import future_figure, save_figure
from honest_forecast.windows.scaling import Scaler
from honest_forecast.windows.split import Split, fold_rows
from honest_forecast.windows.store import WindowStore

quiet_tensorflow(entry_point=__name__ == "__main__")  # before anything imports keras
import keras  # noqa: E402

from honest_forecast.baselines.linear import fit_linear_autoregression  # noqa: E402
from honest_forecast.forecasting.origin import (  # noqa: E402
    by_origin,
    network_forecast,
    origin_store,
    refuse_missing_inputs,
    ridge_forecast,
    simple_forecasts,
)
from honest_forecast.forecasting.refit import refit_forecasts  # noqa: E402
from honest_forecast.forecasting.summary import forecast_summary  # noqa: E402
from honest_forecast.models.inputs import network_store  # noqa: E402


def main() -> None:
    params = load_params()
    stored = Series.load(SERIES_FILE)
    if stored.is_panel:
        raise ParamError(
            f"param 'id_column': the forecast past the last row is made for one series so far; the backtest of the "
            f"{len(stored.series_ids)} series is in reports/metrics.json and reports/series_metrics.csv"
        )
    metrics, fold = read_json(METRICS_FILE), fold_paths(1)
    names = methods_to_forecast(metrics["selected"])
    train_end = fold_rows(stored.rows, Split.of(params), 1)[0]
    valid, test = load_arrays(fold.valid_forecasts), load_arrays(fold.test_forecasts)
    trained = WindowStore.load(fold.arrays)
    scaler = Scaler.from_dict(read_json(fold.scaler))
    ingested = load_series(params)
    current, ahead = ingested.series, ingested.future
    added = rows_added(params.data_path, stored, current)
    future = future_times(current.timestamps, current.freq, params.horizon) if ahead is None else ahead.timestamps
    store, start = origin_store(
        current,
        future,
        scaler,
        trained.spec,
        params.calendar,
        params.target_calendar,
        trained.delta,
        None if ahead is None else ahead.known,
    )
    refuse_missing_inputs(current, store, start, current.names)
    points = simple_forecasts(current.target, params.horizon, current.season, trained.spec.window)
    points |= statistical_from_last_row(
        load_arrays(fold.statistical), current.target, added, train_end, current.season, current.seasons, params.horizon
    )
    points["linear_ar"] = ridge_forecast(
        fit_linear_autoregression(trained, trained.starts["train"], params.ridge_alpha), store, start, scaler
    )
    with warnings.catch_warnings():  # the saved model carries the averaged members' optimizer, which is never stepped
        warnings.filterwarnings("ignore", message="Skipping variable loading for optimizer")
        model = keras.saving.load_model(fold.model, safe_mode=True)
    training = read_json(fold.effective_params)["training"]
    read = training["statistical_inputs"]
    reading = network_store(store, by_origin({name: points[name] for name in read if name in points}, store), read, scaler)
    points["model"] = network_forecast(model, reading, start, scaler)
    if params.forecast_refit:
        points |= refit_forecasts(current, store, start, scaler, params, training["best_epoch"], read)
    earned = {name: earned_intervals(valid, test, name, params.interval_levels) for name in names}
    result = PastTheEnd(
        future,
        {name: points[name] for name in names},
        {name: {key: intervals.radius for key, intervals in earned[name].items()} for name in names},
        {name: len(valid["rows"]) + len(test["rows"]) for name in names},
    )
    table = forecast_table(result)
    with atomic_path(FORECAST_FILE) as tmp:
        table.to_csv(tmp, index=False, float_format="%.6f")
    write_json(FORECAST_SUMMARY, forecast_summary(result, current, added, earned, pd.read_csv(LEADS_FILE), params.forecast_refit))
    history = recent_history(current, params.horizon)
    save_figure(future_figure(history, table[table["method"] == names[0]], names[0], current.target_name), FORECAST_IMAGE_FUTURE)
    print(
        f"forecast: {params.horizon} step(s) after {time_text(current.timestamps, -1)} with {names[0]} "
        f"(and {', '.join(names[1:]) or 'no other method'}); {added} row(s) added since the backtest; "
        f"{'every model refit on every row' if params.forecast_refit else 'nothing refit'}"
    )


if __name__ == "__main__":
    run_stage(main)
