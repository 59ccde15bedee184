"""Checks about the data: whether valid is easier than train, test values outside train's range, predictability."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy import stats

from honest_forecast.diagnostics.evidence import ABOUT_DATA, OK, PREDICTABLE_MARGIN, Check, Evidence, grade, suggest

LJUNG_BOX_LAGS = 10


def check_valid_below_train(evidence: Evidence) -> Check:
    logged_train, logged_valid = evidence.history["train/loss"][-1], evidence.history["valid/loss"][-1]
    ratio = float(evidence.valid_mse_inference / evidence.train_mse_inference)
    below_logged = logged_valid < logged_train
    explained = ratio >= 0.9  # in inference mode the gap closes: dropout / penalty made training look worse
    verdict = grade(False, below_logged and not explained)
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
    details = {
        "logged_train_loss": logged_train,
        "logged_valid_loss": logged_valid,
        "train_mse_inference": evidence.train_mse_inference,
        "valid_mse_inference": evidence.valid_mse_inference,
    }
    scored, windows = evidence.train_windows_scored
    if scored < windows:
        explanation += f" (The train MSE is that of a seeded sample of {scored:,} of the {windows:,} training windows.)"
        details["train_windows_scored"] = [scored, windows]
    return Check(
        "valid_below_train",
        ratio,
        "valid/train MSE in inference mode >= 0.9 when logged valid < train",
        verdict,
        explanation,
        suggestion,
        details,
        ABOUT_DATA,
    )


KS_EXACT_N = 10_000  # SciPy's ks_2samp computes the exact p-value up to this many values in each sample (method 'auto')
KS_CHUNK = 1 << 20  # values of the pooled sample whose two ECDFs are compared at once


class KsResult(NamedTuple):
    statistic: float
    pvalue: float


def ks_two_sample(first: np.ndarray, second: np.ndarray) -> KsResult:
    """SciPy's two-sided ks_2samp (method 'auto'), its statistic and p-value bit for bit, in bounded memory.

    SciPy holds four arrays as long as both samples together; on a long series (7M train targets)
    that is the evaluate stage's peak. The large-sample branch is redone here a chunk of the pooled
    sample at a time, with the same arithmetic per value; small samples go to SciPy as they are.
    """
    if max(len(first), len(second)) <= KS_EXACT_N:
        exact = stats.ks_2samp(first, second)
        return KsResult(float(exact.statistic), float(exact.pvalue))
    first, second = np.sort(first), np.sort(second)
    low, high = np.inf, -np.inf
    for sample in (first, second):
        for at in range(0, len(sample), KS_CHUNK):
            values = sample[at : at + KS_CHUNK]
            differences = np.searchsorted(first, values, side="right") / len(first)
            differences -= np.searchsorted(second, values, side="right") / len(second)
            low, high = min(low, float(differences.min())), max(high, float(differences.max()))
    below, above = float(np.clip(-low, 0, 1)), high
    statistic = below if below > above else above
    larger, smaller = sorted([float(len(first)), float(len(second))], reverse=True)
    pvalue = float(np.clip(stats.kstwo.sf(statistic, np.round(larger * smaller / (larger + smaller))), 0, 1))
    return KsResult(statistic, pvalue)


def check_out_of_range(evidence: Evidence) -> Check:
    low, high = float(np.min(evidence.train_targets)), float(np.max(evidence.train_targets))
    outside = float(np.mean((evidence.actual < low) | (evidence.actual > high)))
    shift = ks_two_sample(evidence.train_targets, evidence.actual)
    # A network that forecasts changes (target delta) can follow a level it never saw; one forecasting levels cannot.
    levels = evidence.params.target == "level"
    verdict = grade(outside > 0.1 and levels, outside > 0.01)
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
        ABOUT_DATA,
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
    verdict = grade(False, unpredictable)
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
        ABOUT_DATA,
    )
