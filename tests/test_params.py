from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from honest_forecast.params import ParamError, Params, as_dict, load_params, parse_params, read_yaml


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
        ({"lr": "1e-4"}, "a number in quotes is text: write 1e-4 without quotes"),
        ({"max_gap": "2:00"}, "param 'max_gap' must be a whole number, got '2:00' (DVC reads 2:00 as text"),
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
        ({"cell": "mlp", "recurrent_dropout": 0.1}, "param 'recurrent_dropout' is 0.1, but 'cell' is mlp"),
        ({"cell": "mlp", "l2_recurrent": 0.01}, "param 'l2_recurrent' is 0.01, but 'cell' is mlp"),
        ({"layers": 2, "activation": ["tanh", "tanh", "tanh"]}, "lists 3 names for 2 layers"),
        ({"covariates": ["demand_gw"]}, "lists the target column"),
        ({"clipnorm": -1.0}, "param 'clipnorm' is -1.0; it must be >= 0 (0 turns gradient clipping off)"),
        ({"covariates": [1]}, "param 'covariates' must be text, got 1 (a list of column names, e.g. [temperature_c, workday])"),
        ({"season": 0}, "param 'season' is 0; it must be >= 1"),
        ({"season": "daily"}, "param 'season' must be a whole number or auto, got 'daily'"),
        ({"season": 7.5}, "param 'season' must be a whole number or auto, got 7.5"),
        ({"folds": [1, 3]}, "param 'folds' is [1, 3]; list the folds from the last test block back: [1], [1, 2]"),
        ({"folds": [0]}, "param 'folds' is 0; it must be >= 1"),
        ({"folds": []}, "param 'folds' needs at least one value"),
        ({"interval_levels": [0.95, 1.0]}, "param 'interval_levels' is 1.0; it must be < 1"),
        ({"interval_levels": [0.8, 0.8]}, "param 'interval_levels' lists a value twice"),
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


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"lr: 0.001\nlr: 0.002\n", "param 'lr' is given twice (line 2); keep one"),
        (b"", "is empty"),
        (b"# only a comment\n", "is empty"),
        ("target_column: d\u00e9bit\n".encode("latin-1"), "is not UTF-8 (byte 16)"),
    ],
)
def test_params_file_is_read_as_strictly_as_dvc(content: bytes, message: str, tmp_path: Path) -> None:
    path = tmp_path / "params.yaml"
    path.write_bytes(content)
    with pytest.raises(ParamError, match=re.escape(message)):
        load_params(path)


def test_every_member_seed_must_fit_numpy_and_tensorflow() -> None:
    with pytest.raises(ParamError, match="seeds run to 4294967297, above 4294967295"):
        parse_params({"seed": 2**32 - 1, "members": 3})
    assert parse_params({"seed": 2**32 - 3, "members": 3}).seed == 2**32 - 3


PARAMS_FILES = {
    "valid": (b"lr: 0.001\n", True),
    "a key twice": (b"lr: 0.001\nlr: 0.002\n", False),
    "empty": (b"", False),
    "only a comment": (b"# nothing set\n", False),
    "latin-1 bytes": ("target_column: d\u00e9bit\nlr: 0.001\n".encode("latin-1"), False),
    "not YAML": (b"lr: [0.001\n", False),
}


def test_the_pipeline_accepts_exactly_the_params_files_dvc_accepts(tmp_path: Path) -> None:
    """One reader's view of params.yaml must never differ from the other's."""
    dvc = Path(sys.prefix) / "bin" / "dvc"
    env = {**os.environ, "DVC_NO_ANALYTICS": "1"}
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    subprocess.run([str(dvc), "init", "-q"], cwd=tmp_path, check=True, env=env)
    (tmp_path / "dvc.yaml").write_text("stages:\n  fit:\n    cmd: echo fit\n    params:\n      - lr\n")
    for name, (content, accepted) in PARAMS_FILES.items():
        (tmp_path / "params.yaml").write_bytes(content)
        (tmp_path / "dvc.lock").unlink(missing_ok=True)
        dvc_accepts = subprocess.run([str(dvc), "repro"], cwd=tmp_path, capture_output=True, env=env).returncode == 0
        try:
            load_params(tmp_path / "params.yaml")
            pipeline_accepts = True
        except ParamError:
            pipeline_accepts = False
        assert (pipeline_accepts, dvc_accepts) == (accepted, accepted), name


@pytest.mark.parametrize(
    "text", ["max_gap: 2:00", "lr: 1e-4", "calendar: yes", "seed: 010", "seed: 0o10", "csv_sep: on", "l2: .5e-3"]
)
def test_params_read_exactly_as_dvc_reads_them(text: str) -> None:
    """YAML 1.1 and 1.2 disagree on these; the pipeline must see the value DVC records (and `dvc params diff` shows)."""
    from dvc.utils.serialize import parse_yaml

    assert read_yaml(text, "params.yaml") == parse_yaml(text, "params.yaml")
