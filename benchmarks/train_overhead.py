"""Benchmark: wall time of `python -m stages.train` against a bare model.fit script.

Both run as fresh processes (TensorFlow import included) on the committed arrays with the
same model and the same number of epochs (early stopping made inert), alternating, and the
median of each is reported. Usage, from the repo root after `dvc repro`:

    python benchmarks/train_overhead.py --epochs 10 --repeats 3
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        for name in ("stages", "benchmarks"):
            shutil.copytree(ROOT / name, work / name)
        (work / "data/windows/1").mkdir(parents=True)
        shutil.copy2(ROOT / "data/windows/1/arrays.npz", work / "data/windows/1/arrays.npz")  # fold 1: the single split
        params = yaml.safe_load((ROOT / "params.yaml").read_text())
        params.update(epochs=args.epochs, patience=args.epochs + 1, reduce_lr_patience=0)
        (work / "params.yaml").write_text(yaml.safe_dump(params))
        # dvclive needs a git repo with a commit, as in a real checkout
        subprocess.run(["git", "init", "-q"], cwd=work, check=True)
        subprocess.run(
            ["git", "-c", "user.name=b", "-c", "user.email=b@b", "commit", "-q", "--allow-empty", "-m", "b"], cwd=work, check=True
        )
        stage, bare = [], []
        for _ in range(args.repeats):
            stage.append(timed([sys.executable, "-m", "stages.train"], work))
            bare.append(timed([sys.executable, "benchmarks/bare_fit.py"], work))
    stage_s, bare_s = statistics.median(stage), statistics.median(bare)
    print(f"epochs {args.epochs}, repeats {args.repeats}")
    print(f"train stage: median {stage_s:.1f} s  {[round(t, 1) for t in stage]}")
    print(f"bare fit:    median {bare_s:.1f} s  {[round(t, 1) for t in bare]}")
    print(f"overhead:    {100 * (stage_s - bare_s) / bare_s:+.1f} %")


if __name__ == "__main__":
    main()
