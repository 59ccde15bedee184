"""Checks that say why a low loss can still mean awful forecasts.

Each check is a pure function of numbers the pipeline already has (the windows audit, the
forecasts in original units, the training history, the model's penalty) and returns a
:class:`Check`: a measured value, the threshold, a verdict, one plain sentence and, when
something is wrong, the `dvc exp run -S ...` that addresses it. Evaluate runs them all.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
from scipy import stats

from stages.params import UNBOUNDED_ACTIVATIONS

OK, WARNING, PROBLEM = "ok", "warning", "problem"
SEVERITY = {OK: 0, WARNING: 1, PROBLEM: 2}
MIMICRY_LAGS = range(-3, 4)


@dataclass(frozen=True)
class Check:
    name: str
    value: float
    threshold: str
    verdict: str
    explanation: str
    suggestion: str = ""
    details: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        data = asdict(self)
        data.pop("name")
        data["severity"] = SEVERITY[self.verdict]  # numeric, so `dvc metrics diff` shows a change of verdict
        return data


@dataclass(frozen=True)
class Evidence:
    """Everything the checks read, gathered once by the evaluate stage (or planted by a test)."""

    audit_checks: dict  # data/windows/audit.json "checks"
    scaler_fit: str
    actual: np.ndarray  # test targets, original units, time order, first step ahead
    forecasts: dict[str, np.ndarray]  # "model" and baselines on the same points
    last_input: np.ndarray  # the value at each forecast origin, original units
    train_targets: np.ndarray  # train block targets, original units
    scaled_train_targets: np.ndarray  # what the network was fit to (scaled; level or delta)
    target_scale: float  # scaler scale of the target: scaled units -> original units
    train_mse_inference: float  # data MSE on train windows, inference mode (no dropout)
    valid_mse_inference: float
    penalty: float  # sum of model.losses at the final weights
    train_loss_inference: float  # Keras loss on train windows in inference mode (data + penalty)
    weight_norms: dict[str, float]
    history: dict[str, list[float]]  # per-epoch "train/loss", "valid/loss", "train/mse", "valid/mse"
    activations: tuple[str, ...]
    clipnorm: float
    dropout: float
    l2: float
    seed_fingerprints: tuple[str, str]  # initial weights of two builds after seeding
    rows_in_time_order: bool


def _verdict(problem: bool, warning: bool = False) -> str:
    return PROBLEM if problem else WARNING if warning else OK


def check_leakage(evidence: Evidence) -> Check:
    checks = evidence.audit_checks
    shared = max(checks["valid_windows_with_targets_seen_in_training"], checks["test_windows_with_targets_seen_in_training"])
    # The fit scope is the leak even when the statistics happen to coincide (min and max inside train).
    scaler_leak = not (checks["scaler_fit_on_train_rows_only"] and checks["scaler_equals_train_rows_statistics"])
    verdict = _verdict(shared > 0 or scaler_leak)
    parts = []
    if shared > 0:
        parts.append(f"{shared:.0%} of validation windows forecast a value a training window already contained")
    if scaler_leak:
        parts.append(f"the scaler was fit on {evidence.scaler_fit} rows, not the train block alone")
    explanation = (
        "; ".join(parts) + ", so validation scores are optimistic."
        if parts
        else ("No valid or test target appears in any training window and the scaler saw train rows only.")
    )
    return Check(
        "leakage",
        shared,
        "0 shared windows; scaler fit on train rows",
        verdict,
        explanation,
        "dvc exp run -S shuffle=train -S scaler_fit=train" if verdict != OK else "",
        {
            "valid_windows_shared": checks["valid_windows_with_targets_seen_in_training"],
            "test_windows_shared": checks["test_windows_with_targets_seen_in_training"],
            "scaler_fit_outside_train": scaler_leak,
        },
    )


def skill(actual: np.ndarray, forecast: np.ndarray, reference: np.ndarray) -> float:
    """1 - MSE(forecast) / MSE(reference): above 0 beats the reference."""
    return float(1 - np.mean((actual - forecast) ** 2) / np.mean((actual - reference) ** 2))


def check_better_than_copying(evidence: Evidence) -> Check:
    model = evidence.forecasts["model"]
    skills = {
        name: skill(evidence.actual, model, evidence.forecasts[name])
        for name in ("persistence", "seasonal_naive", "linear_ar")
        if name in evidence.forecasts
    }
    versus_persistence = skills["persistence"]
    weaker = [name for name, value in skills.items() if value <= 0]
    verdict = _verdict(versus_persistence <= 0, bool(weaker))
    if verdict == OK:
        explanation = f"The model's test MSE is {versus_persistence:.0%} lower than repeating the last value's."
    else:
        explanation = (
            f"On the test block, in original units, the model does no better than {', '.join(weaker)} "
            f"(skill vs persistence {versus_persistence:+.2f}); its low loss does not mean good forecasts."
        )
    return Check(
        "no_better_than_copying",
        versus_persistence,
        "skill > 0 vs persistence, seasonal naive, linear AR",
        verdict,
        explanation,
        "dvc exp run -S linear_skip=true -S target=delta -S shuffle=train" if verdict != OK else "",
        skills,
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
    model, actual, last = evidence.forecasts["model"], evidence.actual, evidence.last_input
    to_previous = float(np.mean((model - last) ** 2))
    to_truth = float(np.mean((model - actual) ** 2))
    ratio = to_previous / to_truth if to_truth > 0 else np.inf
    lag = best_lag(model, actual)
    slope = float(np.polyfit(last, model, 1)[0])
    r_squared = float(np.corrcoef(last, model)[0, 1] ** 2) if np.std(model) > 0 else 0.0
    # Mimicry is trailing the truth: best aligned a step late, and nearer the previous value than the truth.
    verdict = _verdict(lag < 0 and ratio < 1, lag < 0)
    if verdict == OK:
        explanation = f"Forecasts line up with the value they forecast (best lag {lag}), not with the last known value."
    else:
        explanation = (
            f"Forecasts are {'closer to the previous value than to the truth' if ratio < 1 else 'best aligned one step late'} "
            f"(best lag {lag}): the model mostly repeats the last input, shifted by a step."
        )
    return Check(
        "persistence_mimicry",
        ratio,
        "MSE(ŷ_t, y_t-1) / MSE(ŷ_t, y_t) >= 1 and best lag >= 0",
        verdict,
        explanation,
        "dvc exp run -S target=delta -S linear_skip=true" if verdict != OK else "",
        {
            "best_lag": lag,
            "mse_to_previous": to_previous,
            "mse_to_truth": to_truth,
            "slope_on_last_input": float(slope),
            "r2_on_last_input": r_squared,
        },
    )


def check_collapse(evidence: Evidence) -> Check:
    std_ratio = float(np.std(evidence.forecasts["model"]) / np.std(evidence.actual))
    loss_ratio = float(evidence.train_mse_inference / np.var(evidence.scaled_train_targets))
    verdict = _verdict(std_ratio < 0.8 or loss_ratio > 0.5, std_ratio < 0.9 or loss_ratio > 0.25)
    if verdict == OK:
        explanation = f"Forecasts vary as much as the series (std ratio {std_ratio:.2f})."
    else:
        explanation = (
            f"Forecasts vary {std_ratio:.0%} as much as the series and the training error is {loss_ratio:.0%} "
            "of the target's variance: the model leans on the mean and only gets the range right."
        )
    return Check(
        "collapse_to_mean",
        std_ratio,
        "std(ŷ)/std(y) >= 0.9; train MSE / var(target) <= 0.25",
        verdict,
        explanation,
        "dvc exp run -S l2=0 -S l2_bias=0 -S dropout=0 -S lr=0.001" if verdict != OK else "",
        {"std_ratio": std_ratio, "train_mse_over_target_variance": loss_ratio},
    )


def check_loss_in_units(evidence: Evidence) -> Check:
    """The validation loss the user saw during training, translated into the series' units."""
    seen_mse = float(np.min(evidence.history["valid/mse"]))
    seen_rmse = float(np.sqrt(seen_mse) * evidence.target_scale)
    test_rmse = float(np.sqrt(np.mean((evidence.actual - evidence.forecasts["model"]) ** 2)))
    persistence_rmse = float(np.sqrt(np.mean((evidence.actual - evidence.forecasts["persistence"]) ** 2)))
    typical_step = float(np.mean(np.abs(np.diff(evidence.actual))))
    ratio = seen_rmse / persistence_rmse
    verdict = _verdict(ratio >= 1)
    explanation = (
        f"The best validation MSE logged in training, {seen_mse:.4g} in scaled units, is an RMSE of {seen_rmse:.4g} in "
        f"original units; on the test block the model's RMSE is {test_rmse:.4g}, repeating the last value gives "
        f"{persistence_rmse:.4g} and the typical step change is {typical_step:.4g}."
        + (" A loss that looks small is worse than copying." if verdict != OK else "")
    )
    return Check(
        "loss_in_plain_units",
        ratio,
        "validation RMSE in original units / persistence RMSE < 1",
        verdict,
        explanation,
        "dvc exp run -S linear_skip=true -S target=delta" if verdict != OK else "",
        {
            "valid_mse_scaled": seen_mse,
            "valid_rmse_original_units": seen_rmse,
            "test_rmse": test_rmse,
            "persistence_rmse": persistence_rmse,
            "typical_step_change": typical_step,
        },
    )


def check_regularization_share(evidence: Evidence) -> Check:
    share = float(evidence.penalty / evidence.train_loss_inference) if evidence.train_loss_inference > 0 else 0.0
    verdict = _verdict(share > 0.5, share > 0.1)
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
        "dvc exp run -S l2=0 -S l2_bias=0" if verdict != OK else "",
        {"penalty": evidence.penalty, "loss": evidence.train_loss_inference, "weight_norms": evidence.weight_norms},
    )


def check_valid_below_train(evidence: Evidence) -> Check:
    logged_train, logged_valid = evidence.history["train/loss"][-1], evidence.history["valid/loss"][-1]
    ratio = float(evidence.valid_mse_inference / evidence.train_mse_inference)
    below_logged = logged_valid < logged_train
    explained = ratio >= 0.9  # in inference mode the gap closes: dropout / penalty made training look worse
    verdict = _verdict(False, below_logged and not explained)
    if not below_logged:
        explanation = "Validation loss is not below training loss."
    elif explained:
        explanation = (
            f"Logged validation loss is below training loss, but with both in inference mode the ratio is {ratio:.2f}: "
            f"dropout ({evidence.dropout}) or the L2 penalty ({evidence.l2}) inflate the training loss, nothing more."
        )
    else:
        explanation = (
            f"Validation error is {ratio:.2f} of training error even in inference mode: the valid block is easier "
            "than the train block, or it leaks."
        )
    return Check(
        "valid_below_train",
        ratio,
        "valid/train MSE in inference mode >= 0.9 when logged valid < train",
        verdict,
        explanation,
        "dvc exp run -S shuffle=train" if verdict != OK else "",
        {
            "logged_train_loss": logged_train,
            "logged_valid_loss": logged_valid,
            "train_mse_inference": evidence.train_mse_inference,
            "valid_mse_inference": evidence.valid_mse_inference,
        },
    )


def check_exploding(evidence: Evidence) -> Check:
    losses = np.asarray(evidence.history["train/loss"], dtype=float)
    non_finite = int(np.sum(~np.isfinite(losses)))
    finite = losses[np.isfinite(losses)]
    spike = float(np.max(finite[1:] / finite[:-1])) if finite.size > 1 else 1.0
    unbounded = sorted({a for a in evidence.activations if a in UNBOUNDED_ACTIVATIONS})
    risky = bool(unbounded) and not evidence.clipnorm
    verdict = _verdict(non_finite > 0 or spike > 10, risky or spike > 2)
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
        "dvc exp run -S clipnorm=1.0 -S activation=tanh" if verdict != OK else "",
        {"non_finite_epochs": non_finite, "unbounded_activations": unbounded, "clipnorm": evidence.clipnorm},
    )


def check_out_of_range(evidence: Evidence) -> Check:
    low, high = float(np.min(evidence.train_targets)), float(np.max(evidence.train_targets))
    outside = float(np.mean((evidence.actual < low) | (evidence.actual > high)))
    shift = stats.ks_2samp(evidence.train_targets, evidence.actual)
    verdict = _verdict(outside > 0.1, outside > 0.01)
    explanation = (
        f"{outside:.1%} of test targets lie outside the train range [{low:.4g}, {high:.4g}]"
        f" (KS distance between train and test targets {shift.statistic:.2f})"
        + ("; a model cannot learn values it never saw." if verdict != OK else ".")
    )
    return Check(
        "out_of_training_range",
        outside,
        "share outside train range <= 1%",
        verdict,
        explanation,
        "dvc exp run -S target=delta -S scaler=standard" if verdict != OK else "",
        {"train_min": low, "train_max": high, "ks_statistic": float(shift.statistic), "ks_pvalue": float(shift.pvalue)},
    )


def check_order_and_seeding(evidence: Evidence) -> Check:
    seeded = evidence.seed_fingerprints[0] == evidence.seed_fingerprints[1]
    verdict = _verdict(not (seeded and evidence.rows_in_time_order))
    parts = []
    if not evidence.rows_in_time_order:
        parts.append("evaluation rows are not in time order")
    if not seeded:
        parts.append("two builds of the model start from different weights: the seed is not set before the model is built")
    explanation = "; ".join(parts) + "." if parts else "Evaluated in time order; the seed fixes the initial weights."
    return Check(
        "order_and_seeding",
        float(seeded and evidence.rows_in_time_order),
        "time order and identical seeded builds",
        verdict,
        explanation,
        "dvc exp run -S seed=42" if verdict != OK else "",
        {"seeded": seeded, "rows_in_time_order": evidence.rows_in_time_order},
    )


CHECKS = (
    check_leakage,
    check_better_than_copying,
    check_mimicry,
    check_collapse,
    check_loss_in_units,
    check_regularization_share,
    check_valid_below_train,
    check_exploding,
    check_out_of_range,
    check_order_and_seeding,
)


def run_checks(evidence: Evidence) -> list[Check]:
    return [check(evidence) for check in CHECKS]


def diagnostics_summary(checks: list[Check]) -> dict:
    """The JSON written as DVC metrics: counts first, then each check by name."""
    return {
        "problems": sum(c.verdict == PROBLEM for c in checks),
        "warnings": sum(c.verdict == WARNING for c in checks),
        "checks": {c.name: c.to_dict() for c in checks},
    }
