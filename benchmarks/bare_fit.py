"""The train stage without the pipeline: the same arrays, members and epochs, and only model.fit.

Each member is built from the same seed as in the stage and fitted with one plain
`model.fit` call (valid loss computed by Keras per epoch); their mean is not saved.
Run by train_overhead.py; not part of the pipeline.
"""

from __future__ import annotations

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import keras
import numpy as np

from stages.baselines import fit_linear_autoregression
from stages.model import build_model, compile_model, model_inputs, start_from_ridge
from stages.params import load_params

params = load_params()
with np.load("data/windows/1/arrays.npz", allow_pickle=False) as data:
    arrays = dict(data)
x_train, y_train = model_inputs(arrays, "train"), arrays["y_train"]
x_valid, y_valid = model_inputs(arrays, "valid"), arrays["y_valid"]
window = x_train["window"]
ridge = fit_linear_autoregression(x_train, y_train, params.ridge_alpha) if params.linear_skip else None
for member in range(params.members):
    keras.utils.set_random_seed(params.seed + member)
    model = build_model(window.shape[1], window.shape[2], y_train.shape[1], params, known=arrays["known_train"].shape[-1])
    if ridge is not None:  # the same model as the stage trains
        start_from_ridge(model, ridge.coef_, ridge.intercept_)
    compile_model(model, params)
    model.fit(x_train, y_train, validation_data=(x_valid, y_valid), epochs=params.epochs, batch_size=params.batch_size, verbose=0)
print("bare fit done", file=sys.stderr)
