"""``forecast_refit: true``: every row refit before the forecast, by the backtest's recipe; an error no backtest measured."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from honest_forecast.baselines.linear import fit_linear_autoregression
from honest_forecast.baselines.statistical import bridge_gaps, fit_all
from honest_forecast.data.series import Series
from honest_forecast.forecasting.origin import by_origin, network_forecast, ridge_forecast
from honest_forecast.models.inputs import network_store
from honest_forecast.models.training import refit_model
from honest_forecast.params import Params
from honest_forecast.windows.scaling import Scaler
from honest_forecast.windows.store import WindowStore, rows_missing


def every_window(store: WindowStore, rows: int, seed: int) -> WindowStore:
    """``store`` with every window whose inputs and targets are observed rows (before ``rows``) as training windows."""
    missing = rows_missing(store.features, store.known_values)
    starts = store.spec.complete(store.spec.starts_with_targets_in(0, rows), missing)
    return replace(store, starts={"train": np.random.default_rng(seed).permutation(starts), "valid": starts[:0]})


def refit_forecasts(
    series: Series, store: WindowStore, start: np.ndarray, scaler: Scaler, params: Params, epochs: int, names: list[str]
) -> dict[str, np.ndarray]:
    """The network's, the ridge's and each statistical model's forecast from the last row, each refit on every row.

    The statistical models are refit first: a network that reads the ``names`` methods' forecasts
    is retrained on theirs. The scaling stays fold 1's (fit on its train rows): the refit changes
    the models, not their units.
    """
    bridged, _ = bridge_gaps(series.target)
    fits = fit_all(bridged, series.rows, series.season, series.seasons, params.horizon)
    fitted = {f.name: f.forecast for f in fits if f.forecast is not None}
    trainer = every_window(store, series.rows, params.seed)
    ridge = fit_linear_autoregression(trainer, trainer.starts["train"], params.ridge_alpha)
    reading = network_store(store, by_origin(fitted, store), names, scaler)
    network_trainer = network_store(trainer, by_origin(fitted, trainer), names, scaler)
    points = {
        "model": network_forecast(refit_model(network_trainer, params, epochs), reading, start, scaler),
        "linear_ar": ridge_forecast(ridge, store, start, scaler),
    }
    return points | {name: forecast[-1] for name, forecast in fitted.items()}
