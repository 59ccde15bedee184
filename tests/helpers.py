"""Shared test helpers: a small real slice of the bundled series, small params, the real dvc CLI in a tiny repo."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import yaml

from honest_forecast.cli import run_stage
from honest_forecast.names import BLOCKS
from honest_forecast.params import Params
from honest_forecast.paths import SERIES_FILE, SUMMARY_FILE
from honest_forecast.windows.build import build_windows
from honest_forecast.windows.scaling import Scaler
from honest_forecast.windows.store import WindowStore
from stages.ingest import main as ingest_main

ROOT = Path(__file__).resolve().parents[1]
BUNDLED_CSV = ROOT / "data" / "raw" / "elecdemand_vic_2014.csv"


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


def exit_code(main: Callable[[], None], capsys: pytest.CaptureFixture) -> tuple[int, str]:
    """Run a stage's entry point as its ``__main__`` does; return the exit code and what it printed to stderr."""
    try:
        run_stage(main)
        code = 0
    except SystemExit as stop:
        code = int(stop.code)
    return code, capsys.readouterr().err


def run_ingest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture, content: str | bytes | None, **params: object
) -> tuple[int, str]:
    """Run the real ingest stage in ``tmp_path`` on a CSV with ``content``; return exit code and stderr."""
    monkeypatch.chdir(tmp_path)
    if content is not None:
        data = content if isinstance(content, bytes) else content.encode("utf-8")
        (tmp_path / "input.csv").write_bytes(data)
    (tmp_path / "params.yaml").write_text(yaml.safe_dump({"data_path": "input.csv", **params}))
    code, err = exit_code(ingest_main, capsys)
    if code:
        assert not SERIES_FILE.exists() and not SUMMARY_FILE.exists()
        assert not list(tmp_path.glob("data/interim/.*")), "a temporary file was left behind"
    return code, err
