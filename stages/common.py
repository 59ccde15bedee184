"""Small shared helpers: atomic output, JSON rounding and the one error exit path."""

from __future__ import annotations

import atexit
import json
import math
import os
import re
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from stages.params import ParamError

SIGNIFICANT_DIGITS = 6
# TensorFlow's native start-up lines on a machine without a GPU: informational, though one is logged
# at error level (E0000 ... failed call to cuInit). TF_CPP_MIN_LOG_LEVEL does not silence them in TF 2.21.
TENSORFLOW_STARTUP_NOISE = re.compile(
    rb"All log messages before absl::InitializeLog\(\) is called"
    rb"|\] oneDNN custom operations are on"
    rb"|cudart_stub\.cc:\d+\] Could not find cuda drivers"
    rb"|cuda_platform\.cc:\d+\] failed call to cuInit"
    rb"|cpu_feature_guard\.cc:\d+\] This TensorFlow binary is optimized"
    rb"|^To enable the following instructions: .* rebuild TensorFlow"
)


class DataError(ValueError):
    """Input data the pipeline cannot use; the message names file, column and rows."""


class TrainingError(RuntimeError):
    """Training failed (for example the loss became non-finite); the message says what to change."""


@contextmanager
def atomic_path(path: Path | str) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it into place only if the block succeeds.

    A killed or failing stage therefore never leaves a half-written output that a
    later stage could mistake for a good one.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    os.chmod(tmp, 0o666 & ~current_umask())  # mkstemp makes 0600 files; outputs get the permissions any file would
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.replace(tmp_path, path)
    finally:
        tmp_path.unlink(missing_ok=True)


def current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_text(path: Path | str, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def round_floats(value: Any, digits: int = SIGNIFICANT_DIGITS) -> Any:
    """Round every float to ``digits`` significant digits so metrics files diff cleanly."""
    if isinstance(value, dict):
        return {key: round_floats(item, digits) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [round_floats(item, digits) for item in value]
    if isinstance(value, (np.floating, float)):
        value = float(value)
        if value == 0 or not math.isfinite(value):
            return value
        return round(value, digits - 1 - math.floor(math.log10(abs(value))))
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def write_json(path: Path | str, data: Any) -> None:
    write_text(path, json.dumps(round_floats(data), indent=2) + "\n")


def read_json(path: Path | str) -> Any:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def save_arrays(path: Path | str, **arrays: np.ndarray) -> None:
    """Write an .npz atomically; only plain numeric and text arrays, never pickled objects."""
    for name, array in arrays.items():
        if array.dtype == object:
            raise TypeError(f"array '{name}' has dtype object, which would need pickle")
    with atomic_path(path) as tmp, open(tmp, "wb") as handle:
        np.savez(handle, **arrays)


def load_arrays(path: Path | str) -> dict[str, np.ndarray]:
    with np.load(path, allow_pickle=False) as data:
        return {name: data[name] for name in data.files}


DEBUG_SWITCH = "HONEST_FORECAST_DEBUG"  # set to 1 to see the traceback of an unexpected failure


def run_stage(main: Callable[[], None]) -> None:
    """Run a stage's main(): any failure prints one ``error:`` line and exits non-zero, never a traceback.

    Known failures (bad params, bad data, diverging training) exit 2 with their own message; anything
    else exits 1 naming the stage and the exception, unless HONEST_FORECAST_DEBUG=1 asks for the traceback.
    """
    stage = main.__module__.rpartition(".")[2]
    try:
        main()
    except (ParamError, DataError, TrainingError) as err:
        print(f"error: {err}", file=sys.stderr)
        sys.exit(2)
    except Exception as err:
        if os.environ.get(DEBUG_SWITCH) == "1":
            raise
        message = " ".join(str(err).split()) or "no message"
        print(
            f"error: stage {stage} failed unexpectedly: {type(err).__name__}: {message} (set {DEBUG_SWITCH}=1 for the traceback)",
            file=sys.stderr,
        )
        sys.exit(1)


def quiet_tensorflow(entry_point: bool = False) -> None:
    """Hide TensorFlow's start-up chatter; call before keras is imported.

    In a stage's own process (``entry_point``), native writes to stderr pass through a filter
    that drops exactly the lines of :data:`TENSORFLOW_STARTUP_NOISE` and lets everything else,
    real errors included, through; HONEST_FORECAST_DEBUG=1 shows them all.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if entry_point and os.environ.get(DEBUG_SWITCH) != "1":
        filter_stderr(TENSORFLOW_STARTUP_NOISE)


def filter_stderr(noise: re.Pattern[bytes]) -> None:
    """Route file descriptor 2 (Python's and native libraries' stderr) through a line filter until exit."""
    sys.stderr.flush()
    terminal = os.dup(2)
    read_end, write_end = os.pipe()
    os.dup2(write_end, 2)
    os.close(write_end)

    def pump() -> None:
        with os.fdopen(read_end, "rb") as source, os.fdopen(os.dup(terminal), "wb", buffering=0) as sink:
            for line in source:
                if not noise.search(line):
                    sink.write(line)

    thread = threading.Thread(target=pump, name="stderr-filter", daemon=True)
    thread.start()

    def restore() -> None:
        sys.stderr.flush()
        os.dup2(terminal, 2)  # the pipe's last writer is gone: the filter drains what is left and stops
        thread.join(timeout=5)

    atexit.register(restore)
