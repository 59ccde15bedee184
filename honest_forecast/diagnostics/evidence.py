"""What every check reads (:class:`Evidence`) and returns (:class:`Check`), and how a fix is suggested.

Each check is a pure function of numbers the pipeline already has (the windows audit, the
forecasts in original units, the training history, the model's penalty) and returns a
measured value, the threshold, a verdict, one plain sentence and, when something is wrong,
the `dvc exp run -S ...` that addresses it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

from honest_forecast.names import NETWORK
from honest_forecast.params import Params

OK, WARNING, PROBLEM = "ok", "warning", "problem"

SEVERITY = {OK: 0, WARNING: 1, PROBLEM: 2}

# What a check is about: a problem with the network says nothing against a baseline the run recommends.
ABOUT_NETWORK, ABOUT_DATA, ABOUT_PIPELINE = "network", "data", "pipeline"

PREDICTABLE_MARGIN = 0.03  # a method must beat persistence on valid MAE by this share for the series to count as predictable

NEAR_PERSISTENCE = 0.05  # on an unpredictable series, a network this close to persistence's MAE is doing the honest thing

MEASURABLY_BETTER = 0.02  # a method counts against the network only if its test MAE is lower by more than this share


@dataclass(frozen=True)
class Check:
    name: str
    value: float
    threshold: str
    verdict: str
    explanation: str
    suggestion: str = ""
    details: dict = field(default_factory=dict)
    subject: str = ABOUT_NETWORK

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
    selected: str = NETWORK  # the method with the lowest valid MAE
    train_block: np.ndarray | None = None  # the train rows' target values in time order, original units
    valid_persistence_rmse: float | None = None  # persistence's RMSE on the valid block, where the logged loss was measured
    interval_coverage: dict[str, float] = field(default_factory=dict)  # the network's test coverage per level ("95": 0.94)
    every_lead: tuple[np.ndarray, dict[str, np.ndarray]] | None = None  # with horizon > 1: actuals and forecasts, all leads
    train_windows_scored: tuple[int, int] = (0, 0)  # (scored, all): the inference-mode train figures' windows

    def judged(self) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """What comparisons between methods judge: every lead time (``actual``/``forecasts`` hold lead 1 only)."""
        return self.every_lead or (self.actual, self.forecasts)

    def test_mae(self, name: str) -> float:
        actual, forecasts = self.judged()
        return float(np.mean(np.abs(actual - forecasts[name])))

    def best_baseline_on_test(self) -> str:
        return min((name for name in self.forecasts if name != NETWORK), key=self.test_mae)

    def network_is_best_on_test(self) -> bool:
        return self.test_mae(NETWORK) <= self.test_mae(self.best_baseline_on_test())

    def measurably_better_than_network(self) -> list[str]:
        """The methods whose test MAE is more than :data:`MEASURABLY_BETTER` below the network's, best first."""
        bar = (1 - MEASURABLY_BETTER) * self.test_mae(NETWORK)
        return sorted((name for name in self.forecasts if name != NETWORK and self.test_mae(name) < bar), key=self.test_mae)

    def unpredictable(self) -> bool:
        """No method beats persistence on valid by more than a few percent: a random walk at this horizon."""
        if "persistence" not in self.valid_mae:
            return False
        best = min(self.valid_mae.values())
        return best > (1 - PREDICTABLE_MARGIN) * self.valid_mae["persistence"]

    def near_persistence(self) -> bool:
        return self.test_mae(NETWORK) <= (1 + NEAR_PERSISTENCE) * self.test_mae("persistence")


def grade(problem: bool, warning: bool = False) -> str:
    return PROBLEM if problem else WARNING if warning else OK


def network_verdict(evidence: Evidence, problem: bool, warning: bool = False) -> str:
    """A check about the network: nothing while no method does measurably better on test, and never a problem
    for the network the report recommends (a warning then says the choice on valid did not hold on test)."""
    if not evidence.measurably_better_than_network():
        return OK
    if evidence.selected == NETWORK:
        return WARNING if problem or warning else OK
    return grade(problem, warning)


def nothing_measurably_better(evidence: Evidence) -> str:
    best = evidence.best_baseline_on_test()
    change = evidence.test_mae(best) / evidence.test_mae(NETWORK) - 1
    return (
        f" No method does measurably better on test (the best baseline, {best}, has a test MAE {change:+.1%} from the"
        f" model's; a method must be more than {MEASURABLY_BETTER:.0%} lower to count), so this is what the best"
        " forecast of this series looks like, not a fault."
    )


def setting_text(value: object) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (tuple, list)):
        return "[" + ",".join(map(str, value)) + "]"
    return str(value)


def suggest(params: Params, **changes: object) -> str:
    """The `dvc exp run -S ...` for the changes that differ from the effective params; '' if none do."""
    settings = [f"-S {key}={setting_text(value)}" for key, value in changes.items() if _differs(getattr(params, key), value)]
    return "dvc exp run " + " ".join(settings) if settings else ""


def _differs(current: object, wanted: object) -> bool:
    if isinstance(current, tuple):
        wanted = tuple(wanted) if isinstance(wanted, (list, tuple)) else (wanted,)
        return set(current) != set(wanted) if len(set(wanted)) == 1 else current != wanted
    if isinstance(current, float) and isinstance(wanted, (int, float)):
        return not np.isclose(current, wanted)
    return current != wanted


def nothing_in_params(evidence: Evidence) -> str:
    said = " Nothing in params.yaml addresses this on top of the current settings"
    if evidence.selected == NETWORK:
        better = evidence.measurably_better_than_network()
        return said + (f"; on test, {better[0]} did measurably better than the model chosen on valid." if better else ".")
    return said + f": use {evidence.selected} (lowest valid MAE)."
