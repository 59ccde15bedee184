"""Generality benchmark: the real pipeline, with its default params, on several series, as a markdown table.

Each series runs `dvc repro` in its own fresh clone of the committed HEAD (uncommitted changes
are not included), with only the CSV keys of params.yaml set, so every figure is what a person
gets by dropping the file into data/raw/ and naming its columns. The bundled series runs too,
with params.yaml as committed. Each run trains the network: expect minutes per series. Usage:

    python benchmarks/series_suite.py --dev-dir ../shared/data/dev [--only bundled sunspots ...]
        [--out benchmarks/series_suite.md] [--json benchmarks/series_suite.json] [--keep DIR]
        [--set horizon=3 ...] [--figures DIR]

``--set KEY=VALUE`` changes a param on every series (the tables say so); ``--figures DIR`` keeps
each series' forecast plot (reports/forecast.png) as DIR/forecast_NAME.png.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.prefix) / "bin"  # the environment running this script, venv included


@dataclass(frozen=True)
class Series:
    name: str
    file_name: str
    time_column: str
    target_column: str
    covariates: list[str] = field(default_factory=list)


BUNDLED = "bundled"  # data/raw/elecdemand_vic_2014.csv with params.yaml as committed
SERIES = (
    Series("clemson", "clemson_temp_daily.csv", "date", "tmax_f", ["tmin_f"]),
    Series("sunspots", "sunspots_monthly.csv", "month", "sunspots"),
    Series("gasoline", "us_gasoline_weekly.csv", "week_ending", "million_barrels_per_day"),
    Series("gold_silver", "gold_silver_daily.csv", "date", "gold", ["silver"]),
    Series("djia", "djia_daily.csv", "date", "close"),
    Series("rain", "rain_daily.csv", "date", "rain_mm"),
)
NETWORK = "model"
METHOD_ORDER = (NETWORK, "persistence", "seasonal_naive", "window_mean", "drift", "linear_ar", "ets", "theta", "mstl", "arima")
WITHIN = 0.05  # the selected method's test MAE may exceed the best test MAE by this share
MISSING = "—"
# DVC outputs committed at HEAD: removed from each clone so a failed run can never leave the figures of another
STALE_OUTPUTS = (
    "reports/metrics.json",
    "reports/diagnostics.json",
    "data/interim/summary.json",
    "reports/forecast.csv",
    "reports/forecast.json",
)
SHOWN_LEADS = 3  # the forecast table shows the recommended method's first leads


# --- pure functions: figures and tables from the pipeline's JSON files ---------------------------------------


def scored_methods(block: dict) -> dict[str, dict]:
    """The per-method scores of one metrics block (a block also holds counts such as `points`)."""
    return {name: scores for name, scores in block.items() if isinstance(scores, dict) and "mae" in scores}


def ordered_methods(names: set[str] | list[str]) -> list[str]:
    """The known methods in their usual order, then any new ones, so columns stay stable across runs."""
    return [name for name in METHOD_ORDER if name in names] + sorted(set(names) - set(METHOD_ORDER))


def series_figures(metrics: dict, diagnostics: dict, summary: dict) -> dict:
    """Everything the tables show for one run, from reports/metrics.json, reports/diagnostics.json and summary.json."""
    test, valid = scored_methods(metrics["test"]), scored_methods(metrics["valid"])
    selected_record = metrics.get("selected", {})
    # an older pipeline without `selected`: the same rule, lowest valid MAE
    selected = selected_record.get("method") or min(valid, key=lambda name: valid[name]["mae"])
    selected_test = selected_record.get("test") or test[selected]
    best = min(test, key=lambda name: test[name]["mae"])
    network = test.get(NETWORK)
    baselines = {name: scores for name, scores in test.items() if name != NETWORK}
    network_ahead = (
        None
        if network is None
        else all(network["mae"] < scores["mae"] and network["rmse"] < scores["rmse"] for scores in baselines.values())
    )
    checks = diagnostics.get("checks", {})
    return {
        "rows": summary.get("rows"),
        "step": summary.get("step"),
        "freq": summary.get("freq"),
        "season": summary.get("season"),
        "test": {name: {key: scores.get(key) for key in ("mae", "rmse", "rel_mae")} for name, scores in test.items()},
        "valid": {name: {key: scores.get(key) for key in ("mae", "rmse", "rel_mae")} for name, scores in valid.items()},
        "network_test_rel_mae": network["rel_mae"] if network else None,
        "network_valid_rel_mae": valid[NETWORK]["rel_mae"] if NETWORK in valid else None,
        "selected": selected,
        "selected_test_mae": selected_test["mae"],
        "selected_test_rel_mae": selected_test["rel_mae"],
        "best_on_test": best,
        "best_test_mae": test[best]["mae"],
        "selected_within_5pct": selected_test["mae"] <= (1 + WITHIN) * test[best]["mae"],
        "network_ahead_of_all": network_ahead,
        "problems": diagnostics.get("problems"),
        "warnings": diagnostics.get("warnings"),
        "problems_for_selected": diagnostics.get("problems_for_selected", diagnostics.get("problems")),
        "problem_checks": [name for name, check in checks.items() if check.get("verdict") == "problem"],
        "skipped": metrics.get("skipped", {}),
    }


def forecast_figures(metrics: dict, about: dict, forecast: list[dict]) -> dict:
    """The recommended method's first leads past the last row, and the test coverage of its intervals (valid-calibrated)."""
    method = about["recommended"]
    rows = [row for row in forecast if row["method"] == method][:SHOWN_LEADS]
    static = metrics.get("intervals", {}).get(method, {})
    earned = about["intervals"].get("backtest_coverage", {}).get(method, {})
    return {
        "origin": about["origin"],
        "recommended": method,
        "leads": [
            {
                "timestamp": row["timestamp"],
                "point": float(row["point"]),
                "lower_80": float(row["lower_80"]),
                "upper_80": float(row["upper_80"]),
            }
            for row in rows
        ],
        "coverage": {key: stats["test"] for key, stats in earned.items()},
        "static_coverage": {key: stats["coverage"] for key, stats in static.items()},
    }


def forecast_table(runs: list[dict]) -> list[str]:
    """Per series: the origin, the recommended method's first leads with 80 % intervals, and the backtest coverage."""
    lines = [
        f"| series | as of | method | first {SHOWN_LEADS} leads (80 % interval) | backtest coverage 80 % | 95 % "
        "| static, valid-calibrated 80 % | 95 % |",
        "|---|---|---|---|---:|---:|---:|---:|",
    ]
    for run in runs:
        ahead = run.get("forecast")
        if run["status"] != "ok" or not ahead:
            continue
        leads = "; ".join(f"{lead['point']:.4g} ({lead['lower_80']:.4g} to {lead['upper_80']:.4g})" for lead in ahead["leads"])
        cover = [number(ahead[kind].get(key)) for kind in ("coverage", "static_coverage") for key in ("80", "95")]
        lines.append(f"| {run['name']} | {ahead['origin']} | {ahead['recommended']} | {leads} | " + " | ".join(cover) + " |")
    return lines


def number(value: float | None, digits: int = 3) -> str:
    return MISSING if value is None else f"{value:.{digits}f}"


def yes_no(value: bool | None) -> str:
    return MISSING if value is None else ("yes" if value else "no")


def cell(text: str) -> str:
    """Text safe inside a markdown table cell."""
    return " ".join(str(text).split()).replace("|", "\\|")


def problems_cell(run: dict) -> str:
    """Problems that concern the selected method, of all problems, then the name of every check with a problem verdict.

    A problem with the network says nothing against a baseline that the run selects, hence the two counts.
    """
    names = run["problem_checks"]
    if not names:
        return str(run["problems_for_selected"])
    return f"{run['problems_for_selected']} of {len(names)}: {', '.join(names)}"


def series_table(runs: list[dict]) -> list[str]:
    lines = [
        "| series | rows | step | season | network test rel_mae | network valid rel_mae | selected (valid) "
        "| selected test rel_mae | best on test | selected within 5 % | network ahead of all | problems for selected "
        "(problem checks) | wall time |",
        "|---|---:|---|---:|---:|---:|---|---:|---|---|---|---|---:|",
    ]
    for run in runs:
        wall = f"{run['wall_s']:.0f} s"
        if run["status"] != "ok":
            lines.append(f"| {run['name']} | failed: {cell(run['error'])} |" + " |" * 10 + f" {wall} |")
            continue
        lines.append(
            f"| {run['name']} | {run['rows'] if run['rows'] is not None else MISSING} | {run['step'] or MISSING} "
            f"| {run['season'] if run['season'] is not None else MISSING} | {number(run['network_test_rel_mae'])} "
            f"| {number(run['network_valid_rel_mae'])} | {run['selected']} | {number(run['selected_test_rel_mae'])} "
            f"| {run['best_on_test']} | {yes_no(run['selected_within_5pct'])} | {yes_no(run['network_ahead_of_all'])} "
            f"| {problems_cell(run)} | {wall} |"
        )
    return lines


def methods_table(runs: list[dict]) -> list[str]:
    """Test rel_mae of every method on every series; a method absent from a run (skipped, failed) shows as a dash."""
    methods = ordered_methods(set(METHOD_ORDER) | {name for run in runs if run["status"] == "ok" for name in run["test"]})
    lines = ["| series | " + " | ".join(methods) + " |", "|---|" + "---:|" * len(methods)]
    for run in runs:
        test = run.get("test", {})
        values = [number(test[name]["rel_mae"]) if name in test else MISSING for name in methods]
        lines.append(f"| {run['name']} | " + " | ".join(values) + " |")
    return lines


ROUNDING = 1e-4  # a model that is persistence (zero change in float32 scaled units) differs from it by ~1e-5 of its MAE


def network_leads(scores: dict, margin: float = 0.0) -> bool:
    """Whether the network's MAE is below every baseline's, or within ``margin`` of the best of them."""
    best = min(value["mae"] for name, value in scores.items() if name != NETWORK)
    return NETWORK in scores and scores[NETWORK]["mae"] < best * (1 + margin)


def summary_lines(runs: list[dict], total_s: float) -> list[str]:
    done = [run for run in runs if run["status"] == "ok"]
    failed = [run["name"] for run in runs if run["status"] != "ok"]
    ahead = [run["name"] for run in done if run["network_ahead_of_all"]]
    missed = [run["name"] for run in done if not run["selected_within_5pct"]]
    ahead_mae = [run["name"] for run in done if network_leads(run["test"])]
    near = [run["name"] for run in done if network_leads(run["valid"], margin=0.02)]
    behind = [
        f"{run['name']} ({name} {run['valid'][name]['rel_mae']:.4f})"
        for run in done
        for name in (NETWORK, "linear_ar")
        if name in run["valid"] and run["valid"][name]["mae"] > (1 + ROUNDING) * run["valid"]["persistence"]["mae"]
    ]
    lines = [
        f"- Network ahead of every baseline on both test MAE and test RMSE: {len(ahead)} of {len(done)} series"
        + (f" ({', '.join(ahead)})." if ahead else "."),
        f"- Network ahead of every baseline on test MAE: {len(ahead_mae)} of {len(done)} ({', '.join(ahead_mae) or 'none'}); "
        f"within 2 % of the best method's valid MAE: {len(near)} of {len(done)}.",
        f"- Network or linear AR worse than persistence on valid (by more than {ROUNDING:.0e} of its MAE, float32 rounding "
        f"of the inputs): {', '.join(behind) or 'nowhere'}.",
        (
            f"- Method selected on valid within 5 % of the best test MAE: everywhere ({len(done)} series)."
            if not missed
            else f"- Method selected on valid within 5 % of the best test MAE: not on {', '.join(missed)}."
        ),
    ]
    skipped = [f"{run['name']}: {method} ({reason})" for run in done for method, reason in run["skipped"].items()]
    if skipped:
        lines.append(f"- Skipped methods: {cell('; '.join(skipped))}.")
    if failed:
        lines.append(f"- Failed: {', '.join(failed)}.")
    repro_s = sum(run["wall_s"] for run in runs)
    lines.append(f"- Total wall time of the suite: {total_s:.0f} s ({repro_s:.0f} s in `dvc repro`).")
    return lines


def markdown(runs: list[dict], total_s: float, commit: str, changed: dict | None = None) -> str:
    also = f"; also set on every series: {', '.join(f'{k}={v}' for k, v in changed.items())}" if changed else ""
    lines = [
        "# Series suite",
        "",
        f"`dvc repro` with the default params on each series, at commit {commit}; only the CSV keys of params.yaml set "
        f"(data_path, time_column, target_column, covariates){also}. rel_mae = MAE / persistence MAE on the same points.",
        "",
        "## Per series",
        "",
        *series_table(runs),
        "",
        "## Test rel_mae of every method",
        "",
        *methods_table(runs),
        "",
        "## The forecast past the last row",
        "",
        "The recommended method (chosen on valid) from the last row, with the intervals the backtest earned. Backtest "
        "coverage: the test coverage of the forecast's own intervals, adaptive conformal, each made from the errors "
        "known at its origin (`reports/forecast.json`); beside it, static split-conformal intervals calibrated on valid "
        "(`reports/metrics.json`, `intervals`).",
        "",
        *forecast_table(runs),
        "",
        *summary_lines(runs, total_s),
    ]
    return "\n".join(lines) + "\n"


def failure_reason(stderr: str, stdout: str = "") -> str:
    """Why a run failed, in one line: the stage's own `error:` line when it printed one (the project's exit path),
    else the last other line (a traceback's message) and DVC's `ERROR:` line, else the last lines of output."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    stage_errors = [line for line in lines if line.startswith("error:")]
    if stage_errors:
        return stage_errors[-1]
    dvc_errors = [line for line in lines if line.startswith("ERROR:")]
    others = [line for line in lines if not line.startswith("ERROR:")]
    if dvc_errors:
        return " / ".join(others[-1:] + dvc_errors[-1:])
    tail = lines or [line.strip() for line in stdout.splitlines() if line.strip()]
    return " / ".join(tail[-3:]) or "no output"


def with_csv_keys(params_text: str, series: Series | None, changed: dict | None = None) -> str:
    """params.yaml with only the CSV keys (and ``changed``) changed; every other key keeps its committed value and place."""
    params = yaml.safe_load(params_text)
    if series is not None:
        params.update(
            data_path=f"data/raw/{series.file_name}",
            time_column=series.time_column,
            target_column=series.target_column,
            covariates=list(series.covariates),
        )
    params.update(changed or {})
    return yaml.safe_dump(params, sort_keys=False)


# --- running the pipeline --------------------------------------------------------------------------------------


def git(repo: Path, *args: str) -> str:
    command = ["git", "-c", "user.name=suite", "-c", "user.email=suite@example.com", *args]
    return subprocess.run(command, cwd=repo, check=True, capture_output=True, text=True).stdout


def prepared_clone(target: Path, series: Series | None, dev_dir: Path, changed: dict | None = None) -> None:
    """A fresh clone of HEAD with the series' CSV and keys committed (None: the bundled series, params untouched)."""
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(target)], check=True, capture_output=True)
    for name in STALE_OUTPUTS:
        (target / name).unlink(missing_ok=True)
    if series is not None:
        shutil.copy2(dev_dir / series.file_name, target / "data" / "raw" / series.file_name)
    if series is not None or changed:
        params_file = target / "params.yaml"
        params_file.write_text(with_csv_keys(params_file.read_text(), series, changed))
    git(target, "add", "-A")
    git(target, "commit", "-q", "--allow-empty", "-m", f"series suite: {series.name if series else BUNDLED}")


def read_json(path: Path) -> dict:
    return json.loads(path.read_text()) if path.exists() else {}


def run_series(
    name: str, series: Series | None, dev_dir: Path, work: Path, changed: dict | None = None, figures_dir: Path | None = None
) -> dict:
    """Clone, set the CSV keys, `dvc repro`; the figures on success, the reason on failure."""
    repo = work / name
    prepared_clone(repo, series, dev_dir, changed)
    log = work / f"{name}.log"
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}", "DVC_NO_ANALYTICS": "1"}
    started = time.perf_counter()
    with log.open("w") as out:
        result = subprocess.run([str(BIN / "dvc"), "repro"], cwd=repo, env=env, stdout=out, stderr=subprocess.PIPE, text=True)
        out.write(result.stderr)
    wall_s = time.perf_counter() - started
    record = {"name": name, "file": series.file_name if series else None, "wall_s": wall_s}
    if series is not None:
        record["params"] = {
            "time_column": series.time_column,
            "target_column": series.target_column,
            "covariates": list(series.covariates),
        }
    metrics = read_json(repo / "reports/metrics.json")
    if result.returncode != 0 or not metrics:
        reason = failure_reason(result.stderr, log.read_text()) if result.returncode else "no reports/metrics.json"
        return {**record, "status": "failed", "error": reason}
    try:
        figures = series_figures(
            metrics, read_json(repo / "reports/diagnostics.json"), read_json(repo / "data/interim/summary.json")
        )
    except (KeyError, TypeError, ValueError) as err:  # a metrics layout this script does not know: report it, keep going
        return {**record, "status": "failed", "error": f"unreadable reports/metrics.json: {err!r}"}
    about = read_json(repo / "reports/forecast.json")
    if about:
        with (repo / "reports/forecast.csv").open() as table:
            figures["forecast"] = forecast_figures(metrics, about, list(csv.DictReader(table)))
    if figures_dir is not None and (repo / "reports/forecast.png").exists():
        figures_dir.mkdir(parents=True, exist_ok=True)
        shutil.copy2(repo / "reports/forecast.png", figures_dir / f"forecast_{name}.png")
    return {**record, "status": "ok", **figures}


def progress_after(run: dict) -> str:
    if run["status"] != "ok":
        return f"  failed after {run['wall_s']:.0f} s: {run['error']}"
    return (
        f"  done in {run['wall_s']:.0f} s: selected {run['selected']}, "
        f"network test rel_mae {number(run['network_test_rel_mae'], 2)}"
    )


def write_outputs(runs: list[dict], total_s: float, commit: str, out: Path, json_out: Path, changed: dict | None = None) -> str:
    text = markdown(runs, total_s, commit, changed)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    json_out.parent.mkdir(parents=True, exist_ok=True)
    record = {"commit": commit, "total_wall_s": total_s, "set": changed or {}, "series": runs}
    json_out.write_text(json.dumps(record, indent=2) + "\n")
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dev-dir", type=Path, required=True, help="folder holding the development CSVs")
    names = [BUNDLED, *(series.name for series in SERIES)]
    parser.add_argument("--only", nargs="+", choices=names, metavar="NAME", help=f"run only these: {', '.join(names)}")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks/series_suite.md", help="markdown tables")
    parser.add_argument("--json", type=Path, default=ROOT / "benchmarks/series_suite.json", help="raw per-series figures")
    parser.add_argument("--keep", type=Path, metavar="DIR", help="keep each run's repo as DIR/NAME and its log as DIR/NAME.log")
    parser.add_argument("--set", nargs="+", default=[], metavar="KEY=VALUE", help="a param changed on every series")
    parser.add_argument("--figures", type=Path, metavar="DIR", help="keep each series' forecast plot as DIR/forecast_NAME.png")
    args = parser.parse_args()
    changed = {}
    for item in args.set:
        key, sep, value = item.partition("=")
        if not sep:
            parser.error(f"--set takes KEY=VALUE, got {item!r}")
        changed[key] = yaml.safe_load(value)

    by_name = {series.name: series for series in SERIES}
    chosen = [name for name in names if not args.only or name in args.only]
    absent = [
        by_name[name].file_name for name in chosen if name != BUNDLED and not (args.dev_dir / by_name[name].file_name).is_file()
    ]
    if absent:
        parser.error(f"not in {args.dev_dir}: {', '.join(absent)}")
    commit = git(ROOT, "rev-parse", "--short", "HEAD").strip()
    if git(ROOT, "status", "--porcelain", "--untracked-files=no").strip():
        print(f"note: the working tree has uncommitted changes; the suite runs the committed HEAD {commit}", file=sys.stderr)

    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        taken = [name for name in chosen if (args.keep / name).exists()]
        if taken:
            parser.error(f"already in {args.keep}: {', '.join(taken)}")
    scratch = None if args.keep else tempfile.TemporaryDirectory(prefix="series_suite_")
    work = args.keep.resolve() if args.keep else Path(scratch.name)
    runs: list[dict] = []
    started = time.perf_counter()
    try:
        for index, name in enumerate(chosen, start=1):
            print(f"[{index}/{len(chosen)}] {name}: dvc repro ... (log: {work / name}.log)", flush=True)
            runs.append(run_series(name, by_name.get(name), args.dev_dir.resolve(), work, changed, args.figures))
            print(progress_after(runs[-1]), flush=True)
            # written after every series, so a long suite that stops midway still leaves its tables
            text = write_outputs(runs, time.perf_counter() - started, commit, args.out, args.json, changed)
    finally:
        if scratch is not None:
            scratch.cleanup()
    print(text, flush=True)


if __name__ == "__main__":
    main()
