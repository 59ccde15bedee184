"""dvc.yaml's code deps are the import closure of each stage's entry point, and paths.py names only stage outputs.

A change to a module reruns exactly the stages that import it, directly or not: a dep that is
missing would leave a stale output, one too many reruns a stage for nothing.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
import yaml

from honest_forecast import paths
from tests.helpers import ROOT

PACKAGES = ("honest_forecast", "stages")
STAGES = yaml.safe_load((ROOT / "dvc.yaml").read_text())["stages"]


def module_file(name: str) -> Path | None:
    """The project file of module ``name`` (a package's __init__.py), or None for a library outside the project."""
    if name.split(".")[0] not in PACKAGES:
        return None
    base = ROOT.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    raise AssertionError(f"module {name} is imported but not found in the project")


def imported_modules(path: Path) -> set[str]:
    """Every module an import anywhere in the file names, ``from package import module`` included."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names if module_file_or_none(f"{node.module}.{alias.name}")}
    return names


def module_file_or_none(name: str) -> Path | None:
    try:
        return module_file(name)
    except AssertionError:
        return None


def import_closure(entry: Path) -> set[Path]:
    """The project files Python runs to import ``entry``: every module it reaches and each package's __init__.py."""
    seen, todo = set(), [entry]
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        for name in imported_modules(path):
            parts = name.split(".")
            for depth in range(1, len(parts) + 1):  # importing a.b.c runs a/__init__.py and a/b/__init__.py first
                found = module_file_or_none(".".join(parts[:depth]))
                if found is not None:
                    todo.append(found)
    return {path.relative_to(ROOT) for path in seen}


def listed_code(deps: list[str]) -> set[Path]:
    """The Python files a stage's deps name: a file as itself, a folder as every module in it."""
    files = set()
    for dep in deps:
        path = Path(dep)
        if path.parts[0] not in PACKAGES:
            continue
        files |= {p.relative_to(ROOT) for p in (ROOT / path).rglob("*.py")} if (ROOT / path).is_dir() else {path}
    return files


def entry_point(stage: dict) -> Path:
    command = stage.get("do", stage)["cmd"]
    module = re.match(r"python -m (stages\.\w+)", command).group(1)
    return module_file(module).relative_to(ROOT)


@pytest.mark.parametrize("name", list(STAGES))
def test_each_stage_lists_exactly_the_code_it_imports(name: str) -> None:
    stage = STAGES[name]
    deps = stage.get("do", stage)["deps"]
    expected = import_closure(ROOT / entry_point(stage))
    listed = listed_code(deps)
    assert not expected - listed, f"{name}: imported but not in dvc.yaml's deps: {sorted(map(str, expected - listed))}"
    assert not listed - expected, f"{name}: in dvc.yaml's deps but never imported: {sorted(map(str, listed - expected))}"


def test_the_closure_sees_imports_inside_functions_and_package_inits(tmp_path: Path) -> None:
    closure = import_closure(ROOT / "stages" / "evaluate.py")
    assert Path("honest_forecast/__init__.py") in closure and Path("honest_forecast/diagnostics/network.py") in closure
    assert Path("honest_forecast/models/training.py") not in closure  # evaluate never trains


def declared_outputs() -> set[str]:
    """Every output, metric and plot file dvc.yaml declares, with fold 1 for a foreach stage's ``${item}``."""
    outputs = set()
    for stage in STAGES.values():
        body = stage.get("do", stage)
        for key in ("outs", "metrics", "plots"):
            for entry in body.get(key, []):
                outputs.add((next(iter(entry)) if isinstance(entry, dict) else entry).replace("${item}", "1"))
    return outputs


def named_paths() -> dict[str, Path]:
    named = {name: value for name, value in vars(paths).items() if isinstance(value, Path) and name.isupper()}
    fold = paths.fold_paths(1)
    named |= {f"fold_paths(1).{field}": value for field, value in vars(fold).items() if isinstance(value, Path)}
    return named


def test_every_path_the_library_names_is_a_stage_output_or_holds_them() -> None:
    outputs = {Path(output) for output in declared_outputs()}
    for name, path in named_paths().items():
        assert path in outputs or any(path in output.parents for output in outputs), f"{name} = {path} is no stage's output"


def test_every_declared_output_lies_at_or_under_a_named_path() -> None:
    named = set(named_paths().values())
    for output in map(Path, declared_outputs()):
        assert output in named or named & set(output.parents), f"{output} is declared in dvc.yaml but not named in paths.py"


def test_folders_listed_as_code_deps_hash_no_byte_code() -> None:
    """A folder dep is hashed whole by DVC: the __pycache__ Python writes beside the modules must be ignored."""
    folders = [dep for stage in STAGES.values() for dep in stage.get("do", stage)["deps"] if (ROOT / dep).is_dir()]
    ignored = (ROOT / ".dvcignore").read_text().split()
    assert not folders or {"__pycache__/", "*.pyc"} <= set(ignored)
