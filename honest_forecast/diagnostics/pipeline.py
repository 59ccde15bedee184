"""Checks about the pipeline's own setup: leakage between blocks, time order and seeding."""

from __future__ import annotations

from honest_forecast.diagnostics.evidence import ABOUT_PIPELINE, OK, Check, Evidence, grade, suggest


def check_leakage(evidence: Evidence) -> Check:
    checks = evidence.audit_checks
    shared = max(checks["valid_windows_with_targets_seen_in_training"], checks["test_windows_with_targets_seen_in_training"])
    # The fit scope is the leak even when the statistics happen to coincide (min and max inside train).
    scaler_leak = not (checks["scaler_fit_on_train_rows_only"] and checks["scaler_equals_train_rows_statistics"])
    verdict = grade(shared > 0 or scaler_leak)
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
        ABOUT_PIPELINE,
    )


def check_order_and_seeding(evidence: Evidence) -> Check:
    seeded = evidence.seed_fingerprints[0] == evidence.seed_fingerprints[1]
    verdict = grade(not (seeded and evidence.rows_in_time_order))
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
        ABOUT_PIPELINE,
    )
