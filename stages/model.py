"""The forecasting network, built from params with the Keras 3 API only (runs on any backend)."""

from __future__ import annotations

import keras
from keras import layers, regularizers

from stages.params import Params

RECURRENT_LAYERS = {"simple_rnn": layers.SimpleRNN, "lstm": layers.LSTM, "gru": layers.GRU}


def build_model(window: int, channels: int, horizon: int, params: Params) -> keras.Model:
    """Stacked recurrent layers and a linear head; optionally a linear map of the window added.

    With ``linear_skip`` the recurrent part only has to learn what a linear
    autoregression on the same window misses, a strong design for load forecasting.
    """
    kernel_penalty = regularizers.L2(params.l2) if params.l2 else None
    bias_penalty = regularizers.L2(params.l2_bias) if params.l2_bias else None
    recurrent = RECURRENT_LAYERS[params.cell]
    inputs = keras.Input(shape=(window, channels), name="window")
    hidden = inputs
    activations = params.layer_activations()
    for depth, activation in enumerate(activations, start=1):
        hidden = recurrent(
            params.units,
            activation=activation,
            return_sequences=depth < len(activations),
            recurrent_dropout=params.recurrent_dropout,
            kernel_initializer=params.kernel_initializer,
            bias_initializer=params.bias_initializer,
            kernel_regularizer=kernel_penalty,
            recurrent_regularizer=kernel_penalty,
            bias_regularizer=bias_penalty,
            name=f"{params.cell}_{depth}",
        )(hidden)
        if params.dropout:
            hidden = layers.Dropout(params.dropout, name=f"dropout_{depth}")(hidden)
    forecast = layers.Dense(
        horizon, kernel_regularizer=kernel_penalty, bias_regularizer=bias_penalty, name="recurrent_head"
    )(hidden)
    if params.linear_skip:
        linear = layers.Dense(horizon, name="linear_skip")(layers.Flatten(name="flat_window")(inputs))
        forecast = layers.Add(name="forecast")([forecast, linear])
    return keras.Model(inputs, forecast, name=f"{params.cell}_forecaster")


def compile_model(model: keras.Model, params: Params) -> None:
    """Adam with optional clipping; ``mse`` as a metric is the data loss without the L2 penalty."""
    optimizer = keras.optimizers.Adam(learning_rate=params.lr, clipnorm=params.clipnorm or None)
    model.compile(optimizer=optimizer, loss="mse", metrics=[keras.metrics.MeanSquaredError(name="mse")])
