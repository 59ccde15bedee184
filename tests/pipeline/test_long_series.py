"""A million-point series through ingest, windows and train as stage processes, in bounded memory.

Before windows were cut on the fly, this series took windows to 3.4 GB and train to 11.6 GB
of peak RSS, and windows wrote 1.4 GB; the bounds here are coarse, well above what the
streaming stages need (benchmarks/long_series.py has the figures) and far below those.
"""

from __future__ import annotations

from pathlib import Path

from benchmarks.long_series import run_stage, scratch_pipeline, write_series

POINTS = 1_000_000
PEAK_GB = {"ingest": 1.0, "windows": 1.0, "train": 2.0}
WINDOWS_OUTPUT_GB = 0.1


def test_a_million_point_series_stays_in_bounded_memory(tmp_path: Path) -> None:
    csv = tmp_path / "data" / "raw" / "long.csv"
    csv.parent.mkdir(parents=True)
    write_series(csv, POINTS)
    scratch_pipeline(tmp_path, csv, steps=2)
    for stage, bound in PEAK_GB.items():
        _, peak = run_stage(tmp_path, stage)
        assert peak < bound, f"{stage} peaked at {peak:.2f} GB on {POINTS:,} points"
    written = sum(path.stat().st_size for path in (tmp_path / "data" / "windows" / "1").iterdir()) / 2**30
    assert written < WINDOWS_OUTPUT_GB
    assert (tmp_path / "models" / "1" / "model.keras").exists()
