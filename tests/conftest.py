"""Shared fixtures: a small real slice of the bundled series, and params built from the repo's file."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from stages.params import Params, load_params
from stages.scaling import Scaler
from stages.split import BLOCKS
from stages.windowing import WindowStore
from stages.windows import build_windows

ROOT = Path(__file__).resolve().parents[1]
BUNDLED_CSV = ROOT / "data" / "raw" / "elecdemand_vic_2014.csv"


@pytest.fixture(autouse=True)
def stage_command_line(monkeypatch: pytest.MonkeyPatch) -> None:
    """A stage's main() called in-process sees no pytest arguments: it runs for fold 1, as `dvc repro` would."""
    monkeypatch.setattr(sys, "argv", [sys.argv[0]])


@pytest.fixture
def repo_params(monkeypatch: pytest.MonkeyPatch) -> Params:
    """The committed params.yaml, parsed as the stages parse it."""
    monkeypatch.chdir(ROOT)
    return load_params()


def small_params(**overrides: object) -> Params:
    """Params for fast tests: short windows, a tiny network, two epochs."""
    base = dict(window=24, horizon=1, units=8, epochs=2, batch_size=64, patience=2, season=48)
    base.update(overrides)
    return dataclasses.replace(Params(), **base)


def cut_blocks(store: WindowStore) -> dict[str, np.ndarray]:
    """Every block's windows cut whole, under the names the windows stage once stored: x_, known_, y_, rows_."""
    arrays = {}
    for block in BLOCKS:
        inputs, y = store.cut(store.starts[block])
        rows = store.target_rows(block)
        arrays |= {f"x_{block}": inputs["window"], f"y_{block}": y, f"rows_{block}": rows}
        arrays[f"known_{block}"] = inputs.get("known", np.zeros((*rows.shape, 0), dtype=np.float32))
    return arrays


def windows_arrays(*args: object, **kwargs: object) -> tuple[dict[str, np.ndarray], Scaler, dict]:
    """build_windows with its windows cut whole (see cut_blocks)."""
    store, scaler, audit = build_windows(*args, **kwargs)
    return cut_blocks(store), scaler, audit


def head_of_bundled_csv(path: Path, rows: int) -> Path:
    """Write the first ``rows`` data rows of the bundled series to ``path``."""
    lines = BUNDLED_CSV.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(lines[: rows + 1]), encoding="utf-8")
    return path


TINY = {
    "data_path": "data/raw/tiny.csv",
    "window": 24,
    "units": 8,
    "epochs": 3,
    "patience": 3,
    "batch_size": 32,
}
BIN = Path(sys.prefix) / "bin"  # the environment running the tests, venv included


def dvc_env(**changes: str | None) -> dict[str, str]:
    """This process's environment with this venv's tools first on PATH; a change to None removes the variable."""
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", "DVC_NO_ANALYTICS": "1", **changes}
    return {key: value for key, value in env.items() if value is not None}


def dvc(
    repo: Path, *args: str, check: bool = True, timeout: float = 300, env: dict[str, str | None] | None = None
) -> subprocess.CompletedProcess:
    """The real dvc CLI of this environment, in ``repo``."""
    env = dvc_env(**(env or {}))
    result = subprocess.run([str(BIN / "dvc"), *args], cwd=repo, env=env, capture_output=True, text=True, timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError(f"dvc {' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return result


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=test", "-c", "user.email=test@example.com", *args],
        cwd=repo,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def read_metrics(repo: Path) -> dict:
    return json.loads((repo / "reports" / "metrics.json").read_text())


def tiny_repo(target: Path) -> Path:
    """This project's tracked files in a new git repo (one commit), its params set to the tiny config."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout.split("\n")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file() and not name.startswith(("reports/", "models/", "data/")) and name != "dvc.lock":
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    (target / "data/raw").mkdir(parents=True)
    head_of_bundled_csv(target / TINY["data_path"], 1500)  # the only data the tiny config reads
    # The committed values, not the working tree's: after `dvc exp apply` those may hold an experiment's values.
    # Keys the working tree adds (a new param not yet committed) come along with their values.
    committed = subprocess.run(["git", "show", "HEAD:params.yaml"], cwd=ROOT, check=True, capture_output=True, text=True).stdout
    params = {**yaml.safe_load((target / "params.yaml").read_text()), **yaml.safe_load(committed)}
    params.update(TINY)
    (target / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    git(target, "init", "-q", "-b", "main")
    git(target, "add", "-A")
    git(target, "commit", "-qm", "tiny config")
    return target
