"""What the network reads: the windows, and with ``statistical_inputs`` the statistical forecasts made at each origin."""

from __future__ import annotations

import numpy as np

from honest_forecast.errors import DataError
from honest_forecast.names import STATISTICAL_BASELINES
from honest_forecast.windows.scaling import Scaler, scaled_forecasts
from honest_forecast.windows.store import WindowStore


def statistical_input_names(wanted: bool, fitted: dict[str, np.ndarray]) -> list[str]:
    """The statistical baselines the network reads: every one fit on this fold (none unless ``wanted``)."""
    return [name for name in STATISTICAL_BASELINES if name in fitted] if wanted else []


def network_store(store: WindowStore, fitted: dict[str, np.ndarray], names: list[str], scaler: Scaler | None) -> WindowStore:
    """``store`` with the ``names`` methods' forecasts by origin (``fitted``, in the series' units) as inputs, if any.

    The forecasts come from the statistical stage: parameters fit on the train block, states
    filtered through the rows up to each origin, nothing later (baselines/statistical.py).
    """
    if not names:
        return store
    absent = [name for name in names if name not in fitted]
    if absent:
        raise DataError(
            f"the network was trained reading {', '.join(names)}, but {', '.join(absent)} could not be fit here; "
            "set param 'statistical_inputs' to false, or 'forecast_refit' to false"
        )
    return store.with_statistical(scaled_forecasts(fitted, names, scaler), tuple(names))
