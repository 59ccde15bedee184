"""Stage ingest: read the CSV named in params, check it, write the typed series and its summary.

Every problem is reported with the file, the column and the CSV line numbers (line 1 is the
header), because the person fixing it has the file open.
"""

from __future__ import annotations

from honest_forecast.cli import run_stage
from honest_forecast.data.series import ingest_summary, load_series
from honest_forecast.io import write_json
from honest_forecast.params import load_params
from honest_forecast.paths import SERIES_FILE, SUMMARY_FILE
from honest_forecast.windows.split import split_rows


def main() -> None:
    params = load_params()
    ingested = load_series(params)
    series, spacing = ingested.series, ingested.spacing
    series.save(SERIES_FILE)
    bounds = split_rows(series.rows, params.train_frac, params.valid_frac)
    write_json(SUMMARY_FILE, ingest_summary(ingested, params.data_path, params.missing, bounds))
    print(
        f"ingest: {series.rows} rows from {params.data_path}, one every {spacing.text} ({ingested.freq_source}), "
        f"season {series.season}, {ingested.filled} values filled, {ingested.missing} left missing"
    )
    if ingested.time_note:
        print(f"ingest: {ingested.time_note}")
    if ingested.future is not None:
        print(f"ingest: the {params.horizon} row(s) ahead give the forecast {', '.join(params.known_covariates)}")


if __name__ == "__main__":
    run_stage(main)
