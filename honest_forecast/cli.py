"""How a stage runs: one ``error:`` line for any failure, its fold from the command line, TensorFlow kept quiet."""

from __future__ import annotations

import atexit
import os
import re
import sys
import threading
from collections.abc import Callable
from pathlib import Path

from honest_forecast.errors import DataError, ParamError, TrainingError

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

DEBUG_SWITCH = "HONEST_FORECAST_DEBUG"  # set to 1 to see the traceback of an unexpected failure


def run_stage(main: Callable[[], None]) -> None:
    """Run a stage's main(): any failure prints one ``error:`` line and exits non-zero, never a traceback.

    Known failures (bad params, bad data, diverging training) exit 2 with their own message; anything
    else exits 1 naming the stage and the exception, unless HONEST_FORECAST_DEBUG=1 asks for the traceback.
    The line is safe for a terminal: control characters (in a file name, say) are shown escaped.
    """
    try:
        main()
    except (ParamError, DataError, TrainingError) as err:
        print(f"error: {terminal_safe(str(err))}", file=sys.stderr)
        sys.exit(2)
    except Exception as err:
        if os.environ.get(DEBUG_SWITCH) == "1":
            raise
        message = terminal_safe(" ".join(str(err).split())) or "no message"
        print(
            f"error: stage {stage_name(main)} failed unexpectedly: {type(err).__name__}: {message} "
            f"(set {DEBUG_SWITCH}=1 for the traceback)",
            file=sys.stderr,
        )
        sys.exit(1)


def stage_name(main: Callable[[], None]) -> str:
    """The stage ``main`` belongs to: under ``python -m stages.ingest`` its module is __main__, so ask the module spec."""
    module = main.__module__
    if module == "__main__":
        spec = getattr(sys.modules["__main__"], "__spec__", None)
        module = spec.name if spec is not None else Path(sys.argv[0]).stem
    return module.rpartition(".")[2]


def terminal_safe(text: str) -> str:
    """``text`` with every control character escaped (ESC as \\x1b, a newline as \\n): one line that cannot drive a terminal."""
    return "".join(char if char.isprintable() or char == " " else char.encode("unicode_escape").decode("ascii") for char in text)


def stage_fold(argv: list[str] | None = None) -> int:
    """The fold a per-fold stage runs for, from ``--fold N`` on its command line (dvc.yaml's foreach); 1 without it."""
    args = sys.argv[1:] if argv is None else argv
    if not args:
        return 1
    if len(args) != 2 or args[0] != "--fold" or not args[1].isdigit() or int(args[1]) < 1:
        raise ValueError(f"expected '--fold N' with N a whole number from 1, got {' '.join(args)!r}")
    return int(args[1])


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
