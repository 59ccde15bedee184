"""The train stage without the pipeline: the same windows, members and epochs, and only model.fit.

The windows are cut whole into arrays first (as the windows stage stored them before it
stored only rows and window starts), then each member is built from the same seed as in the
stage and fitted with one plain `model.fit` call on those arrays (valid loss computed by Keras
per epoch); their mean is not saved. Run by train_overhead.py; not part of the pipeline.
"""

from __future__ import annotations

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import keras

from honest_forecast.baselines.linear import fit_linear_autoregression
from honest_forecast.models.network import build_model, compile_model, start_from_ridge
from honest_forecast.params import load_params
from honest_forecast.windows.store import WindowStore

params = load_params()
store = WindowStore.load("data/windows/1/arrays.npz")
x_train, y_train = store.cut(store.starts["train"])
x_valid, y_valid = store.cut(store.starts["valid"])
ridge = fit_linear_autoregression(store, store.starts["train"], params.ridge_alpha) if params.linear_skip else None
for member in range(params.members):
    keras.utils.set_random_seed(params.seed + member)
    model = build_model(*store.shape[:3], params, known=store.shape[3])
    if ridge is not None:  # the same model as the stage trains
        start_from_ridge(model, ridge.coef_, ridge.intercept_)
    compile_model(model, params)
    model.fit(x_train, y_train, validation_data=(x_valid, y_valid), epochs=params.epochs, batch_size=params.batch_size, verbose=0)
print("bare fit done", file=sys.stderr)
