"""The bundled series forecast a day ahead, and with covariates known in advance: what its intervals and stand-ins measure.

Two runs of `dvc repro`, each in a fresh clone of the committed HEAD:

- ``day_ahead``: ``horizon: 48``, every other param as committed. Reports the recommended method's
  test coverage of its intervals (calibrated on valid), overall and at each of the 48 leads.
- ``known``: the bundled CSV with its last day's demand left empty (those 48 rows keep their
  ``workday`` and ``temperature_c``: the rows ahead), ``known_covariates: [workday, temperature_c]``,
  ``known_covariates_forecast: [temperature_c]``, ``covariates: []``, ``horizon: 48``. Reports both
  backtest variants and the forecast of the held-out day (one day: an anecdote, not a score).

Usage: python benchmarks/forecast_checks.py [--out benchmarks/forecast_checks.md] [--json ...] [--keep DIR]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.prefix) / "bin"
DATA = "data/raw/elecdemand_vic_2014.csv"
HORIZON = 48
KNOWN = {
    "covariates": [],
    "known_covariates": ["workday", "temperature_c"],
    "known_covariates_forecast": ["temperature_c"],
    "horizon": HORIZON,
}


def git(repo: Path, *args: str) -> str:
    command = ["git", "-c", "user.name=checks", "-c", "user.email=checks@example.com", *args]
    return subprocess.run(command, cwd=repo, check=True, capture_output=True, text=True).stdout


def last_day_ahead(repo: Path) -> list[float]:
    """Empty the demand of the file's last HORIZON rows (they become the rows ahead); return the values taken out."""
    path = repo / DATA
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    held_out = []
    for at in range(len(lines) - HORIZON, len(lines)):
        time_text, demand, rest = lines[at].split(",", 2)
        held_out.append(float(demand))
        lines[at] = f"{time_text},,{rest}"
    path.write_text("".join(lines), encoding="utf-8")
    return held_out


def run(name: str, changed: dict, work: Path) -> dict:
    repo = work / name
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(repo)], check=True, capture_output=True)
    held_out = last_day_ahead(repo) if name == "known" else None
    params_file = repo / "params.yaml"
    params_file.write_text(yaml.safe_dump({**yaml.safe_load(params_file.read_text()), **changed}, sort_keys=False))
    git(repo, "commit", "-qam", f"forecast checks: {name}")
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}", "DVC_NO_ANALYTICS": "1"}
    started = time.perf_counter()
    result = subprocess.run([str(BIN / "dvc"), "repro"], cwd=repo, env=env, capture_output=True, text=True)
    wall_s = time.perf_counter() - started
    (work / f"{name}.log").write_text(result.stdout + result.stderr)
    if result.returncode:
        raise SystemExit(f"{name}: dvc repro failed, see {work / name}.log")
    metrics = json.loads((repo / "reports/metrics.json").read_text())
    about = json.loads((repo / "reports/forecast.json").read_text())
    with (repo / "reports/leads.csv").open() as table:
        leads = list(csv.DictReader(table))
    with (repo / "reports/forecast.csv").open() as table:
        forecast = [row for row in csv.DictReader(table) if row["method"] == about["recommended"]]
    method = about["recommended"]
    record = {
        "name": name,
        "params": changed,
        "wall_s": wall_s,
        "recommended": method,
        "test_rel_mae": metrics["test"][method]["rel_mae"],
        "coverage": {key: stats["coverage"] for key, stats in metrics["intervals"][method].items()},
        "coverage_by_lead": {
            key: [float(row[f"{method}_coverage_{key}"]) for row in leads] for key in metrics["intervals"][method]
        },
        "origin": about["origin"],
        "first_leads": [float(row["point"]) for row in forecast[:3]],
        "forecast_intervals": about["intervals"]["backtest_coverage"][method],
    }
    if "known_covariates" in metrics:
        record["known_covariates"] = metrics["known_covariates"]
    if held_out is not None:
        points = [float(row["point"]) for row in forecast]
        record["held_out_day_mae"] = sum(abs(a - b) for a, b in zip(held_out, points, strict=True)) / HORIZON
        record["backtest_mae"] = metrics["test"][method]["mae"]
    return record


def coverage_text(key: str, stats: dict) -> str:
    capped = stats["leads_capped_at_the_largest_error"]
    note = f"; {len(capped)} lead(s) capped at the largest error seen" if capped else ""
    return f"{stats['test']:.1%} at {key} % (per lead {stats['lowest_lead']:.1%} to {stats['highest_lead']:.1%}{note})"


def markdown(runs: list[dict], commit: str) -> str:
    lines = ["# Forecast checks", "", f"`python benchmarks/forecast_checks.py` at commit {commit}.", ""]
    for record in runs:
        cover = record["coverage"]
        by_lead = record["coverage_by_lead"]
        lines += [
            f"## {record['name']}: {', '.join(f'{k}={v}' for k, v in record['params'].items())}",
            "",
            f"- Recommended (chosen on valid): {record['recommended']}, test rel_mae {record['test_rel_mae']:.3f}; "
            f"`dvc repro` {record['wall_s']:.0f} s.",
            f"- Test coverage of static split-conformal intervals calibrated on valid: {cover['80']:.1%} at 80 %, "
            f"{cover['95']:.1%} at 95 %; "
            f"per lead {min(by_lead['80']):.1%} to {max(by_lead['80']):.1%} (80 %) and "
            f"{min(by_lead['95']):.1%} to {max(by_lead['95']):.1%} (95 %).",
            "- The forecast's own intervals (adaptive conformal, each backtest interval from the errors known at its "
            "origin), test coverage: "
            + ", ".join(coverage_text(key, stats) for key, stats in record["forecast_intervals"].items())
            + ".",
            f"- Forecast as of {record['origin']}, first leads: {', '.join(f'{v:.4g}' for v in record['first_leads'])}.",
        ]
        known = record.get("known_covariates")
        if known:
            with_actual, rise = known["with_actual_values"]["test"], known["mae_rise"]["test"]
            for name, change in rise.items():
                lines.append(
                    f"- {name}: test MAE {with_actual[name]['mae']:.4g} with the actual {', '.join(known['forecast_only'])}, "
                    f"{change:+.1%} with its stand-in (the figure the report uses)."
                )
        if "held_out_day_mae" in record:
            lines.append(
                f"- The held-out last day, forecast from the rows ahead: MAE {record['held_out_day_mae']:.4g} "
                f"(the backtest's test MAE: {record['backtest_mae']:.4g}; one day, an anecdote)."
            )
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks/forecast_checks.md")
    parser.add_argument("--json", type=Path, default=ROOT / "benchmarks/forecast_checks.json")
    parser.add_argument("--keep", type=Path, metavar="DIR", help="keep the clones and logs in DIR")
    args = parser.parse_args()
    commit = git(ROOT, "rev-parse", "--short", "HEAD").strip()
    scratch = None if args.keep else tempfile.TemporaryDirectory(prefix="forecast_checks_")
    work = args.keep.resolve() if args.keep else Path(scratch.name)
    work.mkdir(parents=True, exist_ok=True)
    try:
        runs = []
        for name, changed in (("day_ahead", {"horizon": HORIZON}), ("known", KNOWN)):
            print(f"{name}: dvc repro ...", flush=True)
            runs.append(run(name, changed, work))
            args.out.write_text(markdown(runs, commit))
            args.json.write_text(json.dumps({"commit": commit, "runs": runs}, indent=2) + "\n")
    finally:
        if scratch is not None:
            scratch.cleanup()
    print(args.out.read_text())


if __name__ == "__main__":
    main()
