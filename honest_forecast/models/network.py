"""The forecasting network, built from params with the Keras 3 API only (runs on any backend)."""

from __future__ import annotations

import keras
import numpy as np
from keras import layers, regularizers

from honest_forecast.params import Params

RECURRENT_LAYERS = {"simple_rnn": layers.SimpleRNN, "lstm": layers.LSTM, "gru": layers.GRU}


def build_model(
    window: int, channels: int, horizon: int, params: Params, known: int = 0, name: str | None = None, series: int = 0
) -> keras.Model:
    """Stacked recurrent layers (or, with ``cell: mlp``, dense ones) and a linear head; optionally a linear map of inputs added.

    ``known`` features per target step (its time-of-day slot) are a second input, named
    ``known``, read by the head and the skip path next to the window named ``window``.
    With ``linear_skip`` the recurrent part only has to learn what a linear
    autoregression on the same inputs misses, a strong design for load forecasting;
    :func:`start_from_ridge` sets that linear map before training. With
    ``recurrent_steps`` the recurrent layers read only the window's most recent steps
    (the skip path still reads all of them), which makes training proportionally faster.
    With ``series`` ids (many series, ``id_embedding`` dimensions) the head also reads a learned
    embedding of the window's series, an input named ``series``; the skip path does not.
    ``cell: mlp`` reads the steps flattened through dense layers, as N-BEATS' blocks do: every
    step read at once, so a long window (a week of hours) costs little on a CPU.
    """

    def penalty(strength: float) -> regularizers.Regularizer | None:
        # A new object per layer: a shared one is saved with its memory address, so the file would change every run.
        return regularizers.L2(strength) if strength else None

    inputs = {"window": keras.Input(shape=(window, channels), name="window")}
    if known:
        inputs["known"] = keras.Input(shape=(horizon, known), name="known")
    flat_inputs = [layers.Flatten(name=f"flat_{name}")(tensor) for name, tensor in inputs.items()]
    if series:
        inputs["series"] = keras.Input(shape=(1,), dtype="int32", name="series")
        embedded = layers.Embedding(series, params.id_embedding, name="id_embedding")(inputs["series"])
        flat_inputs.append(layers.Flatten(name="flat_series")(embedded))
    hidden = inputs["window"]
    if 0 < params.recurrent_steps < window:
        hidden = layers.Cropping1D((window - params.recurrent_steps, 0), name="recent_steps")(hidden)
    activations = params.layer_activations()
    if params.cell == "mlp":
        hidden = layers.Flatten(name="flat_read_steps")(hidden)
    for depth, activation in enumerate(activations, start=1):
        kernels = {
            "activation": activation,
            "kernel_initializer": params.kernel_initializer,
            "bias_initializer": params.bias_initializer,
            "kernel_regularizer": penalty(params.l2),
            "bias_regularizer": penalty(params.l2_bias),
            "name": f"{params.cell}_{depth}",
        }
        if params.cell == "mlp":
            hidden = layers.Dense(params.units, **kernels)(hidden)
        else:
            hidden = RECURRENT_LAYERS[params.cell](
                params.units,
                return_sequences=depth < len(activations),
                recurrent_dropout=params.recurrent_dropout,
                recurrent_regularizer=penalty(params.l2_recurrent),
                **kernels,
            )(hidden)
        if params.dropout:
            hidden = layers.Dropout(params.dropout, name=f"dropout_{depth}")(hidden)
    if len(flat_inputs) > 1:
        hidden = layers.Concatenate(name="hidden_and_known")([hidden, *flat_inputs[1:]])
    # With the skip path the head starts at zero, so the untrained model is exactly the linear map.
    forecast = layers.Dense(
        horizon,
        kernel_initializer="zeros" if params.linear_skip else "glorot_uniform",
        kernel_regularizer=penalty(params.l2),
        bias_regularizer=penalty(params.l2_bias),
        name="recurrent_head",
    )(hidden)
    if params.linear_skip:
        flat = layers.Concatenate(name="all_inputs")(flat_inputs[:2]) if known else flat_inputs[0]
        linear = layers.Dense(horizon, name="linear_skip")(flat)
        forecast = layers.Add(name="forecast")([forecast, linear])
    return keras.Model(inputs, forecast, name=name or f"{params.cell}_forecaster")


def average_members(members: list[keras.Model]) -> keras.Model:
    """One model whose forecast is the mean of the members' forecasts; a single member is returned as is."""
    if len(members) == 1:
        return members[0]
    inputs = {
        name: keras.Input(shape=tensor.shape[1:], dtype=tensor.dtype, name=name) for name, tensor in members[0].input.items()
    }
    forecast = layers.Average(name="mean_of_members")([member(inputs) for member in members])
    return keras.Model(inputs, forecast, name="ensemble")


STEPS_PER_EXECUTION = 8  # batches per compiled call: same updates, a fifth less time on 2 cores (measured)


def compile_model(model: keras.Model, params: Params) -> None:
    """Adam with optional clipping; the ``mse`` metric is the data error without any L2 penalty.

    Running several batches per compiled call gives bit-identical weights; per-batch callbacks
    (the divergence guard) then see every ``STEPS_PER_EXECUTION``-th batch.
    """
    optimizer = keras.optimizers.Adam(learning_rate=params.lr, clipnorm=params.clipnorm or None)
    loss = {"mse": "mean_squared_error", "mae": "mean_absolute_error", "huber": keras.losses.Huber(delta=1.0)}[params.loss]
    model.compile(
        optimizer=optimizer,
        loss=loss,
        metrics=[keras.metrics.MeanSquaredError(name="mse")],
        steps_per_execution=STEPS_PER_EXECUTION,
    )


def start_from_ridge(model: keras.Model, coef: np.ndarray, intercept: np.ndarray) -> None:
    """Fix the skip path at a ridge fit on the training windows; the recurrent part learns the residual."""
    intercept = np.atleast_1d(intercept).astype("float32")
    kernel = np.reshape(coef, (len(intercept), -1)).T.astype("float32")  # sklearn drops the axis for one target
    skip = model.get_layer("linear_skip")
    skip.set_weights([kernel, intercept])
    # Held fixed: the ridge solution is already least-squares optimal for a linear map, and
    # letting Adam move its weights only made valid error worse (measured; see README).
    skip.trainable = False
