"""Each planted fault fires exactly the checks meant for it; the healthy case fires none."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from stages.diagnostics import OK, PROBLEM, Evidence, best_lag, diagnostics_summary, run_checks
from stages.train import initial_weights_fingerprint
from stages.windows import build_windows
from tests.conftest import small_params

PERIOD, ROWS, TEST = 48, 2400, 400


def _series() -> np.ndarray:
    rng = np.random.default_rng(0)
    steps = np.arange(ROWS)
    return 5 + np.sin(2 * np.pi * steps / PERIOD) + 0.1 * rng.normal(size=ROWS)


def _audit(**overrides: object) -> dict:
    """A real windows audit of the synthetic series."""
    stamps = pd.date_range("2014-01-01", periods=ROWS, freq="30min").to_numpy()
    return build_windows(stamps, _series(), np.empty((ROWS, 0)), ["y"], small_params(**overrides))[2]


def healthy(**changes: object) -> Evidence:
    """A model that forecasts well: small independent errors, trained without penalty or drama."""
    rng = np.random.default_rng(1)
    series = _series()
    actual = series[-TEST:]
    audit = _audit()
    evidence = Evidence(
        audit_checks=audit["checks"],
        scaler_fit="train",
        actual=actual,
        forecasts={
            "model": actual + 0.03 * rng.normal(size=TEST),
            "persistence": series[-TEST - 1 : -1],
            "seasonal_naive": series[-TEST - PERIOD : -PERIOD],
            "linear_ar": actual + 0.06 * rng.normal(size=TEST),
        },
        last_input=series[-TEST - 1 : -1],
        train_targets=series[: ROWS - TEST],
        scaled_train_targets=rng.normal(size=(ROWS - TEST, 1)),
        target_scale=1.0,
        train_mse_inference=0.0010,
        valid_mse_inference=0.0011,
        penalty=0.0,
        train_loss_inference=0.0010,
        weight_norms={"lstm_1/kernel": 3.0},
        history={
            "train/loss": [0.2, 0.01, 0.002, 0.001],
            "valid/loss": [0.25, 0.012, 0.0025, 0.0012],
            "train/mse": [0.2, 0.01, 0.002, 0.001],
            "valid/mse": [0.25, 0.012, 0.0025, 0.0012],
        },
        activations=("tanh",),
        clipnorm=1.0,
        dropout=0.0,
        l2=0.0,
        seed_fingerprints=("abc", "abc"),
        rows_in_time_order=True,
    )
    return dataclasses.replace(evidence, **changes)


def fired(evidence: Evidence) -> set[str]:
    return {check.name for check in run_checks(evidence) if check.verdict != OK}


def test_healthy_model_fires_nothing() -> None:
    assert fired(healthy()) == set()


@pytest.mark.parametrize("leak", [{"shuffle": "before_split"}, {"scaler_fit": "all"}])
def test_leaky_windows_fire_leakage_only(leak: dict) -> None:
    audit = _audit(**leak)
    evidence = healthy(audit_checks=audit["checks"], scaler_fit=audit["scaler_fit"])
    assert fired(evidence) == {"leakage"}
    check = {c.name: c for c in run_checks(evidence)}["leakage"]
    assert check.verdict == PROBLEM and check.suggestion.startswith("dvc exp run -S")


def test_model_returning_the_last_input_fires_copying_and_mimicry() -> None:
    evidence = healthy()
    mimic = dataclasses.replace(evidence, forecasts={**evidence.forecasts, "model": evidence.last_input})
    assert fired(mimic) == {"no_better_than_copying", "persistence_mimicry"}
    mimicry = {c.name: c for c in run_checks(mimic)}["persistence_mimicry"]
    assert mimicry.details["best_lag"] == -1 and mimicry.value == 0.0


def test_model_returning_the_mean_fires_collapse_and_copying() -> None:
    evidence = healthy()
    mean = np.full(TEST, evidence.train_targets.mean())
    collapsed = dataclasses.replace(
        evidence, forecasts={**evidence.forecasts, "model": mean}, train_mse_inference=0.9, valid_mse_inference=0.95
    )
    assert fired(collapsed) == {"collapse_to_mean", "no_better_than_copying"}


def test_heavy_l2_fires_regularization_share_only() -> None:
    assert fired(healthy(penalty=0.69 - 0.0017, train_loss_inference=0.69)) == {"regularization_share"}


def test_exploding_configuration_fires_exploding_training_only() -> None:
    spiky = {**healthy().history, "train/loss": [0.2, 0.01, 5.0, 0.002]}
    assert fired(healthy(history=spiky)) == {"exploding_training"}
    assert fired(healthy(activations=("elu", "tanh", "selu", "tanh"), clipnorm=0.0)) == {"exploding_training"}


def test_shifted_test_range_fires_out_of_range_only() -> None:
    evidence = healthy()
    shifted = {name: forecast + 3 for name, forecast in evidence.forecasts.items()}
    moved = dataclasses.replace(evidence, actual=evidence.actual + 3, forecasts=shifted, last_input=evidence.last_input + 3)
    assert fired(moved) == {"out_of_training_range"}


def test_small_logged_loss_worse_than_copying_fires_loss_in_units_only() -> None:
    # the asker's case: a validation MSE of 0.0017 in min-max units of a 6.5 GW range
    leaky_log = {**healthy().history, "valid/mse": [0.01, 0.0017], "valid/loss": [0.01, 0.0017]}
    assert fired(healthy(history=leaky_log, target_scale=6.5)) == {"loss_in_plain_units"}


def test_unseeded_run_fires_order_and_seeding_only() -> None:
    params = small_params()
    unseeded = tuple(initial_weights_fingerprint((24, 1, 1, 0), params, seed=None) for _ in range(2))
    seeded = tuple(initial_weights_fingerprint((24, 1, 1, 0), params, seed=3) for _ in range(2))
    assert unseeded[0] != unseeded[1] and seeded[0] == seeded[1]
    assert fired(healthy(seed_fingerprints=unseeded)) == {"order_and_seeding"}
    assert fired(healthy(seed_fingerprints=seeded)) == set()


def test_validation_below_training_is_explained_by_dropout() -> None:
    logged = {**healthy().history, "train/loss": [0.2, 0.01], "valid/loss": [0.1, 0.005]}
    explained = {c.name: c for c in run_checks(healthy(history=logged, dropout=0.2))}["valid_below_train"]
    assert explained.verdict == OK and "inference mode" in explained.explanation
    unexplained = healthy(history=logged, valid_mse_inference=0.0005)
    assert fired(unexplained) == {"valid_below_train"}


def test_best_lag_finds_a_trail_or_a_lead() -> None:
    series = _series()
    assert best_lag(forecast=series, actual=series) == 0
    assert best_lag(forecast=series[:-1], actual=series[1:]) == -1  # forecast_t = y_(t-1): one step late
    assert best_lag(forecast=series[2:], actual=series[:-2]) == 2  # forecast_t = y_(t+2)
    assert best_lag(forecast=np.full(100, 5.0), actual=series[:100]) == 0  # a constant tracks nothing


def test_summary_counts_and_is_dvc_metrics_friendly() -> None:
    summary = diagnostics_summary(run_checks(healthy(penalty=0.5, train_loss_inference=0.6)))
    assert summary["problems"] == 1 and summary["warnings"] == 0
    assert summary["checks"]["regularization_share"]["severity"] == 2
