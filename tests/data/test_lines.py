"""Each data row's line in the file, as an editor counts them, whatever blank lines or quoted line breaks come first."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from honest_forecast.data.lines import PhysicalLines, line_numbers, scan_records

TEXT = 'time,y\n\n2014-01-01,1\n2014-01-02,"2\n(estimated)"\n   \n2014-01-03,3\n2014-01-04,4\n'


def test_records_start_where_an_editor_shows_them() -> None:
    records = scan_records(io.StringIO(TEXT), ",")
    assert records.lines.tolist() == [1, 3, 4, 7, 8]  # the header, then the rows; blank and spaces-only lines skipped
    assert records.fields.tolist() == [2, 2, 2, 2, 2] and records.header == ["time", "y"]


def test_lines_are_found_from_the_file_when_a_message_first_needs_one(tmp_path: Path) -> None:
    path = tmp_path / "input.csv"
    path.write_text(TEXT, encoding="utf-8")
    lines = PhysicalLines(path, "utf-8", ",")
    assert line_numbers(np.array([2, 3]), lines) == "lines 7, 8"
    assert line_numbers(np.array([2])) == "line 4"  # without them: a plain file, row i on line i + 2
