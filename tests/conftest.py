"""Shared fixtures: stages run in-process as `dvc repro` would, and the committed params."""

from __future__ import annotations

import sys

import pytest

from honest_forecast.params import Params, load_params
from tests.helpers import ROOT


@pytest.fixture(autouse=True)
def stage_command_line(monkeypatch: pytest.MonkeyPatch) -> None:
    """A stage's main() called in-process sees no pytest arguments: it runs for fold 1, as `dvc repro` would."""
    monkeypatch.setattr(sys, "argv", [sys.argv[0]])


@pytest.fixture
def repo_params(monkeypatch: pytest.MonkeyPatch) -> Params:
    """The committed params.yaml, parsed as the stages parse it."""
    monkeypatch.chdir(ROOT)
    return load_params()
