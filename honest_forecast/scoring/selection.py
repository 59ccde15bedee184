"""Choose on valid, report on test: which method a run recommends, and how far the network is from it."""

from __future__ import annotations

from honest_forecast.names import NETWORK


def methods(block: dict) -> dict[str, dict]:
    """The per-method scores of one block (metrics[block] also holds counts)."""
    return {name: scores for name, scores in block.items() if isinstance(scores, dict)}


def select_method(valid: dict) -> str:
    """The method with the lowest valid MAE; on a tie the one listed first (the network, then simpler baselines)."""
    scored = methods(valid)
    return min(scored, key=lambda name: scored[name]["mae"])


def best_baseline(block: dict) -> str:
    scored = {name: scores for name, scores in methods(block).items() if name != NETWORK}
    return min(scored, key=lambda name: scored[name]["mae"])


def _gap(block: dict, name: str) -> float:
    """How much higher the network's MAE is than ``name``'s (0.08 = 8 % higher; negative = lower)."""
    return block[NETWORK]["mae"] / block[name]["mae"] - 1


def selection_summary(metrics: dict) -> dict:
    """What ``metrics.json`` records under ``selected``: the choice (made on valid only) and its test scores.

    The test block is read only after the choice, so changing test values cannot change it.
    """
    valid, test = metrics["valid"], metrics["test"]
    chosen = select_method(valid)
    rival = best_baseline(valid)
    return {
        "method": chosen,
        "valid": {key: valid[chosen][key] for key in ("mae", "rmse", "rel_mae")},
        "test": {key: test[chosen][key] for key in ("mae", "rmse", "rel_mae")},
        "network_gap": {"valid": _gap(valid, chosen), "test": _gap(test, chosen)},
        "best_baseline": {"valid": rival, "test": best_baseline(test)},
        "network_gap_to_best_baseline": {"valid": _gap(valid, rival), "test": _gap(test, best_baseline(test))},
    }
