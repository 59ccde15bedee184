"""Checks about the network: does it beat copying, mimic persistence, collapse to the mean, train sanely."""

from __future__ import annotations

import numpy as np

from honest_forecast.diagnostics.evidence import (
    NEAR_PERSISTENCE,
    OK,
    Check,
    Evidence,
    grade,
    network_verdict,
    nothing_in_params,
    nothing_measurably_better,
    suggest,
)
from honest_forecast.names import NETWORK
from honest_forecast.params import UNBOUNDED_ACTIVATIONS

MIMICRY_LAGS = range(-3, 4)

COVERAGE_TOLERANCE = 0.03  # an interval's test coverage may miss its level by this much before it is flagged


def skill(actual: np.ndarray, forecast: np.ndarray, reference: np.ndarray) -> float:
    """1 - MSE(forecast) / MSE(reference): above 0 beats the reference."""
    return float(1 - np.mean((actual - forecast) ** 2) / np.mean((actual - reference) ** 2))


def check_better_than_copying(evidence: Evidence) -> Check:
    """The network against persistence and against the best baseline on test, in original units."""
    actual, forecasts = evidence.judged()
    best = evidence.best_baseline_on_test()
    skills = {name: skill(actual, forecasts[NETWORK], forecasts[name]) for name in dict.fromkeys(["persistence", best])}
    versus_persistence = skills["persistence"]
    weaker = [name for name, value in skills.items() if value <= 0]
    # On a random walk the last value is the honest forecast: matching it closely is not a fault.
    excused = evidence.unpredictable() and evidence.near_persistence()
    verdict = network_verdict(evidence, versus_persistence <= 0 and not excused, bool(weaker))
    suggestion = suggest(evidence.params, linear_skip=True, target="delta", shuffle="train") if verdict != OK else ""
    if not weaker:
        explanation = (
            f"The model's test MSE is {versus_persistence:.0%} lower than repeating the last value's "
            f"and {skills[best]:.0%} lower than that of the best baseline ({best})."
        )
    else:
        explanation = (
            f"On the test block, in original units, the model does no better than {', '.join(weaker)} "
            f"(skill vs persistence {versus_persistence:+.2f}, vs {best} {skills[best]:+.2f})"
            + (
                ": no method beats persistence by much on this series, which behaves like a random walk here."
                if excused
                else "; its low loss does not mean good forecasts."
                if verdict != OK
                else "."
            )
        )
        if verdict == OK:
            explanation += nothing_measurably_better(evidence)
        elif not suggestion:
            explanation += nothing_in_params(evidence)
    return Check(
        "no_better_than_copying",
        versus_persistence,
        "skill > 0 vs persistence and the best baseline",
        verdict,
        explanation,
        suggestion,
        {**skills, "best_baseline": best},
    )


def best_lag(forecast: np.ndarray, actual: np.ndarray) -> int:
    """The shift k in -3..3 where forecast_t correlates best with actual_{t+k}; -1 means it trails by a step."""
    best, best_corr = 0, -np.inf
    for lag in MIMICRY_LAGS:
        if lag < 0:
            a, b = forecast[-lag:], actual[:lag]
        elif lag > 0:
            a, b = forecast[:-lag], actual[lag:]
        else:
            a, b = forecast, actual
        if np.std(a) == 0 or np.std(b) == 0:
            continue  # a constant forecast tracks nothing: lag stays 0
        corr = float(np.corrcoef(a, b)[0, 1])
        if corr > best_corr:
            best, best_corr = lag, corr
    return best


def check_mimicry(evidence: Evidence) -> Check:
    model, actual, last = evidence.forecasts[NETWORK], evidence.actual, evidence.last_input
    to_previous = float(np.mean((model - last) ** 2))
    to_truth = float(np.mean((model - actual) ** 2))
    ratio = to_previous / to_truth if to_truth > 0 else np.inf
    lag = best_lag(model, actual)
    slope = float(np.polyfit(last, model, 1)[0])
    r_squared = float(np.corrcoef(last, model)[0, 1] ** 2) if np.std(model) > 0 else 0.0
    # Mimicry is trailing the truth: best aligned a step late, and nearer the previous value than the truth.
    # Trailing is no fault where it is the best there is: the network beats every baseline, or the
    # series is a random walk at this horizon and following the last value is the honest forecast.
    excused = evidence.network_is_best_on_test() or evidence.unpredictable()
    verdict = OK if excused else network_verdict(evidence, lag < 0 and ratio < 1, lag < 0)
    suggestion = suggest(evidence.params, target="delta", linear_skip=True) if verdict != OK else ""
    if lag >= 0:
        explanation = f"Forecasts line up with the value they forecast (best lag {lag}), not with the last known value."
    elif excused:
        explanation = (
            f"Forecasts are best aligned one step late (best lag {lag}), as any forecast of a series that moves "
            "like a random walk is; "
            + (
                "the model still beats every baseline on test."
                if evidence.network_is_best_on_test()
                else "no method does better here."
            )
        )
    elif verdict == OK:
        explanation = f"Forecasts are best aligned one step late (best lag {lag})." + nothing_measurably_better(evidence)
    else:
        explanation = (
            f"Forecasts are {'closer to the previous value than to the truth' if ratio < 1 else 'best aligned one step late'} "
            f"(best lag {lag}): the model mostly repeats the last input, shifted by a step."
        ) + ("" if suggestion else nothing_in_params(evidence))
    return Check(
        "persistence_mimicry",
        ratio,
        "MSE(ŷ_t, y_t-1) / MSE(ŷ_t, y_t) >= 1 and best lag >= 0, unless no method does measurably better",
        verdict,
        explanation,
        suggestion,
        {
            "best_lag": lag,
            "mse_to_previous": to_previous,
            "mse_to_truth": to_truth,
            "slope_on_last_input": float(slope),
            "r2_on_last_input": r_squared,
        },
    )


def check_collapse(evidence: Evidence) -> Check:
    """Forecasts in original units that barely vary, from a network some baseline beats.

    The training error's share of the scaled target's variance is kept as a detail only: with
    ``target: delta`` it is large on any series whose changes are mostly noise (a random walk),
    where it says nothing about the forecast.
    """
    actual, forecasts = evidence.judged()
    std_ratio = float(np.std(forecasts[NETWORK]) / np.std(actual))
    loss_ratio = float(evidence.train_mse_inference / np.var(evidence.scaled_train_targets))
    excused = evidence.network_is_best_on_test()
    verdict = OK if excused else network_verdict(evidence, std_ratio < 0.8, std_ratio < 0.9)
    suggestion = suggest(evidence.params, l2=0.0, l2_bias=0.0, dropout=0.0) if verdict != OK else ""
    if std_ratio >= 0.9:
        explanation = f"Forecasts vary as much as the series (std ratio {std_ratio:.2f}, original units)."
    elif excused:
        explanation = f"Forecasts vary {std_ratio:.0%} as much as the series, yet the model beats every baseline on test."
    elif verdict == OK:
        explanation = f"Forecasts vary {std_ratio:.0%} as much as the series." + nothing_measurably_better(evidence)
    else:
        explanation = (
            f"Forecasts vary {std_ratio:.0%} as much as the series (original units, test) and "
            f"{evidence.best_baseline_on_test()} does better: the model leans on the mean and only gets the range right."
        ) + ("" if suggestion else nothing_in_params(evidence))
    return Check(
        "collapse_to_mean",
        std_ratio,
        "std(ŷ)/std(y) >= 0.9 in original units, unless no method does measurably better",
        verdict,
        explanation,
        suggestion,
        {"std_ratio": std_ratio, "train_mse_over_target_variance": loss_ratio},
    )


def check_loss_in_units(evidence: Evidence) -> Check:
    """The validation loss the user saw during training, translated into the series' units."""
    seen_mse = float(np.min(evidence.history["valid/mse"]))
    seen_rmse = float(np.sqrt(seen_mse) * evidence.target_scale)
    actual, forecasts = evidence.judged()
    test_rmse = float(np.sqrt(np.mean((actual - forecasts[NETWORK]) ** 2)))
    persistence_rmse = float(np.sqrt(np.mean((actual - forecasts["persistence"]) ** 2)))
    typical_step = float(np.mean(np.abs(np.diff(evidence.actual))))
    # Compared on the block the loss was measured on: a test block on another scale would flatter or wrong it.
    reference = evidence.valid_persistence_rmse or persistence_rmse
    ratio = seen_rmse / reference
    excused = evidence.unpredictable() and ratio <= 1 + NEAR_PERSISTENCE
    # measured on valid, against the method that beat it there; never a problem for the network the report recommends
    verdict = grade(ratio >= 1 and not excused and evidence.selected != NETWORK, ratio >= 1)
    suggestion = suggest(evidence.params, linear_skip=True, target="delta") if verdict != OK else ""
    explanation = (
        f"The best validation MSE logged in training, {seen_mse:.4g} in scaled units, is an RMSE of {seen_rmse:.4g} in "
        f"original units"
        + (f", against {reference:.4g} for repeating the last value on the same block" if evidence.valid_persistence_rmse else "")
        + f"; on the test block the model's RMSE is {test_rmse:.4g}, repeating the last value gives "
        f"{persistence_rmse:.4g} and the typical step change is {typical_step:.4g}."
    )
    if verdict != OK:
        explanation += (
            " No method beats copying by much on this series; the loss is as small as it can be."
            if excused
            else " A loss that looks small is worse than copying."
        ) + ("" if suggestion else nothing_in_params(evidence))
    return Check(
        "loss_in_plain_units",
        ratio,
        "validation RMSE in original units / persistence RMSE < 1",
        verdict,
        explanation,
        suggestion,
        {
            "valid_mse_scaled": seen_mse,
            "valid_rmse_original_units": seen_rmse,
            "valid_persistence_rmse": evidence.valid_persistence_rmse,
            "test_rmse": test_rmse,
            "persistence_rmse": persistence_rmse,
            "typical_step_change": typical_step,
        },
    )


def check_regularization_share(evidence: Evidence) -> Check:
    share = float(evidence.penalty / evidence.train_loss_inference) if evidence.train_loss_inference > 0 else 0.0
    verdict = grade(share > 0.5, share > 0.1)
    explanation = (
        f"{share:.0%} of the final training loss ({evidence.train_loss_inference:.4g}) is L2 penalty, not forecast error"
        + ("; the reported loss says little about the forecasts." if verdict != OK else ".")
    )
    return Check(
        "regularization_share",
        share,
        "penalty / loss <= 0.1",
        verdict,
        explanation,
        suggest(evidence.params, l2=0.0, l2_bias=0.0, l2_recurrent=0.0) if verdict != OK else "",
        {"penalty": evidence.penalty, "loss": evidence.train_loss_inference, "weight_norms": evidence.weight_norms},
    )


def check_exploding(evidence: Evidence) -> Check:
    losses = np.asarray(evidence.history["train/loss"], dtype=float)
    non_finite = int(np.sum(~np.isfinite(losses)))
    finite = losses[np.isfinite(losses)]
    spike = float(np.max(finite[1:] / finite[:-1])) if finite.size > 1 else 1.0
    unbounded = sorted({a for a in evidence.activations if a in UNBOUNDED_ACTIVATIONS})
    risky = bool(unbounded) and not evidence.clipnorm
    verdict = grade(non_finite > 0 or spike > 10, risky or spike > 2)
    if verdict == OK:
        explanation = "Training loss stayed finite without spikes."
    else:
        explanation = (
            f"Largest epoch-to-epoch loss jump x{spike:.1f}, {non_finite} non-finite epochs"
            + (
                f"; unbounded activations ({', '.join(unbounded)}) inside recurrent cells without gradient clipping"
                if risky
                else ""
            )
            + " can explode to NaN."
        )
    return Check(
        "exploding_training",
        spike,
        "no non-finite loss; jump <= x2; bounded activations or clipnorm",
        verdict,
        explanation,
        suggest(evidence.params, clipnorm=1.0, activation="tanh") if verdict != OK else "",
        {"non_finite_epochs": non_finite, "unbounded_activations": unbounded, "clipnorm": evidence.clipnorm},
    )


def check_interval_coverage(evidence: Evidence) -> Check:
    """Do the network's prediction intervals, calibrated on valid, hold their level on test?"""
    misses = {key: coverage - float(key) / 100 for key, coverage in evidence.interval_coverage.items()}
    worst = max(misses, key=lambda key: abs(misses[key]), default=None)
    value = abs(misses[worst]) if worst else 0.0
    missed = value > COVERAGE_TOLERANCE
    if worst is None:
        explanation = "No prediction intervals were computed."
    else:
        found = ", ".join(f"{key} %: {coverage:.1%}" for key, coverage in evidence.interval_coverage.items())
        explanation = f"Test coverage of the split-conformal intervals calibrated on valid: {found}. " + (
            "The valid block's errors do not describe the test block's (the series changed, or valid is too short), "
            "so the intervals cannot be trusted at their stated level."
            if missed
            else "They hold their levels."
        )
    return Check(
        "interval_coverage",
        value,
        f"<= {COVERAGE_TOLERANCE:.2f} away from each level",
        grade(False, missed),
        explanation,
        details={"coverage": evidence.interval_coverage},
    )
