"""Benchmark: wall time of `python -m stages.train` against a bare model.fit script, or against the stage at a git ref.

Both run as fresh processes (TensorFlow import included) with the same model and the same
number of epochs (early stopping made inert), alternating, and the median of each is
reported. The bare fit trains on the windows cut whole into arrays; ``--against REF`` instead
runs the train stage of commit REF on the windows its own windows stage writes (e.g. the
materialised windows before streaming). Usage, from the repo root after `dvc repro`:

    python benchmarks/train_overhead.py --epochs 10 --repeats 3
    python benchmarks/train_overhead.py --epochs 10 --repeats 3 --against b90321c
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def timed(command: list[str], cwd: Path) -> float:
    env = {**os.environ, "PYTHONPATH": str(cwd)}
    started = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def workspace(work: Path, epochs: int, ref: str | None = None) -> None:
    """This checkout's stages, library and fold-1 windows in ``work``, or those of commit ``ref`` (windows rebuilt)."""
    if ref is None:
        for name in ("stages", "honest_forecast", "benchmarks"):
            shutil.copytree(ROOT / name, work / name)
        (work / "data/windows/1").mkdir(parents=True)
        shutil.copy2(ROOT / "data/windows/1/arrays.npz", work / "data/windows/1/arrays.npz")  # fold 1: the single split
        params = yaml.safe_load((ROOT / "params.yaml").read_text())
    else:
        code = ["stages", "params.yaml"]
        if subprocess.run(["git", "cat-file", "-e", f"{ref}:honest_forecast"], cwd=ROOT, capture_output=True).returncode == 0:
            code.append("honest_forecast")  # the library package, from the commit that moved it out of stages/
        archive = subprocess.run(["git", "archive", ref, *code], cwd=ROOT, check=True, capture_output=True).stdout
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(work, filter="data")
        (work / "data/interim").mkdir(parents=True)
        shutil.copy2(ROOT / "data/interim/series.npz", work / "data/interim/series.npz")
        params = yaml.safe_load((work / "params.yaml").read_text())
    params.update(epochs=epochs, patience=epochs + 1, reduce_lr_patience=0)
    (work / "params.yaml").write_text(yaml.safe_dump(params))
    # dvclive needs a git repo with a commit, as in a real checkout
    subprocess.run(["git", "init", "-q"], cwd=work, check=True)
    subprocess.run(
        ["git", "-c", "user.name=b", "-c", "user.email=b@b", "commit", "-q", "--allow-empty", "-m", "b"], cwd=work, check=True
    )
    if ref is not None:
        subprocess.run(
            [sys.executable, "-m", "stages.windows"], cwd=work, check=True, env={**os.environ, "PYTHONPATH": str(work)}
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--against", metavar="REF", help="time the train stage of this git commit instead of the bare fit")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        work, other = Path(scratch) / "stage", Path(scratch) / "other"
        work.mkdir()
        other.mkdir()
        workspace(work, args.epochs)
        if args.against:
            workspace(other, args.epochs, args.against)
            other_command, other_name = [sys.executable, "-m", "stages.train"], f"stage at {args.against}"
        else:
            other, other_command, other_name = work, [sys.executable, "benchmarks/bare_fit.py"], "bare fit"
        stage, compared = [], []
        for _ in range(args.repeats):
            stage.append(timed([sys.executable, "-m", "stages.train"], work))
            compared.append(timed(other_command, other))
    stage_s, other_s = statistics.median(stage), statistics.median(compared)
    print(f"epochs {args.epochs}, repeats {args.repeats}")
    print(f"train stage: median {stage_s:.1f} s  {[round(t, 1) for t in stage]}")
    print(f"{other_name}: median {other_s:.1f} s  {[round(t, 1) for t in compared]}")
    print(f"difference:  {100 * (stage_s - other_s) / other_s:+.1f} %")


if __name__ == "__main__":
    main()
