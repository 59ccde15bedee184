"""Benchmark: every stage on long synthetic series, wall time and peak RSS per stage.

For each length it writes a half-hourly series (a daily and a weekly cycle plus AR(1) noise,
generated here, never committed) as a CSV into a scratch copy of the pipeline, runs the stages
in dvc.yaml's order as `dvc repro` would (fold 1, default params except the data file and a
training of ``--steps`` batches in one epoch), and records each stage's wall time and peak
resident memory (the stage process's own ru_maxrss, from wait4). Usage, from the repo root:

    python benchmarks/long_series.py --points 1000000 3000000 10000000 --out benchmarks/long_series
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import scipy.signal
import yaml

ROOT = Path(__file__).resolve().parents[1]
STAGES = ("ingest", "statistical", "windows", "train", "evaluate", "pool", "forecast", "report")
PER_FOLD = {"statistical", "windows", "train", "evaluate"}
CSV_ROWS = 1_000_000  # rows formatted and written at once
# The targets at 10M points (GB of peak RSS); the other stages have none.
TARGET_GB = {"ingest": 1.0, "windows": 1.0, "train": 2.0, "evaluate": 2.0}
TARGET_WINDOWS_OUTPUT_GB = 0.5


def write_series(path: Path, points: int, seed: int = 0) -> None:
    """Half-hourly demand-like values: daily and weekly cycles, a slow trend and AR(1) noise.

    Half-hourly like the bundled series, so the stages run with the same defaults (season 48,
    MSTL periods 48 and 336, the 48 slots of the day).
    """
    rng = np.random.default_rng(seed)
    start = np.datetime64("1680-01-01T00:00")  # 10M half-hours span 570 years: inside pandas' nanosecond range
    with path.open("w", encoding="utf-8") as handle:
        handle.write("timestamp,value\n")
        state = np.zeros(1)
        for lo in range(0, points, CSV_ROWS):
            step = np.arange(lo, min(lo + CSV_ROWS, points))
            ar, state = scipy.signal.lfilter([1.0], [1.0, -0.8], rng.normal(scale=0.1, size=len(step)), zi=state)
            value = 5 + np.sin(2 * np.pi * step / 48) + 0.5 * np.sin(2 * np.pi * step / 336) + step / points + ar
            stamps = np.datetime_as_string(start + step.astype("timedelta64[m]") * 30, unit="s")
            lines = np.char.add(np.char.add(stamps, ","), np.char.mod("%.4f", value))
            handle.write("\n".join(lines.tolist()) + "\n")


def scratch_pipeline(work: Path, csv: Path, steps: int) -> None:
    """The stages and params of this checkout in ``work``, reading ``csv``, training ``steps`` batches."""
    for code in ("stages", "honest_forecast"):
        shutil.copytree(ROOT / code, work / code)
    for name in (".dvc/plots", "plots"):
        if (ROOT / name).exists():
            shutil.copytree(ROOT / name, work / name)
    params = yaml.safe_load((ROOT / "params.yaml").read_text())
    params.update(data_path=str(csv), target_column="value", covariates=[], epochs=1, steps_per_epoch=steps)
    (work / "params.yaml").write_text(yaml.safe_dump(params))
    # dvclive needs a git repo with a commit, as in a real checkout
    subprocess.run(["git", "init", "-q"], cwd=work, check=True)
    subprocess.run(
        ["git", "-c", "user.name=b", "-c", "user.email=b@b", "commit", "-q", "--allow-empty", "-m", "b"], cwd=work, check=True
    )


# Linux keeps a process's peak RSS across fork and exec, so a stage forked straight from this
# (large) process would report at least this process's size. A bare interpreter forks it instead.
LAUNCHER = """
import os, sys
pid = os.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
_, status, usage = os.wait4(pid, 0)
print(usage.ru_maxrss, file=sys.stderr)
sys.exit(os.waitstatus_to_exitcode(status))
"""


def run_stage(work: Path, stage: str) -> tuple[float, float]:
    """Wall seconds and peak RSS (GB) of one stage process, run as `dvc repro` would run it (fold 1)."""
    command = [sys.executable, "-m", f"stages.{stage}", *(["--fold", "1"] if stage in PER_FOLD else [])]
    log = work / f"{stage}.log"
    started = time.perf_counter()
    with log.open("w") as out:
        done = subprocess.run(
            [sys.executable, "-S", "-c", LAUNCHER, *command],
            cwd=work,
            stdout=out,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(work)},
        )
    seconds = time.perf_counter() - started
    *messages, peak_kib = done.stderr.strip().splitlines() or [""]
    if done.returncode:
        raise SystemExit(f"error: stage {stage} failed ({log}):\n" + "\n".join(messages[-20:]))
    return seconds, int(peak_kib) / 2**20  # ru_maxrss is in KiB on Linux


def measure(points: int, steps: int) -> dict:
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        csv = work / "data" / "raw" / "long.csv"
        csv.parent.mkdir(parents=True)
        write_series(csv, points)
        scratch_pipeline(work, csv, steps)
        stages = {}
        for stage in STAGES:
            seconds, peak = run_stage(work, stage)
            stages[stage] = {"seconds": round(seconds, 1), "peak_rss_gb": round(peak, 3)}
            print(f"{points:>10,} points  {stage:<11} {seconds:7.1f} s  {peak:6.2f} GB", flush=True)
        windows_output = sum(f.stat().st_size for f in (work / "data" / "windows" / "1").iterdir())
        return {
            "points": points,
            "csv_gb": round(csv.stat().st_size / 2**30, 3),
            "windows_output_gb": round(windows_output / 2**30, 3),
            "stages": stages,
        }


def table(results: list[dict]) -> str:
    """Markdown: per stage and length, seconds (per million points) and peak RSS; the marginal cost; the targets."""
    first, last = results[0], results[-1]
    span = (last["points"] - first["points"]) / 1e6
    lines = [
        "| stage | "
        + " | ".join(f"{r['points'] / 1e6:g}M: s (s/M) | GB" for r in results)
        + " | marginal s/M | target at the largest |",
        "|---|" + "---|---|" * len(results) + "---|---|",
    ]
    for stage in STAGES:
        cells = []
        for r in results:
            measured = r["stages"][stage]
            cells.append(f"{measured['seconds']:.1f} ({measured['seconds'] / (r['points'] / 1e6):.1f})")
            cells.append(f"{measured['peak_rss_gb']:.2f}")
        marginal = (last["stages"][stage]["seconds"] - first["stages"][stage]["seconds"]) / span if span else float("nan")
        bound = TARGET_GB.get(stage)
        verdict = f"< {bound:g} GB: {'met' if last['stages'][stage]['peak_rss_gb'] < bound else 'MISSED'}" if bound else ""
        lines.append(f"| {stage} | " + " | ".join(cells) + f" | {marginal:.1f} | {verdict} |")
    outputs = ", ".join(f"{r['points'] / 1e6:g}M: {r['windows_output_gb']:.3f} GB" for r in results)
    met = "met" if last["windows_output_gb"] < TARGET_WINDOWS_OUTPUT_GB else "MISSED"
    lines += ["", f"windows outputs: {outputs} (target < {TARGET_WINDOWS_OUTPUT_GB:g} GB at the largest: {met})"]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, nargs="+", default=[1_000_000, 3_000_000, 10_000_000])
    parser.add_argument("--steps", type=int, default=20, help="training batches (one epoch)")
    parser.add_argument("--out", type=Path, help="write OUT.json and OUT.md")
    parser.add_argument("--table", type=Path, metavar="JSON", help="only print the table of an earlier run's OUT.json")
    args = parser.parse_args()
    if args.table:
        print(table(json.loads(args.table.read_text())["results"]))
        return
    results = [measure(points, args.steps) for points in sorted(args.points)]
    text = table(results)
    print(text)
    if args.out:
        args.out.with_suffix(".json").write_text(json.dumps({"steps": args.steps, "results": results}, indent=2) + "\n")
        args.out.with_suffix(".md").write_text(text + "\n")


if __name__ == "__main__":
    main()
