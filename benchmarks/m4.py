"""Benchmark: M4 Hourly or Weekly through the real pipeline, scored with the competition's official definitions.

The competition's wide files (id, then the values, padded) become one long-format CSV (id, t, y:
train then test values, t a step index, as the series carry no dates). In a fresh clone of the
committed HEAD, `dvc repro pool` runs with `id_column: id`, `season` m and the M4 protocol: the
published test values are each series' test block (`test_steps` = horizon), never seen before the
choice on valid, and the `horizon` values before them its valid block. The test forecasts are then
scored as M4 scored them: sMAPE = mean 200|y - f| / (|y| + |f|); MASE scaled by the seasonal
naive's in-sample MAE on the published train (m = 24 hourly, 1 weekly); OWA = 1/2 (sMAPE /
sMAPE_Naive2 + MASE / MASE_Naive2) on the set's means, with the official Naive2 figures. M4's own
Naive2 (fit on the whole published train) is recomputed here to check the scoring against the
official figure. Usage, from the repo root (commit first: the clone is of HEAD):

    python benchmarks/m4.py Hourly --m4-dir ../shared/data/m4 --out benchmarks/m4_hourly
    python benchmarks/m4.py readme ../shared/data/m4 benchmarks/m4_hourly.json benchmarks/m4_weekly.json
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from honest_forecast.baselines.simple import seasonal_indices, seasonality_test  # noqa: E402

SETS = {"Hourly": {"horizon": 48, "season": 24}, "Weekly": {"horizon": 13, "season": 1}}
OFFICIAL_ROWS = {  # the rows shown beside ours: method id in the official file, and how the table names it
    "Naive2": "Naive2 (the reference)",
    "sNaive": "sNaive",
    "Theta": "Theta",
    "118": "Smyl, ES-RNN (winner)",
    "245": "Montero-Manso et al., FFORMA (2nd)",
}


def wide_series(path: Path) -> dict[str, np.ndarray]:
    """Each series of a wide M4 file, its padding dropped: id -> values in time order."""
    table = pd.read_csv(path, dtype={"V1": str})
    ids, values = table["V1"].to_numpy(), table.drop(columns="V1").to_numpy(dtype=float)
    return {name: row[~np.isnan(row)] for name, row in zip(ids, values, strict=True)}


def long_format(train: dict[str, np.ndarray], test: dict[str, np.ndarray]) -> pd.DataFrame:
    """One row per value: id, step index t (from 1), y; each series' train values, then its test values."""
    parts = []
    for name, past in train.items():
        y = np.concatenate([past, test[name]])
        parts.append(pd.DataFrame({"id": name, "t": np.arange(1, len(y) + 1), "y": y}))
    return pd.concat(parts, ignore_index=True)


def smape(actual: np.ndarray, forecast: np.ndarray) -> float:
    return float(np.mean(200 * np.abs(actual - forecast) / (np.abs(actual) + np.abs(forecast))))


def mase_scale(insample: np.ndarray, m: int) -> float:
    return float(np.mean(np.abs(insample[m:] - insample[:-m])))


def naive2_official(insample: np.ndarray, horizon: int, m: int) -> np.ndarray:
    """M4's Naive2 as its benchmark code runs it: seasonality test and decomposition on the whole published train."""
    if seasonality_test(insample, m):
        indices = seasonal_indices(insample, m)
        future = indices[(len(insample) + np.arange(horizon)) % m]
        return insample[-1] / indices[(len(insample) - 1) % m] * future
    return np.full(horizon, insample[-1])


def official_scores(
    predictions: pd.DataFrame, train: dict[str, np.ndarray], test: dict[str, np.ndarray], m: int, methods: list[str]
) -> dict[str, dict[str, float]]:
    """Each method's mean sMAPE and MASE over the set, per the official definitions, from the pipeline's test forecasts."""
    scores: dict[str, dict[str, list[float]]] = {name: {"smape": [], "mase": []} for name in methods}
    for name, rows in predictions.groupby("id", sort=False):
        rows = rows.sort_values("lead")
        actual = rows["actual"].to_numpy()
        assert np.allclose(actual, test[name]), f"series {name}: the test block is not the published test values"
        scale = mase_scale(train[name], m)
        for method in methods:
            forecast = rows[method].to_numpy()
            scores[method]["smape"].append(smape(actual, forecast))
            scores[method]["mase"].append(float(np.mean(np.abs(actual - forecast))) / scale)
    return {name: {key: float(np.mean(values)) for key, values in per.items()} for name, per in scores.items()}


def clone_with_m4(work: Path, freq: str, m4_dir: Path) -> None:
    """A clone of HEAD with the set as its long-format CSV."""
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(work)], check=True)
    train, test = (wide_series(m4_dir / f"{freq}-{part}.csv") for part in ("train", "test"))
    long_format(train, test).to_csv(work / "data" / "raw" / f"m4_{freq.lower()}.csv", index=False)


def configure(work: Path, freq: str, changed: dict) -> None:
    """The clone's committed params, set to the M4 protocol, then ``changed``: the same params whether the clone is new
    or reused (--reuse: only the stages those params reach rerun)."""
    protocol = SETS[freq]
    committed = subprocess.run(["git", "show", "HEAD:params.yaml"], cwd=work, check=True, capture_output=True, text=True)
    params = yaml.safe_load(committed.stdout)
    params.update(
        data_path=f"data/raw/m4_{freq.lower()}.csv",
        time_column="t",
        target_column="y",
        id_column="id",
        covariates=[],
        known_covariates=[],
        known_covariates_forecast=[],
        season=protocol["season"],
        horizon=protocol["horizon"],
        valid_steps=protocol["horizon"],
        test_steps=protocol["horizon"],
        folds=[1],
    )
    params.update(changed)
    (work / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))


def measure(freq: str, m4_dir: Path, keep: Path | None, changed: dict, reuse: Path | None = None) -> dict:
    protocol = SETS[freq]
    train, test = (wide_series(m4_dir / f"{freq}-{part}.csv") for part in ("train", "test"))
    with tempfile.TemporaryDirectory() as scratch:
        work = reuse or keep or Path(scratch) / "clone"
        if reuse is None:
            clone_with_m4(work, freq, m4_dir)
        configure(work, freq, changed)
        env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}", "DVC_NO_ANALYTICS": "1"}
        started = time.perf_counter()
        done = subprocess.run(["dvc", "repro", "pool"], cwd=work, env=env, capture_output=True, text=True)
        seconds = time.perf_counter() - started
        (work / "repro.log").write_text(done.stdout + done.stderr)
        if done.returncode:
            raise SystemExit(f"error: dvc repro pool failed ({work / 'repro.log'}):\n{done.stderr[-3000:]}")
        metrics = json.loads((work / "reports" / "metrics.json").read_text())
        summary = json.loads((work / "data" / "interim" / "summary.json").read_text())
        predictions = pd.read_csv(work / "reports" / "predictions_test.csv", dtype={"id": str})
    methods = [c for c in predictions.columns if c not in ("id", "origin", "timestamp", "lead", "actual")]
    scored = official_scores(predictions, train, test, max(protocol["season"], 1), methods)
    naive2 = {"smape": [], "mase": []}
    for name, past in train.items():
        forecast = naive2_official(past, protocol["horizon"], max(protocol["season"], 1))
        naive2["smape"].append(smape(test[name], forecast))
        naive2["mase"].append(float(np.mean(np.abs(test[name] - forecast))) / mase_scale(past, max(protocol["season"], 1)))
    return {
        "set": freq,
        "series": len(train),
        "series_scored": int(predictions["id"].nunique()),
        "skipped": summary["series"]["skipped"],
        "seconds": round(seconds, 1),
        "changed_params": changed,
        "selected": metrics["selected"]["method"],
        "valid_owa": {name: entry["owa"] for name, entry in metrics["valid"].items()},
        "per_series_choice": metrics["per_series_choice"],
        "significance": metrics["significance"],
        "official_scores": scored,
        "naive2_recomputed": {key: float(np.mean(values)) for key, values in naive2.items()},
    }


def table(result: dict, official: pd.DataFrame) -> str:
    freq = result["set"]
    reference = official.set_index("id").loc["Naive2"]
    ref = {"smape": reference[f"sMAPE_{freq}"], "mase": reference[f"MASE_{freq}"]}
    lines = [f"| M4 {freq} | sMAPE | MASE | OWA |", "|---|---|---|---|"]
    rows = sorted(
        result["official_scores"].items(),
        key=lambda item: 0.5 * (item[1]["smape"] / ref["smape"] + item[1]["mase"] / ref["mase"]),
    )
    for name, scores in rows:
        owa = 0.5 * (scores["smape"] / ref["smape"] + scores["mase"] / ref["mase"])
        mark = " (selected on valid)" if name == result["selected"] else ""
        lines.append(f"| honest-forecast: {name}{mark} | {scores['smape']:.3f} | {scores['mase']:.3f} | {owa:.3f} |")
    for key, label in OFFICIAL_ROWS.items():
        row = official.set_index("id").loc[key]
        lines.append(f"| official: {label} | {row[f'sMAPE_{freq}']:.3f} | {row[f'MASE_{freq}']:.3f} | {row[f'OWA_{freq}']:.3f} |")
    recomputed = result["naive2_recomputed"]
    lines += [
        "",
        f"Naive2 recomputed here on the published train: sMAPE {recomputed['smape']:.3f}, MASE {recomputed['mase']:.3f} "
        f"(official {ref['smape']:.3f} / {ref['mase']:.3f}). `dvc repro pool` took {result['seconds']:.0f} s for "
        f"{result['series_scored']} of {result['series']} series"
        + (f", params changed: {result['changed_params']}." if result["changed_params"] else "."),
    ]
    return "\n".join(lines)


def readme_table(results: list[dict], official: pd.DataFrame) -> str:
    """The README's table: per set, the method selected on valid, the global network and the best on test, beside the
    official rows; OWA against the official Naive2."""
    rows: dict[str, list[str]] = {}
    for result in results:
        freq = result["set"]
        reference = official.set_index("id").loc["Naive2"]
        ref = {"smape": reference[f"sMAPE_{freq}"], "mase": reference[f"MASE_{freq}"]}
        owa = {
            name: 0.5 * (scores["smape"] / ref["smape"] + scores["mase"] / ref["mase"])
            for name, scores in result["official_scores"].items()
        }
        baselines = {name: value for name, value in owa.items() if name != "model"}
        picks = {
            "honest-forecast, selected on valid": result["selected"],
            "honest-forecast, the global network": "model",
            "honest-forecast, the best baseline on test": min(baselines, key=baselines.get),
        }
        for label, name in picks.items():
            scores = result["official_scores"][name]
            cell = f"{scores['smape']:.3f} / {scores['mase']:.3f} / **{owa[name]:.3f}** ({name})"
            rows.setdefault(label, []).append(cell)
        for key, label in OFFICIAL_ROWS.items():
            row = official.set_index("id").loc[key]
            rows.setdefault(f"official: {label}", []).append(
                f"{row[f'sMAPE_{freq}']:.3f} / {row[f'MASE_{freq}']:.3f} / {row[f'OWA_{freq}']:.3f}"
            )
    header = (
        "| sMAPE / MASE / OWA | " + " | ".join(f"M4 {result['set']} ({result['series']} series)" for result in results) + " |"
    )
    lines = [header, "|---" * (len(results) + 1) + "|"]
    network = "honest-forecast, the global network"
    if all(result["selected"] == "model" for result in results):  # the network is the selected row
        del rows[network]
    lines += [f"| {label} | " + " | ".join(cells) + " |" for label, cells in rows.items()]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    if len(sys.argv) > 1 and sys.argv[1] == "readme":  # python benchmarks/m4.py readme M4_DIR RESULT.json ...
        results = [json.loads(Path(path).read_text()) for path in sys.argv[3:]]
        print(readme_table(results, pd.read_csv(Path(sys.argv[2]) / "official_results_by_frequency.csv", dtype={"id": str})))
        return
    parser.add_argument("freq", choices=sorted(SETS))
    parser.add_argument("--m4-dir", type=Path, required=True, help="the folder of the M4 files (../shared/data/m4)")
    parser.add_argument("--keep", type=Path, help="run in this folder and keep it (it must not exist)")
    parser.add_argument("--reuse", type=Path, help="rerun in a folder an earlier --keep left, only what the params change")
    parser.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE", help="params to change, YAML values")
    parser.add_argument("--out", type=Path, help="write OUT.json and OUT.md")
    args = parser.parse_args()
    changed = {key: yaml.safe_load(value) for key, value in (item.split("=", 1) for item in args.set)}
    result = measure(args.freq, args.m4_dir.resolve(), args.keep, changed, args.reuse)
    text = table(result, pd.read_csv(args.m4_dir / "official_results_by_frequency.csv", dtype={"id": str}))
    print(text)
    if args.out:
        args.out.with_suffix(".json").write_text(json.dumps(result, indent=2) + "\n")
        args.out.with_suffix(".md").write_text(text + "\n")


if __name__ == "__main__":
    main()
