"""Print the README's sweep table from DVC's own records of queued experiments.

Params and metrics come from `dvc exp show --json -A`, train time from the line the train
stage prints (`dvc queue logs NAME`). Usage, after `dvc queue start` has finished:

    PYTHONPATH=. python benchmarks/sweep_table.py plain-lstm64 skip-gru32-e100 ...
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator

from honest_forecast.params import as_dict, load_params

TRAIN_LINE = re.compile(r"^train: (\d+) epochs in ([\d.]+) s", re.MULTILINE)


def dvc(*args: str) -> str:
    return subprocess.run(["dvc", *args], check=True, capture_output=True, text=True).stdout


def named_runs(node: object) -> Iterator[dict]:
    """Every experiment record with a name and data, wherever `dvc exp show --json` nests it."""
    if isinstance(node, dict):
        if node.get("name") and isinstance(node.get("data"), dict):
            yield node
        for value in node.values():
            yield from named_runs(value)
    elif isinstance(node, list):
        for value in node:
            yield from named_runs(value)


def differences(params: dict, defaults: dict) -> str:
    """The params of an experiment that differ from the committed params.yaml."""
    changed = []
    for key, default in defaults.items():
        value = params.get(key, default)
        if isinstance(default, list) and not isinstance(value, list):
            value = [value]  # `activation: tanh` means one tanh for every layer
        if value != default:
            changed.append(f"{key}={value}")
    return ", ".join(changed) or "the committed default"


def main(names: list[str]) -> None:
    defaults = as_dict(load_params())
    runs = {run["name"]: run["data"] for run in named_runs(json.loads(dvc("exp", "show", "--json", "-A")))}
    print(
        "| experiment | params changed from params.yaml | valid rel_mae | test rel_mae "
        "| test rel_mae, linear AR on the same inputs | train time |"
    )
    print("|---|---|---|---|---|---|")
    for name in names:
        data = runs[name]
        params = data["params"]["params.yaml"]["data"]
        metrics = data["metrics"]["reports/metrics.json"]["data"]
        match = TRAIN_LINE.search(dvc("queue", "logs", name))
        timing = f"{float(match.group(2)):.0f} s ({match.group(1)} epochs)" if match else "restored from run-cache"
        print(
            f"| {name} | {differences(params, defaults)} | {metrics['valid']['model']['rel_mae']:.4f} | "
            f"{metrics['test']['model']['rel_mae']:.4f} | {metrics['test']['linear_ar']['rel_mae']:.4f} | {timing} |"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
