"""Shared fixtures: a small real slice of the bundled series, and params built from the repo's file."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import pytest

from stages.params import Params, load_params

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


def head_of_bundled_csv(path: Path, rows: int) -> Path:
    """Write the first ``rows`` data rows of the bundled series to ``path``."""
    lines = BUNDLED_CSV.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(lines[: rows + 1]), encoding="utf-8")
    return path
