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

from stages.params import UNBOUNDED_ACTIVATIONS, Params

OK, WARNING, PROBLEM = "ok", "warning", "problem"
SEVERITY = {OK: 0, WARNING: 1, PROBLEM: 2}
MIMICRY_LAGS = range(-3, 4)
# What a check is about: a problem with the network says nothing against a baseline the run recommends.
NETWORK, DATA, PIPELINE = "network", "data", "pipeline"
PREDICTABLE_MARGIN = 0.03  # a method must beat persistence on valid MAE by this share for the series to count as predictable
NEAR_PERSISTENCE = 0.05  # on an unpredictable series, a network this close to persistence's MAE is doing the honest thing
LJUNG_BOX_LAGS = 10
COVERAGE_TOLERANCE = 0.03  # an interval's test coverage may miss its level by this much before it is flagged


@dataclass(frozen=True)
class Check:
    name: str
    value: float
    threshold: str
    verdict: str
    explanation: str
    suggestion: str = ""
    details: dict = field(default_factory=dict)
    subject: str = NETWORK

    def to_dict(self) -> dict:
        data = asdict(self)
        data.pop("name")
        data["severity"] = SEVERITY[self.verdict]  # numeric, so `dvc metrics diff` shows a change of verdict
        return data


@dataclass(frozen=True)
class Evidence:
    """Everything the checks read, gathered once by the evaluate stage (or planted by a test)."""

    audit_checks: dict  # data/windows/<fold>/audit.json "checks"
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
    params: Params = field(default_factory=Params)  # the effective params: suggestions never repeat them
    valid_mae: dict[str, float] = field(default_factory=dict)  # every method's valid MAE (empty: unknown)
    selected: str = "model"  # the method with the lowest valid MAE
    train_block: np.ndarray | None = None  # the train rows' target values in time order, original units
    valid_persistence_rmse: float | None = None  # persistence's RMSE on the valid block, where the logged loss was measured
    interval_coverage: dict[str, float] = field(default_factory=dict)  # the network's test coverage per level ("95": 0.94)
    every_lead: tuple[np.ndarray, dict[str, np.ndarray]] | None = None  # with horizon > 1: actuals and forecasts, all leads

    def judged(self) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """What comparisons between methods judge: every lead time (``actual``/``forecasts`` hold lead 1 only)."""
        return self.every_lead or (self.actual, self.forecasts)

    def test_mae(self, name: str) -> float:
        actual, forecasts = self.judged()
        return float(np.mean(np.abs(actual - forecasts[name])))

    def best_baseline_on_test(self) -> str:
        return min((name for name in self.forecasts if name != "model"), key=self.test_mae)

    def network_is_best_on_test(self) -> bool:
        return self.test_mae("model") <= self.test_mae(self.best_baseline_on_test())

    def unpredictable(self) -> bool:
        """No method beats persistence on valid by more than a few percent: a random walk at this horizon."""
        if "persistence" not in self.valid_mae:
            return False
        best = min(self.valid_mae.values())
        return best > (1 - PREDICTABLE_MARGIN) * self.valid_mae["persistence"]

    def near_persistence(self) -> bool:
        return self.test_mae("model") <= (1 + NEAR_PERSISTENCE) * self.test_mae("persistence")


def _verdict(problem: bool, warning: bool = False) -> str:
    return PROBLEM if problem else WARNING if warning else OK


def _setting(value: object) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (tuple, list)):
        return "[" + ",".join(map(str, value)) + "]"
    return str(value)


def suggest(params: Params, **changes: object) -> str:
    """The `dvc exp run -S ...` for the changes that differ from the effective params; '' if none do."""
    settings = [f"-S {key}={_setting(value)}" for key, value in changes.items() if _differs(getattr(params, key), value)]
    return "dvc exp run " + " ".join(settings) if settings else ""


def _differs(current: object, wanted: object) -> bool:
    if isinstance(current, tuple):
        wanted = tuple(wanted) if isinstance(wanted, (list, tuple)) else (wanted,)
        return set(current) != set(wanted) if len(set(wanted)) == 1 else current != wanted
    if isinstance(current, float) and isinstance(wanted, (int, float)):
        return not np.isclose(current, wanted)
    return current != wanted


def _nothing_in_params(evidence: Evidence) -> str:
    use = evidence.selected if evidence.selected != "model" else "the selected method"
    return f" Nothing in params.yaml addresses this on top of the current settings: use {use} (lowest valid MAE)."


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
        suggest(evidence.params, shuffle="train", scaler_fit="train") if verdict != OK else "",
        {
            "valid_windows_shared": checks["valid_windows_with_targets_seen_in_training"],
            "test_windows_shared": checks["test_windows_with_targets_seen_in_training"],
            "scaler_fit_outside_train": scaler_leak,
        },
        PIPELINE,
    )


def skill(actual: np.ndarray, forecast: np.ndarray, reference: np.ndarray) -> float:
    """1 - MSE(forecast) / MSE(reference): above 0 beats the reference."""
    return float(1 - np.mean((actual - forecast) ** 2) / np.mean((actual - reference) ** 2))


def check_better_than_copying(evidence: Evidence) -> Check:
    """The network against persistence and against the best baseline on test, in original units."""
    actual, forecasts = evidence.judged()
    best = evidence.best_baseline_on_test()
    skills = {name: skill(actual, forecasts["model"], forecasts[name]) for name in dict.fromkeys(["persistence", best])}
    versus_persistence = skills["persistence"]
    weaker = [name for name, value in skills.items() if value <= 0]
    # On a random walk the last value is the honest forecast: matching it closely is not a fault.
    excused = evidence.unpredictable() and evidence.near_persistence()
    verdict = _verdict(versus_persistence <= 0 and not excused, bool(weaker))
    suggestion = suggest(evidence.params, linear_skip=True, target="delta", shuffle="train") if verdict != OK else ""
    if verdict == OK:
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
            )
        )
        if not suggestion:
            explanation += _nothing_in_params(evidence)
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
    model, actual, last = evidence.forecasts["model"], evidence.actual, evidence.last_input
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
    verdict = OK if excused else _verdict(lag < 0 and ratio < 1, lag < 0)
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
    else:
        explanation = (
            f"Forecasts are {'closer to the previous value than to the truth' if ratio < 1 else 'best aligned one step late'} "
            f"(best lag {lag}): the model mostly repeats the last input, shifted by a step."
        ) + ("" if suggestion else _nothing_in_params(evidence))
    return Check(
        "persistence_mimicry",
        ratio,
        "MSE(ŷ_t, y_t-1) / MSE(ŷ_t, y_t) >= 1 and best lag >= 0, unless no method does better",
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
    std_ratio = float(np.std(forecasts["model"]) / np.std(actual))
    loss_ratio = float(evidence.train_mse_inference / np.var(evidence.scaled_train_targets))
    excused = evidence.network_is_best_on_test()
    verdict = OK if excused else _verdict(std_ratio < 0.8, std_ratio < 0.9)
    suggestion = suggest(evidence.params, l2=0.0, l2_bias=0.0, dropout=0.0) if verdict != OK else ""
    if std_ratio >= 0.9:
        explanation = f"Forecasts vary as much as the series (std ratio {std_ratio:.2f}, original units)."
    elif excused:
        explanation = f"Forecasts vary {std_ratio:.0%} as much as the series, yet the model beats every baseline on test."
    else:
        explanation = (
            f"Forecasts vary {std_ratio:.0%} as much as the series (original units, test) and "
            f"{evidence.best_baseline_on_test()} does better: the model leans on the mean and only gets the range right."
        ) + ("" if suggestion else _nothing_in_params(evidence))
    return Check(
        "collapse_to_mean",
        std_ratio,
        "std(ŷ)/std(y) >= 0.9 in original units, unless the model beats every baseline",
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
    test_rmse = float(np.sqrt(np.mean((actual - forecasts["model"]) ** 2)))
    persistence_rmse = float(np.sqrt(np.mean((actual - forecasts["persistence"]) ** 2)))
    typical_step = float(np.mean(np.abs(np.diff(evidence.actual))))
    # Compared on the block the loss was measured on: a test block on another scale would flatter or wrong it.
    reference = evidence.valid_persistence_rmse or persistence_rmse
    ratio = seen_rmse / reference
    excused = evidence.unpredictable() and ratio <= 1 + NEAR_PERSISTENCE
    verdict = _verdict(ratio >= 1 and not excused, ratio >= 1)
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
        ) + ("" if suggestion else _nothing_in_params(evidence))
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
        suggest(evidence.params, l2=0.0, l2_bias=0.0, l2_recurrent=0.0) if verdict != OK else "",
        {"penalty": evidence.penalty, "loss": evidence.train_loss_inference, "weight_norms": evidence.weight_norms},
    )


def check_valid_below_train(evidence: Evidence) -> Check:
    logged_train, logged_valid = evidence.history["train/loss"][-1], evidence.history["valid/loss"][-1]
    ratio = float(evidence.valid_mse_inference / evidence.train_mse_inference)
    below_logged = logged_valid < logged_train
    explained = ratio >= 0.9  # in inference mode the gap closes: dropout / penalty made training look worse
    verdict = _verdict(False, below_logged and not explained)
    suggestion = suggest(evidence.params, shuffle="train") if verdict != OK else ""
    if not below_logged:
        explanation = "Validation loss is not below training loss."
    elif explained:
        explanation = (
            f"Logged validation loss is below training loss, but with both in inference mode the ratio is {ratio:.2f}: "
            f"dropout ({evidence.dropout}) or the L2 penalty ({evidence.l2}) inflate the training loss, nothing more."
        )
    else:
        explanation = f"Validation error is {ratio:.2f} of training error even in inference mode: the valid block is easier " + (
            "than the train block, or it leaks."
            if suggestion
            else "than the train block (the split is chronological and leak-free)."
        )
    return Check(
        "valid_below_train",
        ratio,
        "valid/train MSE in inference mode >= 0.9 when logged valid < train",
        verdict,
        explanation,
        suggestion,
        {
            "logged_train_loss": logged_train,
            "logged_valid_loss": logged_valid,
            "train_mse_inference": evidence.train_mse_inference,
            "valid_mse_inference": evidence.valid_mse_inference,
        },
        DATA,
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
        suggest(evidence.params, clipnorm=1.0, activation="tanh") if verdict != OK else "",
        {"non_finite_epochs": non_finite, "unbounded_activations": unbounded, "clipnorm": evidence.clipnorm},
    )


def check_out_of_range(evidence: Evidence) -> Check:
    low, high = float(np.min(evidence.train_targets)), float(np.max(evidence.train_targets))
    outside = float(np.mean((evidence.actual < low) | (evidence.actual > high)))
    shift = stats.ks_2samp(evidence.train_targets, evidence.actual)
    # A network that forecasts changes (target delta) can follow a level it never saw; one forecasting levels cannot.
    levels = evidence.params.target == "level"
    verdict = _verdict(outside > 0.1 and levels, outside > 0.01)
    suggestion = suggest(evidence.params, target="delta") if verdict != OK else ""
    explanation = (
        f"{outside:.1%} of test targets lie outside the train range [{low:.4g}, {high:.4g}]"
        f" (KS distance between train and test targets {shift.statistic:.2f})"
    )
    if verdict == OK:
        explanation += "."
    elif levels:
        explanation += "; a model that forecasts levels cannot learn values it never saw."
    else:
        explanation += (
            "; the network forecasts changes from the last value, so it can follow, but the test block is a "
            "regime the training data did not show: read its scores with that in mind."
        )
    return Check(
        "out_of_training_range",
        outside,
        "share outside train range <= 1% (problem > 10% when forecasting levels)",
        verdict,
        explanation,
        suggestion,
        {"train_min": low, "train_max": high, "ks_statistic": float(shift.statistic), "ks_pvalue": float(shift.pvalue)},
        DATA,
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
        "",  # the seed is set before every build; a mismatch means the backend is not deterministic, not a param
        {"seeded": seeded, "rows_in_time_order": evidence.rows_in_time_order},
        PIPELINE,
    )


def ljung_box(values: np.ndarray, lags: int = LJUNG_BOX_LAGS) -> tuple[float, float]:
    """Ljung-Box Q statistic and p-value: are these values autocorrelated (predictable from their past)?"""
    centred = values - values.mean()
    denominator = float(np.sum(centred**2))
    n = len(values)
    lags = min(lags, n - 1)
    if denominator == 0 or lags < 1:
        return 0.0, 1.0
    autocorrelations = np.array([np.sum(centred[k:] * centred[:-k]) / denominator for k in range(1, lags + 1)])
    q = float(n * (n + 2) * np.sum(autocorrelations**2 / (n - np.arange(1, lags + 1))))
    return q, float(stats.chi2.sf(q, lags))


def check_predictability(evidence: Evidence) -> Check:
    """Is there anything to forecast beyond the last value? Judged on valid, and on the train block's changes."""
    changes = np.diff(evidence.train_block) if evidence.train_block is not None else np.zeros(0)
    q, p_value = ljung_box(changes[np.isfinite(changes)]) if changes.size > 2 else (0.0, 1.0)
    persistence = evidence.valid_mae.get("persistence")
    best = min(evidence.valid_mae, key=evidence.valid_mae.__getitem__) if evidence.valid_mae else "persistence"
    gain = 1 - evidence.valid_mae[best] / persistence if persistence else 0.0
    unpredictable = evidence.unpredictable()
    verdict = _verdict(False, unpredictable)
    if unpredictable:
        explanation = (
            f"No method beats persistence on valid by more than {PREDICTABLE_MARGIN:.0%} (best: {best}, {gain:+.1%}); "
            f"the train block's changes are {'not ' if p_value >= 0.05 else ''}autocorrelated (Ljung–Box p = {p_value:.3g}). "
            "This series behaves like a random walk at this horizon, and the honest forecast is the last value; "
            "no param changes that."
        )
    else:
        explanation = (
            f"{best} beats persistence on valid by {gain:.1%}; Ljung–Box on the train block's changes: p = {p_value:.3g}."
        )
    return Check(
        "predictability",
        gain,
        f"the best method beats persistence on valid MAE by > {PREDICTABLE_MARGIN:.0%}",
        verdict,
        explanation,
        "",
        {"best_on_valid": best, "ljung_box_q": q, "ljung_box_pvalue": p_value, "lags": LJUNG_BOX_LAGS},
        DATA,
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
        _verdict(False, missed),
        explanation,
        details={"coverage": evidence.interval_coverage},
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
    check_predictability,
    check_interval_coverage,
)


def run_checks(evidence: Evidence) -> list[Check]:
    return [check(evidence) for check in CHECKS]


def concerns(check: Check, selected: str) -> bool:
    """Whether a check speaks to the selected method: network checks only when the network is selected."""
    return check.subject != NETWORK or selected == "model"


def diagnostics_summary(checks: list[Check], selected: str = "model") -> dict:
    """The JSON written as DVC metrics: counts first (also those that concern the selected method), then each check."""
    return {
        "problems": sum(c.verdict == PROBLEM for c in checks),
        "warnings": sum(c.verdict == WARNING for c in checks),
        "problems_for_selected": sum(c.verdict == PROBLEM and concerns(c, selected) for c in checks),
        "checks": {c.name: c.to_dict() for c in checks},
    }
