"""Print the README's sweep table from DVC's own records of queued experiments.

Metrics and params come from `dvc exp show --csv -A`, train time from the line the train
stage prints (`dvc queue logs NAME`). Usage, after `dvc queue start` has finished:

    python benchmarks/sweep_table.py plain-lstm64 skip-lstm32-e100 ...
"""

from __future__ import annotations

import io
import re
import subprocess
import sys

import pandas as pd

SHOWN_PARAMS = (
    "cell",
    "layers",
    "units",
    "target",
    "calendar",
    "covariates",
    "linear_skip",
    "loss",
    "dropout",
    "l2",
    "epochs",
    "patience",
)
TRAIN_LINE = re.compile(r"^train: (\d+) epochs in ([\d.]+) s", re.MULTILINE)


def dvc(*args: str) -> str:
    return subprocess.run(["dvc", *args], check=True, capture_output=True, text=True).stdout


def main(names: list[str]) -> None:
    table = pd.read_csv(io.StringIO(dvc("exp", "show", "--csv", "-A")))
    table = table[table["Experiment"].isin(names)].drop_duplicates("Experiment").set_index("Experiment").loc[names]
    print("| experiment | config | valid rel_mae | test rel_mae | test rel_mae, linear AR on the same inputs | train time |")
    print("|---|---|---|---|---|---|")
    for name, row in table.iterrows():
        config = ", ".join(f"{key}={row[key]}" for key in SHOWN_PARAMS if key in row)
        match = TRAIN_LINE.search(dvc("queue", "logs", name))
        timing = f"{float(match.group(2)):.0f} s ({match.group(1)} epochs)" if match else "restored from run-cache"
        print(
            f"| {name} | {config} | {row['valid.model.rel_mae']:.4f} | {row['test.model.rel_mae']:.4f} | "
            f"{row['test.linear_ar.rel_mae']:.4f} | {timing} |"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
