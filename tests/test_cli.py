"""The one exit path and the atomic writer: what every stage relies on."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from honest_forecast.cli import DEBUG_SWITCH, TENSORFLOW_STARTUP_NOISE, run_stage
from honest_forecast.errors import DataError
from honest_forecast.io import write_text
from tests.helpers import ROOT


def _unexpected() -> None:
    raise KeyError("a column the code did not expect")


def test_an_unexpected_exception_is_one_error_line_naming_the_stage(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_code:
        run_stage(_unexpected)
    assert exit_code.value.code == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: stage test_cli failed unexpectedly: KeyError:")
    assert "a column the code did not expect" in err and DEBUG_SWITCH in err and "Traceback" not in err


def test_a_known_failure_keeps_its_own_message(capsys: pytest.CaptureFixture[str]) -> None:
    def bad_data() -> None:
        raise DataError("x.csv: column 'y' has non-numeric values at line 3")

    with pytest.raises(SystemExit) as exit_code:
        run_stage(bad_data)
    assert exit_code.value.code == 2
    assert capsys.readouterr().err == "error: x.csv: column 'y' has non-numeric values at line 3\n"


@pytest.mark.parametrize("debug", ["", "1"])
def test_each_stage_turns_a_planted_exception_into_one_line_unless_debugging(debug: str, tmp_path: Path) -> None:
    """Every stage's real entry point, with its main() replaced by one that fails unexpectedly."""
    for stage in ("ingest", "statistical", "windows", "train", "evaluate", "pool", "report"):
        code = (
            f"import stages.{stage} as stage\n"
            "from honest_forecast.cli import run_stage\n"
            "def main():\n    raise ZeroDivisionError('planted')\n"
            "main.__module__ = stage.__name__\n"
            "run_stage(main)\n"
        )
        env = {**os.environ, DEBUG_SWITCH: debug, "PYTHONPATH": str(ROOT)}
        result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
        assert result.returncode == 1
        if debug:
            assert "Traceback" in result.stderr and "ZeroDivisionError: planted" in result.stderr
        else:
            lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
            expected = (
                f"error: stage {stage} failed unexpectedly: ZeroDivisionError: planted (set {DEBUG_SWITCH}=1 for the traceback)"
            )
            assert lines == [expected]
            assert "Traceback" not in result.stderr


def test_outputs_get_the_permissions_of_any_new_file(tmp_path: Path) -> None:
    mask = os.umask(0o022)
    try:
        write_text(tmp_path / "out.txt", "x")
        (tmp_path / "plain.txt").write_text("x")
    finally:
        os.umask(mask)
    assert stat.S_IMODE((tmp_path / "out.txt").stat().st_mode) == stat.S_IMODE((tmp_path / "plain.txt").stat().st_mode) == 0o644


def test_tensorflow_start_up_lines_are_dropped_and_everything_else_on_stderr_is_kept(tmp_path: Path) -> None:
    """On a machine without a GPU TensorFlow logs 'failed call to cuInit' at error level; a real error must still show."""
    code = (
        "import os, sys\n"
        "from honest_forecast.cli import quiet_tensorflow\n"
        "quiet_tensorflow(entry_point=True)\n"
        "import keras\n"
        "keras.ops.convert_to_numpy(keras.ops.ones(2) + 1)\n"
        "print('python error line', file=sys.stderr)\n"
        "os.write(2, b'E0000 a native error that is not start-up noise\\n')\n"
        "raise SystemExit(3)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop(DEBUG_SWITCH, None)
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 3
    assert result.stderr.splitlines() == ["python error line", "E0000 a native error that is not start-up noise"]
    shown = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env={**env, DEBUG_SWITCH: "1"}, capture_output=True, text=True, timeout=120
    )
    assert any(TENSORFLOW_STARTUP_NOISE.search(line.encode()) for line in shown.stderr.splitlines())


def test_a_stage_run_as_a_module_names_itself_not_main(tmp_path: Path) -> None:
    """`python -m stages.pool` runs main() in module __main__: the error line still names the stage."""
    (tmp_path / "params.yaml").write_text("folds: [1]\n")  # no fold has been evaluated: pool finds no metrics file
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-m", "stages.pool"], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert result.returncode == 1
    assert result.stderr.startswith("error: stage pool failed unexpectedly: FileNotFoundError:"), result.stderr


def test_control_characters_in_a_message_reach_the_terminal_escaped(capsys: pytest.CaptureFixture[str]) -> None:
    def bad_name() -> None:
        raise DataError("in\x1b[31mput\r.csv: file not found (param 'data_path')")

    with pytest.raises(SystemExit):
        run_stage(bad_name)
    err = capsys.readouterr().err
    assert err == "error: in\\x1b[31mput\\r.csv: file not found (param 'data_path')\n"
