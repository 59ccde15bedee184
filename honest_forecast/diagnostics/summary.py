"""Every check run on one fold's evidence, and the counts ``diagnostics.json`` opens with."""

from __future__ import annotations

from honest_forecast.diagnostics import data, network, pipeline
from honest_forecast.diagnostics.evidence import ABOUT_NETWORK, PROBLEM, WARNING, Check, Evidence
from honest_forecast.names import NETWORK

CHECKS = (
    pipeline.check_leakage,
    network.check_better_than_copying,
    network.check_mimicry,
    network.check_collapse,
    network.check_loss_in_units,
    network.check_regularization_share,
    data.check_valid_below_train,
    network.check_exploding,
    data.check_out_of_range,
    pipeline.check_order_and_seeding,
    data.check_predictability,
    network.check_interval_coverage,
)


def run_checks(evidence: Evidence) -> list[Check]:
    return [check(evidence) for check in CHECKS]


def concerns(check: Check, selected: str) -> bool:
    """Whether a check speaks to the selected method: network checks only when the network is selected."""
    return check.subject != ABOUT_NETWORK or selected == NETWORK


def diagnostics_summary(checks: list[Check], selected: str = NETWORK) -> dict:
    """The JSON written as DVC metrics: counts first (also those that concern the selected method), then each check."""
    return {
        "problems": sum(c.verdict == PROBLEM for c in checks),
        "warnings": sum(c.verdict == WARNING for c in checks),
        "problems_for_selected": sum(c.verdict == PROBLEM and concerns(c, selected) for c in checks),
        "checks": {c.name: c.to_dict() for c in checks},
    }
