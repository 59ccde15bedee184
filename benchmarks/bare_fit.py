"""The train stage without the pipeline: the same arrays, model and epochs, and only model.fit.

Run by train_overhead.py; not part of the pipeline.
"""

from __future__ import annotations

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import keras
import numpy as np

from stages.baselines import fit_linear_autoregression
from stages.model import build_model, compile_model, start_from_ridge
from stages.params import load_params

params = load_params()
with np.load("data/windows/arrays.npz", allow_pickle=False) as data:
    x_train, y_train, x_valid, y_valid = (data[k] for k in ("x_train", "y_train", "x_valid", "y_valid"))
keras.utils.set_random_seed(params.seed)
model = build_model(x_train.shape[1], x_train.shape[2], y_train.shape[1], params)
if params.linear_skip:  # the same model as the stage trains
    ridge = fit_linear_autoregression(x_train, y_train, params.ridge_alpha)
    start_from_ridge(model, ridge.coef_, ridge.intercept_)
compile_model(model, params)
model.fit(x_train, y_train, validation_data=(x_valid, y_valid), epochs=params.epochs, batch_size=params.batch_size, verbose=0)
print("bare fit done", file=sys.stderr)
