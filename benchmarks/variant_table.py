"""The network variants side by side on valid (and test), from series_suite.py's JSON of each variant.

Usage, after one suite run per variant (the first is the reference the others are compared with):

    python benchmarks/variant_table.py ridge=benchmarks/series_suite.json \\
        stacked=/tmp/suite_stacked.json best=/tmp/suite_best.json

Prints a markdown table: per series, each variant's network valid rel_mae (its test rel_mae in
brackets), then the geometric mean of each variant's valid MAE relative to the first variant's
and on how many series it is lower.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path


def network(run: dict, block: str) -> float:
    return float(run[block]["model"]["rel_mae"])


def main(pairs: list[str]) -> None:
    variants = {}
    for pair in pairs:
        name, _, path = pair.partition("=")
        runs = json.loads(Path(path).read_text())["series"]
        variants[name] = {run["name"]: run for run in runs if run["status"] == "ok"}
    names = list(variants)
    series = [name for name in variants[names[0]] if all(name in runs for runs in variants.values())]
    print("| series | " + " | ".join(names) + " | best baseline on valid |")
    print("|---|" + "---|" * (len(names) + 1))
    for name in series:
        cells = [f"{network(v[name], 'valid'):.3f} ({network(v[name], 'test'):.3f})" for v in variants.values()]
        valid = variants[names[0]][name]["valid"]
        baselines = {key: value["rel_mae"] for key, value in valid.items() if isinstance(value, dict) and key != "model"}
        best = min(baselines, key=baselines.get)
        print(f"| {name} | " + " | ".join(cells) + f" | {best} {baselines[best]:.3f} |")
    reference = variants[names[0]]
    for variant in names[1:]:
        ratios = [network(variants[variant][name], "valid") / network(reference[name], "valid") for name in series]
        mean = math.exp(sum(map(math.log, ratios)) / len(ratios))
        lower = sum(ratio < 1 for ratio in ratios)
        print(f"\n{variant}: valid MAE {mean:.3f}× {names[0]}'s (geometric mean), lower on {lower} of {len(series)}")


if __name__ == "__main__":
    main(sys.argv[1:])
