"""Benchmark: many synthetic series in one long-format file through the stages, wall time and peak RSS per stage.

For each count it writes that many half-hourly series of ``--points`` each (panel_ingest.py's
series) into a scratch copy of the pipeline with ``id_column: id``, and runs the stages in
dvc.yaml's order as `dvc repro` would (fold 1, default params except the data file and a
training of ``--steps`` batches in one epoch, as long_series.py does), recording each stage's
wall time and peak resident memory. The statistical baselines cost about a second of CPU per
series whatever the engine, so counts above ``--statistical-up-to`` run the stages that do not
read them (ingest, windows, train) and say so in the table. Usage, from the repo root:

    python benchmarks/panel_stages.py --series 1000 3000 10000 --points 1000 --out benchmarks/panel_stages
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from long_series import STAGES, TARGET_GB, run_stage, scratch_pipeline
from panel_ingest import write_panel

WITHOUT_STATISTICAL = ("ingest", "windows", "train")


def measure(series: int, points: int, steps: int, statistical: bool) -> dict:
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        csv = work / "data" / "raw" / "panel.csv"
        csv.parent.mkdir(parents=True)
        write_panel(csv, series, points)
        scratch_pipeline(work, csv, steps)
        params = yaml.safe_load((work / "params.yaml").read_text())
        params.update(id_column="id")
        (work / "params.yaml").write_text(yaml.safe_dump(params))
        stages = {}
        for stage in STAGES if statistical else WITHOUT_STATISTICAL:
            seconds, peak = run_stage(work, stage)
            stages[stage] = {"seconds": round(seconds, 1), "peak_rss_gb": round(peak, 3)}
            print(f"{series:>6,} series  {stage:<11} {seconds:7.1f} s  {peak:6.2f} GB", flush=True)
        windows_output = sum(f.stat().st_size for f in (work / "data" / "windows" / "1").iterdir())
        return {"series": series, "points": points, "windows_output_gb": round(windows_output / 2**30, 3), "stages": stages}


def table(results: list[dict]) -> str:
    """Markdown: per stage and count, seconds (per 1,000 series) and peak RSS; the largest count's verdict on the targets."""
    lines = [
        "| stage | " + " | ".join(f"{r['series']:,}: s (s/1k) | GB" for r in results) + " | target at the largest run |",
        "|---|" + "---|---|" * len(results) + "---|",
    ]
    for stage in STAGES:
        cells, largest = [], None
        for r in results:
            measured = r["stages"].get(stage)
            if measured is None:
                cells += ["not run", ""]
                continue
            largest = measured
            per_thousand = measured["seconds"] / (r["series"] / 1000)
            cells += [f"{measured['seconds']:.1f} ({per_thousand:.1f})", f"{measured['peak_rss_gb']:.2f}"]
        bound = TARGET_GB.get(stage)
        verdict = f"< {bound:g} GB: {'met' if largest['peak_rss_gb'] < bound else 'MISSED'}" if bound and largest else ""
        lines.append(f"| {stage} | " + " | ".join(cells) + f" | {verdict} |")
    outputs = ", ".join(f"{r['series']:,}: {r['windows_output_gb']:.3f} GB" for r in results)
    return "\n".join([*lines, "", f"windows outputs: {outputs}"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, nargs="+", default=[1000, 3000, 10000])
    parser.add_argument("--points", type=int, default=1000)
    parser.add_argument("--steps", type=int, default=20, help="training batches (one epoch)")
    parser.add_argument("--statistical-up-to", type=int, default=1000, help="the largest count that runs every stage")
    parser.add_argument("--out", type=Path, help="write OUT.json and OUT.md")
    args = parser.parse_args()
    results = [measure(n, args.points, args.steps, n <= args.statistical_up_to) for n in sorted(args.series)]
    text = table(results)
    print(text)
    if args.out:
        meta = {"points": args.points, "steps": args.steps, "statistical_up_to": args.statistical_up_to}
        args.out.with_suffix(".json").write_text(json.dumps({**meta, "results": results}, indent=2) + "\n")
        args.out.with_suffix(".md").write_text(text + "\n")


if __name__ == "__main__":
    main()
