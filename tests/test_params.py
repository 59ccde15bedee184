from __future__ import annotations

import pytest

from stages.params import ParamError, Params, as_dict, parse_params


def test_committed_params_are_valid_and_knobs_are_top_level(repo_params: Params) -> None:
    for knob in (
        "lr",
        "epochs",
        "batch_size",
        "window",
        "horizon",
        "cell",
        "units",
        "layers",
        "dropout",
        "l2",
        "scaler",
        "shuffle",
        "seed",
    ):
        assert knob in as_dict(repo_params)


def test_dvc_float_format_is_read_as_float() -> None:
    assert parse_params({"lr": 0.0001}).lr == pytest.approx(1e-4)
    assert parse_params({"lr": 1}).lr == 1.0


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"learning_rate": 0.01}, "unknown param 'learning_rate'; did you mean 'lr'?"),
        ({"epoch": 3}, "did you mean 'epochs'?"),
        ({"lr": "1e-4"}, "YAML reads '1e-4' as a string"),
        ({"lr": 0.0}, "param 'lr' is 0.0; it must be > 0"),
        ({"lr": -1.0}, "it must be > 0"),
        ({"dropout": 1.0}, "param 'dropout' is 1.0; it must be < 1"),
        ({"dropout": -0.1}, "it must be >= 0"),
        ({"window": 0}, "param 'window' is 0; it must be >= 1"),
        ({"horizon": 0}, "param 'horizon' is 0"),
        ({"epochs": 2.5}, "param 'epochs' must be a whole number"),
        ({"cell": "lstn"}, "did you mean 'lstm'?"),
        ({"scaler": "zscore"}, "choose one of standard, minmax, robust, none"),
        ({"train_frac": 0.8}, "sum to 1.1; they must sum to 1"),
        ({"train_frac": 1.0, "valid_frac": 0.0, "test_frac": 0.0}, "param 'train_frac' is 1.0; it must be < 1"),
        ({"calendar": "yes"}, "param 'calendar' must be true or false"),
        ({"target_calendar": 1}, "param 'target_calendar' must be true or false"),
        ({"window": 30, "recurrent_steps": 40}, "param 'recurrent_steps' is 40, more than 'window' (30)"),
        ({"members": 0}, "param 'members' is 0; it must be >= 1"),
        ({"layers": 2, "activation": ["tanh", "tanh", "tanh"]}, "lists 3 names for 2 layers"),
        ({"covariates": ["demand_gw"]}, "lists the target column"),
        ({"clipnorm": -1.0}, "param 'clipnorm' is -1.0; it must be >= 0 (0 turns gradient clipping off)"),
        ({"covariates": [1]}, "param 'covariates' must be text, got 1 (a list of column names, e.g. [temperature_c, workday])"),
        ({"season": 0}, "param 'season' is 0; it must be >= 1"),
        ({"season": "daily"}, "param 'season' must be a whole number or auto, got 'daily'"),
        ({"season": 7.5}, "param 'season' must be a whole number or auto, got 7.5"),
    ],
)
def test_bad_params_are_refused_with_the_key_named(raw: dict, message: str) -> None:
    with pytest.raises(ParamError) as caught:
        parse_params(raw)
    assert message in str(caught.value)


def test_one_activation_applies_to_every_layer() -> None:
    params = parse_params({"layers": 3, "activation": "elu"})
    assert params.layer_activations() == ("elu", "elu", "elu")
    listed = parse_params({"layers": 2, "activation": ["elu", "tanh"]})
    assert listed.layer_activations() == ("elu", "tanh")


def test_freq_and_season_default_to_auto_and_an_explicit_value_is_kept(repo_params: Params) -> None:
    assert (Params().freq, Params().season) == ("auto", "auto")
    assert (repo_params.freq, repo_params.season) == ("auto", "auto")
    assert parse_params({"season": "auto"}).season == "auto"
    assert parse_params({"season": 7, "freq": "W-FRI"}).season == 7
