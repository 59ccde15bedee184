"""Each planted fault fires exactly the checks meant for it; the healthy case fires none."""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pandas as pd
import pytest
import yaml

from honest_forecast.diagnostics.data import ljung_box
from honest_forecast.diagnostics.evidence import OK, PROBLEM, WARNING, Evidence, setting_text
from honest_forecast.diagnostics.network import best_lag
from honest_forecast.diagnostics.summary import diagnostics_summary, run_checks
from honest_forecast.models.training import initial_weights_fingerprint
from honest_forecast.params import Params, as_dict, parse_params
from honest_forecast.windows.build import build_windows
from tests.helpers import small_params

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
        interval_coverage={"80": 0.79, "95": 0.955},
    )
    return dataclasses.replace(evidence, **changes)


def fired(evidence: Evidence) -> set[str]:
    return {check.name for check in run_checks(evidence) if check.verdict != OK}


def test_healthy_model_fires_nothing() -> None:
    assert fired(healthy()) == set()


@pytest.mark.parametrize("leak", [{"shuffle": "before_split"}, {"scaler_fit": "all"}])
def test_leaky_windows_fire_leakage_only(leak: dict) -> None:
    audit = _audit(**leak)
    evidence = healthy(audit_checks=audit["checks"], scaler_fit=audit["scaler_fit"], params=small_params(**leak))
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


def test_with_several_lead_times_the_comparisons_judge_every_lead() -> None:
    """Good one step ahead, worse than the ridge further out: only the every-lead view shows it."""
    evidence = healthy()
    rng = np.random.default_rng(5)
    later = evidence.actual + 0.5 * rng.normal(size=TEST)  # lead 2: the network far off, the ridge still close
    forecasts = {
        name: np.concatenate([values, later if name == "model" else evidence.actual + 0.1 * rng.normal(size=TEST)])
        for name, values in evidence.forecasts.items()
    }
    both = dataclasses.replace(evidence, every_lead=(np.concatenate([evidence.actual, evidence.actual]), forecasts))
    assert "no_better_than_copying" not in fired(evidence)
    assert "no_better_than_copying" in fired(both)
    assert both.test_mae("model") > evidence.test_mae("model")


@pytest.mark.parametrize("coverage", [{"80": 0.79, "95": 0.91}, {"80": 0.9, "95": 0.96}])
def test_intervals_missing_their_level_by_more_than_three_points_fire_a_warning_only(coverage: dict) -> None:
    """Too narrow (0.91 for 95 %) or needlessly wide (0.90 for 80 %): either way the stated level is not what holds."""
    checks = {check.name: check for check in run_checks(healthy(interval_coverage=coverage))}
    assert fired(healthy(interval_coverage=coverage)) == {"interval_coverage"}
    assert checks["interval_coverage"].verdict == WARNING
    assert checks["interval_coverage"].value == pytest.approx(0.04 if coverage["95"] == 0.91 else 0.1)


def test_summary_counts_and_is_dvc_metrics_friendly() -> None:
    summary = diagnostics_summary(run_checks(healthy(penalty=0.5, train_loss_inference=0.6)))
    assert summary["problems"] == 1 and summary["warnings"] == 0
    assert summary["checks"]["regularization_share"]["severity"] == 2


def _random_walk_evidence(params: Params) -> Evidence:
    """A random walk whose test block leaves the training range, forecast by a network that nearly copies."""
    rng = np.random.default_rng(5)
    walk = np.cumsum(rng.normal(size=ROWS)) + 100
    walk[-TEST:] += 40  # the test block sits above anything seen in training
    actual, last = walk[-TEST:], walk[-TEST - 1 : -1]
    changes = np.diff(walk[: ROWS - TEST])
    return healthy(
        actual=actual,
        last_input=last,
        forecasts={
            "model": last + 0.05 * rng.normal(size=TEST),
            "persistence": last,
            "seasonal_naive": walk[-TEST - 7 : -7],
            "linear_ar": last + 0.02 * rng.normal(size=TEST),
            "ets": last + 0.01 * rng.normal(size=TEST),
        },
        train_targets=walk[: ROWS - TEST],
        train_block=walk[: ROWS - TEST],
        scaled_train_targets=changes[:, None] / changes.std(),
        target_scale=float(changes.std()),
        train_mse_inference=0.99,
        valid_mse_inference=1.0,
        history={**healthy().history, "valid/mse": [1.2, 1.01], "valid/loss": [1.2, 1.01]},
        valid_mae={"model": 0.81, "persistence": 0.80, "seasonal_naive": 2.1, "linear_ar": 0.801, "ets": 0.799},
        selected="ets",
        params=params,
    )


def test_random_walk_forecast_by_persistence_like_output_raises_no_problem(repo_params: Params) -> None:
    checks = {c.name: c for c in run_checks(_random_walk_evidence(repo_params))}
    assert [name for name, check in checks.items() if check.verdict == PROBLEM] == []
    assert checks["predictability"].verdict == WARNING
    assert "random walk" in checks["predictability"].explanation and checks["predictability"].suggestion == ""
    assert checks["out_of_training_range"].verdict == WARNING  # delta targets can follow a new level
    assert checks["persistence_mimicry"].verdict == OK


def test_healthy_model_on_a_series_where_persistence_is_strong_raises_no_problem() -> None:
    rng = np.random.default_rng(6)
    smooth = 5 + np.sin(2 * np.pi * np.arange(ROWS) / 400) + 0.002 * rng.normal(size=ROWS)
    actual, last = smooth[-TEST:], smooth[-TEST - 1 : -1]
    model = 0.8 * actual + 0.2 * last  # better than copying, still leaning on the last value
    valid_mse = float(np.mean((model - actual) ** 2))  # what training logged, in these units (target_scale 1)
    evidence = healthy(
        history={**healthy().history, "valid/mse": [10 * valid_mse, valid_mse]},
        actual=actual,
        last_input=last,
        forecasts={"model": model, "persistence": last, "seasonal_naive": smooth[-TEST - PERIOD : -PERIOD], "linear_ar": last},
        train_targets=smooth[: ROWS - TEST],
        train_block=smooth[: ROWS - TEST],
        valid_mae={"model": 0.5, "persistence": 1.0, "linear_ar": 0.9},
    )
    assert {c.name for c in run_checks(evidence) if c.verdict == PROBLEM} == set()


def test_random_walk_network_far_worse_than_copying_is_still_a_problem(repo_params: Params) -> None:
    evidence = _random_walk_evidence(repo_params)
    worse = dataclasses.replace(evidence, forecasts={**evidence.forecasts, "model": evidence.last_input + 1.5})
    check = {c.name: c for c in run_checks(worse)}["no_better_than_copying"]
    assert check.verdict == PROBLEM and "use ets" in check.explanation


def _settings(suggestion: str) -> dict[str, str]:
    return dict(item.split("=", 1) for item in re.findall(r"-S (\S+)", suggestion))


def _faults(params: Params) -> dict[str, Evidence]:
    """Every planted fault, with the effective params given (leaky ones keep their leak)."""
    base = healthy(params=params)
    leak_audit = _audit(shuffle="before_split")
    spiky = {**base.history, "train/loss": [0.2, 0.01, 5.0, 0.002]}
    logged = {**base.history, "train/loss": [0.2, 0.01], "valid/loss": [0.1, 0.005]}
    shifted = {name: forecast + 3 for name, forecast in base.forecasts.items()}
    return {
        "leak": dataclasses.replace(base, audit_checks=leak_audit["checks"], scaler_fit="all"),
        "mimic": dataclasses.replace(base, forecasts={**base.forecasts, "model": base.last_input}),
        "collapse": dataclasses.replace(base, forecasts={**base.forecasts, "model": np.full(TEST, base.train_targets.mean())}),
        "penalty": dataclasses.replace(base, penalty=0.68, train_loss_inference=0.69),
        "spikes": dataclasses.replace(base, history=spiky, activations=("elu",), clipnorm=0.0),
        "range": dataclasses.replace(base, actual=base.actual + 3, forecasts=shifted, last_input=base.last_input + 3),
        "units": dataclasses.replace(base, history={**base.history, "valid/mse": [0.01, 0.0017]}, target_scale=6.5),
        "valid_below": dataclasses.replace(base, history=logged, valid_mse_inference=0.0005),
        "random_walk": _random_walk_evidence(params),
    }


def test_no_suggested_command_repeats_the_effective_params(repo_params: Params) -> None:
    """Walk every check on every planted fault, under the committed params and under params that already follow each hint."""
    walked = 0
    for start in (repo_params, Params(), small_params(target="level", shuffle="before_split", scaler_fit="all")):
        for fault, evidence in _faults(start).items():
            for check in run_checks(evidence):
                settings = _settings(check.suggestion)
                for key, value in settings.items():
                    assert yaml.safe_load(value) != yaml.safe_load(setting_text(getattr(start, key))), (fault, check.name, key)
                if not settings:
                    continue
                walked += 1
                followed = parse_params({**as_dict(start), **{key: yaml.safe_load(v) for key, v in settings.items()}})
                again = {c.name: c for c in run_checks(dataclasses.replace(evidence, params=followed))}[check.name]
                assert again.suggestion == "" or not set(_settings(again.suggestion)) & set(settings), (fault, check.name)
                if again.verdict != OK and again.suggestion == "" and again.subject == "network":
                    assert "Nothing in params.yaml" in again.explanation, (fault, check.name)
    assert walked >= 8


def test_ljung_box_matches_statsmodels() -> None:
    from statsmodels.stats.diagnostic import acorr_ljungbox

    rng = np.random.default_rng(7)
    for values in (rng.normal(size=500), np.cumsum(rng.normal(size=500)) * 0.1 + np.sin(np.arange(500) / 5)):
        expected = acorr_ljungbox(values, lags=[10])
        q, p_value = ljung_box(values, lags=10)
        assert q == pytest.approx(float(expected["lb_stat"].iloc[0]), rel=1e-9)
        assert p_value == pytest.approx(float(expected["lb_pvalue"].iloc[0]), rel=1e-6, abs=1e-300)


def test_the_chunked_ks_test_is_scipys_bit_for_bit_on_samples_large_and_small() -> None:
    from scipy import stats

    from honest_forecast.diagnostics import data

    rng = np.random.default_rng(3)
    for size in (300, 12_000, 150_000):
        first, second = np.round(rng.normal(size=size), 2), np.round(rng.normal(0.05, 1.2, size=size // 4), 2)  # ties
        expected, chunked = stats.ks_2samp(first, second), data.ks_two_sample(first, second)
        assert (chunked.statistic, chunked.pvalue) == (float(expected.statistic), float(expected.pvalue))


NETWORK_CHECKS = ("no_better_than_copying", "persistence_mimicry", "collapse_to_mean", "loss_in_plain_units")


def _noisy_annual(selected: str, ridge_gap: float) -> Evidence:
    """A nearly unpredictable series: the best forecast varies far less than the series and trails it a little.

    The network forecasts a damped version of the last value; the ridge is the same forecast
    with its MAE ``ridge_gap`` lower and persistence is far worse.
    """
    rng = np.random.default_rng(8)
    values = 10 + rng.normal(size=ROWS)
    actual, last = values[-TEST:], values[-TEST - 1 : -1]
    model = 10 + 0.27 * (last - 10)
    toward = actual - model
    ridge = model + ridge_gap * toward  # each error shrinks by ridge_gap: the MAE falls by that share
    mae = float(np.mean(np.abs(actual - model)))
    valid_mse = float(np.mean((actual - model) ** 2))
    return healthy(
        actual=actual,
        last_input=last,
        forecasts={"model": model, "persistence": last, "seasonal_naive": values[-TEST - PERIOD : -PERIOD], "linear_ar": ridge},
        train_targets=values[: ROWS - TEST],
        train_block=values[: ROWS - TEST],
        history={**healthy().history, "valid/mse": [2 * valid_mse, valid_mse]},
        valid_mae={"model": mae, "linear_ar": mae * (1 - ridge_gap), "persistence": 1.4 * mae},
        selected=selected,
    )


def test_the_recommended_network_on_a_noisy_series_raises_nothing_against_itself() -> None:
    checks = {c.name: c for c in run_checks(_noisy_annual(selected="model", ridge_gap=0.001))}
    assert checks["collapse_to_mean"].value < 0.5  # the forecasts vary far less than the series
    for name in NETWORK_CHECKS:
        assert checks[name].verdict == OK, name
    text = " ".join(check.explanation for check in checks.values())
    assert "use model" not in text and "use the selected method" not in text
    assert "No method does measurably better on test" in checks["collapse_to_mean"].explanation


def test_a_baseline_better_by_a_hair_does_not_count_against_the_network() -> None:
    checks = {c.name: c for c in run_checks(_noisy_annual(selected="linear_ar", ridge_gap=0.001))}
    assert checks["collapse_to_mean"].verdict == OK and checks["no_better_than_copying"].verdict == OK


def test_a_measurably_better_baseline_makes_the_collapse_a_problem_unless_the_network_was_recommended() -> None:
    beaten = {c.name: c for c in run_checks(_noisy_annual(selected="linear_ar", ridge_gap=0.2))}
    assert beaten["collapse_to_mean"].verdict == PROBLEM and "linear_ar does better" in beaten["collapse_to_mean"].explanation
    chosen = {c.name: c for c in run_checks(_noisy_annual(selected="model", ridge_gap=0.2))}
    assert chosen["collapse_to_mean"].verdict == WARNING
    assert "use the selected method" not in chosen["collapse_to_mean"].explanation
