"""Each model lever in params changes the network that is built."""

from __future__ import annotations

import keras
import numpy as np

from honest_forecast.models.network import average_members, build_model, compile_model, start_from_ridge
from tests.helpers import small_params


def recurrent_layers(model: keras.Model) -> list[keras.layers.Layer]:
    return [layer for layer in model.layers if isinstance(layer, keras.layers.RNN)]


def test_cell_layers_units_and_activations_per_layer() -> None:
    params = small_params(cell="gru", layers=3, units=5, activation=("elu", "tanh", "selu"))
    model = build_model(24, 2, 1, params)
    stack = recurrent_layers(model)
    assert [type(layer).__name__ for layer in stack] == ["GRU"] * 3
    assert [layer.units for layer in stack] == [5, 5, 5]
    assert [layer.get_config()["activation"] for layer in stack] == ["elu", "tanh", "selu"]
    assert [layer.return_sequences for layer in stack] == [True, True, False]
    assert model.output_shape == (None, 1)
    assert type(recurrent_layers(build_model(24, 2, 3, small_params(cell="simple_rnn")))[0]).__name__ == "SimpleRNN"


def test_mlp_cell_reads_the_latest_steps_flattened_through_dense_layers() -> None:
    params = small_params(cell="mlp", layers=2, units=5, activation=("relu", "elu"), recurrent_steps=6, linear_skip=False)
    model = build_model(24, 2, 3, params)
    dense = [layer for layer in model.layers if layer.name.startswith("mlp_")]
    assert not recurrent_layers(model) and [layer.units for layer in dense] == [5, 5]
    assert [layer.get_config()["activation"] for layer in dense] == ["relu", "elu"]
    assert dense[0].input.shape[1] == 6 * 2 and model.output_shape == (None, 3)
    x = np.random.default_rng(0).normal(size=(4, 24, 2)).astype("float32")
    earlier_changed = x.copy()
    earlier_changed[:, :18] += 5.0  # steps the dense layers must not read
    np.testing.assert_array_equal(model.predict({"window": x}, verbose=0), model.predict({"window": earlier_changed}, verbose=0))
    later_changed = x.copy()
    later_changed[:, 18:] += 5.0
    assert not np.allclose(model.predict({"window": x}, verbose=0), model.predict({"window": later_changed}, verbose=0))


def test_dropout_and_recurrent_dropout() -> None:
    model = build_model(24, 1, 1, small_params(layers=2, dropout=0.2, recurrent_dropout=0.1))
    assert [layer.rate for layer in model.layers if isinstance(layer, keras.layers.Dropout)] == [0.2, 0.2]
    assert all(layer.get_config()["recurrent_dropout"] == 0.1 for layer in recurrent_layers(model))
    plain = build_model(24, 1, 1, small_params())
    assert not [layer for layer in plain.layers if isinstance(layer, keras.layers.Dropout)]


def test_l2_on_kernels_biases_and_recurrent_kernels_separately() -> None:
    model = build_model(24, 1, 1, small_params(l2=0.01, l2_bias=0.0))
    lstm = recurrent_layers(model)[0].get_config()
    assert lstm["kernel_regularizer"]["config"]["l2"] == 0.01
    assert lstm["recurrent_regularizer"] is None
    assert lstm["bias_regularizer"] is None
    both = build_model(24, 1, 1, small_params(l2=0.0, l2_bias=0.5))
    assert recurrent_layers(both)[0].get_config()["bias_regularizer"]["config"]["l2"] == 0.5
    assert recurrent_layers(both)[0].get_config()["kernel_regularizer"] is None
    recurrent = build_model(24, 1, 1, small_params(l2_recurrent=0.2))
    assert recurrent_layers(recurrent)[0].get_config()["recurrent_regularizer"]["config"]["l2"] == 0.2
    assert recurrent_layers(recurrent)[0].get_config()["kernel_regularizer"] is None
    # the penalty is in model.losses, which Keras adds to the reported loss
    assert float(sum(keras.ops.convert_to_numpy(loss) for loss in model.losses)) > 0
    assert not build_model(24, 1, 1, small_params()).losses


def test_initializers() -> None:
    model = build_model(24, 1, 1, small_params(kernel_initializer="he_normal", bias_initializer="random_normal"))
    config = recurrent_layers(model)[0].get_config()
    assert config["kernel_initializer"]["class_name"] == "HeNormal"
    assert config["bias_initializer"]["class_name"] == "RandomNormal"


def test_linear_skip_is_fixed_at_the_ridge_solution_and_the_head_starts_at_zero() -> None:
    params = small_params(linear_skip=True)
    model = build_model(4, 2, 1, params)
    coef, intercept = np.arange(8, dtype=float), np.array([0.5])
    start_from_ridge(model, coef, intercept)
    compile_model(model, params)
    skip = model.get_layer("linear_skip")
    assert not skip.trainable
    np.testing.assert_allclose(skip.get_weights()[0][:, 0], coef)
    assert not np.any(model.get_layer("recurrent_head").get_weights()[0])
    x = np.random.default_rng(0).normal(size=(3, 4, 2)).astype("float32")
    np.testing.assert_allclose(model.predict({"window": x}, verbose=0)[:, 0], x.reshape(3, -1) @ coef + 0.5, rtol=1e-5)
    assert "linear_skip" not in [layer.name for layer in build_model(4, 2, 1, small_params()).layers]


def test_known_inputs_reach_the_head_and_the_skip_path_after_the_window() -> None:
    params = small_params(linear_skip=True)
    model = build_model(4, 2, 1, params, known=3)
    assert set(model.input) == {"window", "known"}
    assert model.get_layer("recurrent_head").get_weights()[0].shape == (params.units + 3, 1)
    coef = np.arange(4 * 2 + 3, dtype=float)
    start_from_ridge(model, coef, np.array([0.0]))
    rng = np.random.default_rng(0)
    slots = np.eye(3, dtype="float32")[[0, 1, 2, 0, 1]][:, None]  # (windows, horizon 1, 3 slots)
    inputs = {"window": rng.normal(size=(5, 4, 2)).astype("float32"), "known": slots}
    expected = inputs["window"].reshape(5, -1) @ coef[:8] + inputs["known"][:, 0] @ coef[8:]
    np.testing.assert_allclose(model.predict(inputs, verbose=0)[:, 0], expected, rtol=1e-5)


def test_loss_and_clipnorm_reach_compile() -> None:
    model = build_model(24, 1, 1, small_params())
    compile_model(model, small_params(loss="huber", clipnorm=0.5))
    assert model.optimizer.clipnorm == 0.5
    assert isinstance(model.loss, keras.losses.Huber)
    unclipped = build_model(24, 1, 1, small_params())
    compile_model(unclipped, small_params(clipnorm=0.0))
    assert unclipped.optimizer.clipnorm is None


def test_recurrent_steps_limit_the_recurrent_layers_to_the_latest_steps() -> None:
    model = build_model(24, 1, 1, small_params(recurrent_steps=6))
    assert recurrent_layers(model)[0].input.shape[1] == 6
    x = np.random.default_rng(0).normal(size=(4, 24, 1)).astype("float32")
    earlier_changed = x.copy()
    earlier_changed[:, :18] += 5.0  # steps the recurrent layers must not read
    np.testing.assert_array_equal(model.predict({"window": x}, verbose=0), model.predict({"window": earlier_changed}, verbose=0))
    assert recurrent_layers(build_model(24, 1, 1, small_params(recurrent_steps=0)))[0].input.shape[1] == 24


def test_members_are_averaged_into_one_model() -> None:
    params = small_params()
    members = []
    for seed in (1, 2):
        keras.utils.set_random_seed(seed)
        members.append(build_model(8, 2, 1, params, known=3, name=f"member_{seed}"))
    assert average_members(members[:1]) is members[0]
    ensemble = average_members(members)
    slots = np.eye(3, dtype="float32")[[0, 1, 2, 0, 1]][:, None]
    inputs = {"window": np.random.default_rng(0).normal(size=(5, 8, 2)).astype("float32"), "known": slots}
    each = [member.predict(inputs, verbose=0) for member in members]
    assert not np.allclose(each[0], each[1])
    np.testing.assert_allclose(ensemble.predict(inputs, verbose=0), (each[0] + each[1]) / 2, rtol=1e-5)
    assert ensemble.count_params() == sum(member.count_params() for member in members)


def test_an_id_embedding_is_an_input_of_the_head_only_and_starts_as_the_skip_path() -> None:
    params = small_params(id_embedding=3, linear_skip=True)
    model = build_model(24, 1, 2, params, series=5)
    assert set(model.input) == {"window", "series"}
    assert model.get_layer("id_embedding").get_config()["input_dim"] == 5
    assert model.get_layer("linear_skip").input.shape[-1] == 24  # the skip path reads the window alone
    window = np.random.default_rng(0).normal(size=(4, 24, 1)).astype("float32")
    same = [model.predict({"window": window, "series": np.full((4, 1), at, "int32")}, verbose=0) for at in (0, 4)]
    np.testing.assert_allclose(same[0], same[1])  # the head starts at zero: untrained, every id forecasts alike
    averaged = average_members([build_model(24, 1, 2, params, name=f"member_{at}", series=5) for at in (1, 2)])
    assert averaged.input["series"].dtype == "int32"
