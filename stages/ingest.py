"""Stage ingest: read the CSV named in params, check it, write the typed series and its summary.

Every problem is reported with the file, the column and the CSV line numbers (line 1 is the
header), because the person fixing it has the file open; in a file of many series, with the id.
"""

from __future__ import annotations

from honest_forecast.cli import run_stage
from honest_forecast.data.panel import drop_short, load_panel
from honest_forecast.data.series import ingest_summary, load_series
from honest_forecast.io import write_json
from honest_forecast.params import load_params
from honest_forecast.paths import SERIES_FILE, SUMMARY_FILE
from honest_forecast.windows.split import Split, panel_too_short, series_edges

SHOWN_SKIPPED = 10  # series left out named on the terminal; the summary names every one


def main() -> None:
    params = load_params()
    split = Split.of(params)
    if params.id_column:
        ingested = load_panel(params)
        too_short = panel_too_short(params, ingested.series.season)
        ingested = drop_short(ingested, too_short, params.id_column, params.data_path)
    else:
        ingested = load_series(params)
    series, spacing = ingested.series, ingested.spacing
    edges = series_edges(series.segments(), split)
    summary = ingest_summary(ingested, params.data_path, params.missing, edges)
    series.save(SERIES_FILE)
    write_json(SUMMARY_FILE, summary)
    several = f"{len(series.series_ids)} series, " if series.is_panel else ""
    print(
        f"ingest: {several}{series.rows} rows from {params.data_path}, one every {spacing.text} ({ingested.freq_source}), "
        f"season {series.season}, {ingested.filled} values filled, {ingested.missing} left missing"
    )
    for name, _, why in ingested.skipped[:SHOWN_SKIPPED]:
        print(f"ingest: series '{name}' left out ({why})")
    if len(ingested.skipped) > SHOWN_SKIPPED:
        print(f"ingest: and {len(ingested.skipped) - SHOWN_SKIPPED} more series left out ({SUMMARY_FILE} lists them all)")
    if ingested.time_note:
        print(f"ingest: {ingested.time_note}")
    if ingested.future is not None:
        print(f"ingest: the {params.horizon} row(s) ahead give the forecast {', '.join(params.known_covariates)}")


if __name__ == "__main__":
    run_stage(main)
