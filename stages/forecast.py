"""Stage forecast: the steps after the last row, from the models the backtest scored, with the intervals it earned.

Nothing is refit: the network and the ridge of fold 1 read the last window, the statistical models
go on from their state after the last row. The file is read again, so that rows appended since the
backtest (`dvc repro --single-item forecast`) give a new forecast without retraining. A file of
many series: each series past its own last row (honest_forecast/forecasting/panel.py), from the
rows its backtest scored.
"""

from __future__ import annotations

import warnings

import pandas as pd

from honest_forecast.backtest.folds import panel_fold_view
from honest_forecast.cli import quiet_tensorflow, run_stage
from honest_forecast.data.future import future_times
from honest_forecast.data.lines import time_text
from honest_forecast.data.panel import drop_short, load_panel
from honest_forecast.data.series import Series, load_series
from honest_forecast.errors import DataError, ParamError
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
from honest_forecast.params import Params, load_params
from honest_forecast.paths import (
    FORECAST_FILE,
    FORECAST_IMAGE_FUTURE,
    FORECAST_SUMMARY,
    LEADS_FILE,
    METRICS_FILE,
    SERIES_FILE,
    fold_paths,
)
from honest_forecast.reporting.figures import SMALL_MULTIPLES, future_figure, panel_future_figure, save_figure
from honest_forecast.windows.scaling import Scaler, SeriesScalers
from honest_forecast.windows.split import Split, fold_rows, panel_too_short
from honest_forecast.windows.store import WindowStore

quiet_tensorflow(entry_point=__name__ == "__main__")  # before anything imports keras
import keras  # noqa: E402

from honest_forecast.backtest.panel import mase_scales, naive2_indices  # noqa: E402
from honest_forecast.baselines.linear import fit_linear_autoregression  # noqa: E402
from honest_forecast.forecasting.origin import (  # noqa: E402
    by_origin,
    network_forecast,
    origin_store,
    refuse_missing_inputs,
    ridge_forecast,
    simple_forecasts,
)
from honest_forecast.forecasting.panel import (  # noqa: E402
    panel_forecast_summary,
    panel_forecast_table,
    panel_origins,
    panel_points,
    pooled_intervals,
    series_changed,
)
from honest_forecast.forecasting.refit import refit_forecasts  # noqa: E402
from honest_forecast.forecasting.summary import forecast_summary  # noqa: E402
from honest_forecast.models.inputs import network_store  # noqa: E402


def main() -> None:
    params = load_params()
    stored = Series.load(SERIES_FILE)
    if stored.is_panel:
        many_series(stored, params)
        return
    metrics, fold = read_json(METRICS_FILE), fold_paths(1)
    names = methods_to_forecast(metrics["selected"]["method"], metrics["selected"]["best_baseline"]["valid"])
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


def many_series(stored: Series, params: Params) -> None:
    """A panel: every series' forecast past its own last row, from fold 1's global network and its own baselines."""
    if params.forecast_refit:
        raise ParamError("param 'forecast_refit': a panel's forecast is made by the backtest's own models only; set it false")
    current = load_panel(params)
    current = drop_short(current, panel_too_short(params, current.series.season), params.id_column, params.data_path)
    changed = series_changed(stored, current.series)
    if changed:
        raise DataError(
            f"{params.data_path}: {len(changed)} series changed since the backtest read the file (first: "
            f"'{changed[0]}' in column '{params.id_column}'); run `dvc repro`: a panel's forecast is made from the rows "
            "its backtest scored"
        )
    metrics, fold = read_json(METRICS_FILE), fold_paths(1)
    names = methods_to_forecast(metrics["selected"]["method"], metrics["best_baseline"]["valid"])
    series, edges = panel_fold_view(stored, 1, Split.of(params))
    trained = WindowStore.load(fold.arrays)
    scalers = SeriesScalers.from_dict(read_json(fold.scaler))
    spacing = None if series.freq == "none" else current.spacing
    origins = panel_origins(
        series,
        scalers,
        trained.spec,
        spacing,
        params.calendar,
        params.target_calendar,
        trained.delta,
        trained.level_norm,
        trained.series_count > 0,
    )
    if origins.store is None:
        name, why = next(iter(origins.not_forecast.items()))
        raise DataError(f"{params.data_path}: no series can be forecast past its last row (series '{name}': {why})")
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Skipping variable loading for optimizer")
        model = keras.saving.load_model(fold.model, safe_mode=True)
    ridge = fit_linear_autoregression(trained, trained.starts["train"], params.ridge_alpha) if "linear_ar" in names else None
    indices, _ = naive2_indices(series.target, edges, series.season)
    statistical = load_arrays(fold.statistical)
    points = panel_points(origins, names, model, ridge, scalers, statistical, series.series_starts[1:], indices, series.season)
    valid, test = load_arrays(fold.valid_forecasts), load_arrays(fold.test_forecasts)
    intervals = {name: pooled_intervals(valid, test, name, params.interval_levels) for name in names}
    scales = mase_scales(series.target, edges, series.season)[origins.series]
    table = panel_forecast_table(origins, series.series_ids, points, intervals, scales)
    with atomic_path(FORECAST_FILE) as tmp:
        table.to_csv(tmp, index=False, float_format="%.6f")
    write_json(FORECAST_SUMMARY, panel_forecast_summary(origins, series.series_ids, points, intervals, pd.read_csv(LEADS_FILE)))
    shown = [series.series_ids[index] for index in origins.series[:SMALL_MULTIPLES]]
    histories = {name: series.target[lo:hi] for name, lo, hi in series.segments() if name in shown}
    recommended = table[table["method"] == names[0]]
    save_figure(panel_future_figure(histories, series.season, recommended, names[0]), FORECAST_IMAGE_FUTURE)
    skipped = f"; {len(origins.not_forecast)} not forecast ({FORECAST_SUMMARY} says why)" if origins.not_forecast else ""
    print(
        f"forecast: {params.horizon} step(s) after each series' last row, {len(origins.series)} of "
        f"{len(series.series_ids)} series, with {names[0]} (and {', '.join(names[1:]) or 'no other method'}); "
        f"nothing refit{skipped}"
    )


if __name__ == "__main__":
    run_stage(main)
