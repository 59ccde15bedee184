"""Benchmark: ingest of many synthetic series in one long-format file, wall time and peak RSS.

For each count it writes that many half-hourly series of ``--points`` each (id, timestamp, value;
a daily cycle, a level per series and AR(1) noise, generated here, never committed) into a scratch
copy of the pipeline and runs the ingest stage as `dvc repro` would, recording its wall time and
peak resident memory (the stage process's own ru_maxrss, as benchmarks/long_series.py does).
Usage, from the repo root:

    python benchmarks/panel_ingest.py --series 1000 3000 10000 --points 1000 --out benchmarks/panel_ingest
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np
import scipy.signal
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from long_series import TARGET_GB, run_stage, scratch_pipeline

SERIES_PER_WRITE = 500


def write_panel(path: Path, series: int, points: int, seed: int = 0) -> None:
    """``series`` half-hourly series of ``points`` rows each, one after another, ids s00000, s00001, ..."""
    rng = np.random.default_rng(seed)
    start = np.datetime64("2000-01-01T00:00")
    stamps = np.datetime_as_string(start + np.arange(points).astype("timedelta64[m]") * 30, unit="s")
    with path.open("w", encoding="utf-8") as handle:
        handle.write("id,timestamp,value\n")
        for lo in range(0, series, SERIES_PER_WRITE):
            block = []
            for number in range(lo, min(lo + SERIES_PER_WRITE, series)):
                noise = scipy.signal.lfilter([1.0], [1.0, -0.8], rng.normal(scale=0.1, size=points))
                value = rng.uniform(1, 100) * (1 + 0.2 * np.sin(2 * np.pi * np.arange(points) / 48)) + noise
                rows = np.char.add(np.char.add(f"s{number:05d},", stamps), np.char.mod(",%.4f", value))
                block.append("\n".join(rows.tolist()))
            handle.write("\n".join(block) + "\n")


def measure(series: int, points: int) -> dict:
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        csv = work / "data" / "raw" / "panel.csv"
        csv.parent.mkdir(parents=True)
        write_panel(csv, series, points)
        scratch_pipeline(work, csv, steps=1)
        params = yaml.safe_load((work / "params.yaml").read_text())
        params.update(id_column="id")
        (work / "params.yaml").write_text(yaml.safe_dump(params))
        seconds, peak = run_stage(work, "ingest")
        summary = json.loads((work / "data" / "interim" / "summary.json").read_text())
        print(f"{series:>6,} series x {points:,}  ingest {seconds:7.1f} s  {peak:5.2f} GB", flush=True)
        return {
            "series": series,
            "points": points,
            "rows": summary["rows"],
            "csv_gb": round(csv.stat().st_size / 2**30, 3),
            "seconds": round(seconds, 1),
            "peak_rss_gb": round(peak, 3),
        }


def table(results: list[dict]) -> str:
    first, last = results[0], results[-1]
    marginal = (last["seconds"] - first["seconds"]) / ((last["series"] - first["series"]) / 1000)
    lines = ["| series x points | rows | CSV GB | ingest s | s per 1k series | peak RSS GB |", "|---|---|---|---|---|---|"]
    for r in results:
        per = r["seconds"] / (r["series"] / 1000)
        lines.append(
            f"| {r['series']:,} x {r['points']:,} | {r['rows']:,} | {r['csv_gb']:.3f} | {r['seconds']:.1f} | {per:.1f} | "
            f"{r['peak_rss_gb']:.2f} |"
        )
    bound = TARGET_GB["ingest"]
    met = "met" if last["peak_rss_gb"] < bound else "MISSED"
    lines += ["", f"marginal cost {marginal:.1f} s per 1,000 series; target < {bound:g} GB at the largest: {met}"]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, nargs="+", default=[1000, 3000, 10000])
    parser.add_argument("--points", type=int, default=1000)
    parser.add_argument("--out", type=Path, help="write OUT.json and OUT.md")
    args = parser.parse_args()
    results = [measure(count, args.points) for count in sorted(args.series)]
    text = table(results)
    print(text)
    if args.out:
        args.out.with_suffix(".json").write_text(json.dumps({"results": results}, indent=2) + "\n")
        args.out.with_suffix(".md").write_text(text + "\n")


if __name__ == "__main__":
    main()
