"""The report's images, rendered with matplotlib so the report reads offline (also DVC plots)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from honest_forecast.io import atomic_path
from honest_forecast.names import BASELINES, METHODS, NETWORK


def save_figure(figure: plt.Figure, path: Path) -> None:
    with atomic_path(path) as tmp:
        figure.savefig(tmp, format="png", dpi=110, metadata={"Software": None})
    plt.close(figure)


def time_axis(table: pd.DataFrame) -> pd.Series:
    """Timestamps as dates, or the integer index as it is (years, step counters)."""
    stamps = table["timestamp"]
    return stamps if pd.api.types.is_integer_dtype(stamps) else pd.to_datetime(stamps)


def widest_band(table: pd.DataFrame) -> str | None:
    """The level of the widest interval whose bounds the predictions table holds ("95"), if any."""
    levels = [column.removeprefix(f"{NETWORK}_").removesuffix("_lower") for column in table if column.endswith("_lower")]
    return max(levels, key=float, default=None)


def forecast_figure(table: pd.DataFrame, title: str, unit: str, previous_label: str = "persistence (last value)") -> plt.Figure:
    """Actual against model (with its widest prediction interval) and persistence, one step ahead, in time order."""
    figure, axis = plt.subplots(figsize=(12, 4.2))
    times = time_axis(table)
    band = widest_band(table)
    if band:
        lower, upper = table[f"{NETWORK}_{band}_lower"], table[f"{NETWORK}_{band}_upper"]
        axis.fill_between(times, lower, upper, color="tab:red", alpha=0.15, linewidth=0, label=f"model {band} % interval")
    axis.plot(times, table["actual"], color="black", linewidth=1.1, label="actual")
    axis.plot(times, table["persistence"], color="tab:gray", linewidth=0.9, linestyle="--", label=previous_label)
    axis.plot(times, table["model"], color="tab:red", linewidth=0.9, label="model")
    return finish_time_chart(figure, axis, title, unit, "upper right")


def finish_time_chart(figure: plt.Figure, axis: plt.Axes, title: str, unit: str, legend: str) -> plt.Figure:
    """Title, units, legend and grid of a chart against time, its dates slanted to fit."""
    axis.set_title(title)
    axis.set_ylabel(unit)
    axis.legend(loc=legend)
    axis.grid(alpha=0.3)
    figure.autofmt_xdate()
    figure.tight_layout()
    return figure


def loss_figure(loss_dir: Path, penalty_share: float) -> plt.Figure:
    """Train and valid data loss (MSE, scaled units) per epoch, and the total loss with any penalty."""
    figure, axis = plt.subplots(figsize=(8, 4.2))
    for split, style in (("train", "-"), ("valid", "--")):
        for name, color, width in (("mse", "tab:blue", 2.6), ("loss", "tab:orange", 1.0)):
            path = loss_dir / split / f"{name}.tsv"
            if path.exists():
                curve = pd.read_csv(path, sep="\t")
                label = f"{split} {'data MSE' if name == 'mse' else 'loss incl. penalty'}"
                axis.plot(curve["step"] + 1, curve[name], linestyle=style, color=color, linewidth=width, label=label)
    axis.set_yscale("log")
    axis.set_xlabel("epoch")
    axis.set_ylabel("scaled units (log)")
    axis.set_title(f"Training history (L2 penalty: {penalty_share:.0%} of the final training loss)")
    axis.legend()
    axis.grid(alpha=0.3)
    figure.tight_layout()
    return figure


def scatter_figure(table: pd.DataFrame, unit: str) -> plt.Figure:
    figure, axis = plt.subplots(figsize=(5.5, 5.5))
    axis.scatter(table["actual"], table["model"], s=3, alpha=0.4, color="tab:red")
    low, high = table["actual"].min(), table["actual"].max()
    axis.plot([low, high], [low, high], color="black", linewidth=0.8)
    axis.set_xlabel(f"actual ({unit})")
    axis.set_ylabel(f"model ({unit})")
    axis.set_title("Test block: forecast against actual")
    axis.grid(alpha=0.3)
    figure.tight_layout()
    return figure


def residuals_figure(table: pd.DataFrame, unit: str) -> plt.Figure:
    figure, axis = plt.subplots(figsize=(7, 4.2))
    for name, color in (("model", "tab:red"), ("persistence", "tab:gray")):
        axis.hist(table[name] - table["actual"], bins=80, alpha=0.55, color=color, label=name)
    axis.set_xlabel(f"forecast - actual ({unit})")
    axis.set_ylabel("count")
    axis.set_title("Test block residuals")
    axis.legend()
    axis.grid(alpha=0.3)
    figure.tight_layout()
    return figure


def skill_figure(test: dict) -> plt.Figure:
    """1 - MSE(model) / MSE(baseline) per baseline on test: bars below zero lose to the baseline."""
    skills = {name: 1 - (test[NETWORK]["rmse"] / test[name]["rmse"]) ** 2 for name in BASELINES if name in test}
    figure, axis = plt.subplots(figsize=(8, 3.6))
    names = list(skills)
    values = [skills[name] for name in names]
    axis.bar(names, values, color=["tab:green" if v > 0 else "tab:red" for v in values])
    axis.axhline(0, color="black", linewidth=0.8)
    axis.set_ylabel("skill (1 - MSE ratio)")
    axis.set_title("Model skill against each baseline (test)")
    axis.grid(alpha=0.3, axis="y")
    figure.tight_layout()
    return figure


def lead_figure(leads: pd.DataFrame, unit: str) -> plt.Figure:
    """MAE against lead time for every method: how fast each forecast degrades."""
    figure, axis = plt.subplots(figsize=(9, 4.5))
    for method in METHODS:
        if f"{method}_mae" in leads:
            style = {"color": "tab:red", "linewidth": 2.2} if method == NETWORK else {"linewidth": 1.0}
            axis.plot(leads["lead"], leads[f"{method}_mae"], marker="." if len(leads) < 30 else None, label=method, **style)
    axis.set_xlabel("lead time (steps ahead)")
    axis.set_ylabel(f"MAE ({unit})")
    axis.set_title("Test block: error against lead time")
    axis.legend(ncol=3, fontsize=8)
    axis.grid(alpha=0.3)
    figure.tight_layout()
    return figure


def future_figure(history: pd.Series, forecast: pd.DataFrame, method: str, unit: str) -> plt.Figure:
    """The last seasons of the series, then ``method``'s forecast past the last row with its bands, the origin marked.

    ``history`` is indexed by time (or row number); ``forecast`` holds one method's rows of reports/forecast.csv.
    The forecast and its bands start from the last observation, so that even one step ahead reads as a fan.
    """
    figure, axis = plt.subplots(figsize=(12, 4.2))
    dated = isinstance(history.index, pd.DatetimeIndex)
    ahead = pd.to_datetime(forecast["timestamp"]) if dated else forecast["lead"] + history.index[-1]
    times = pd.Index([history.index[-1], *ahead])
    last = history.iloc[-1]
    levels = [column.removeprefix("lower_") for column in forecast if column.startswith("lower_")]
    for shade, key in zip((0.15, 0.3), sorted(levels, key=float, reverse=True), strict=False):
        lower, upper = [last, *forecast[f"lower_{key}"]], [last, *forecast[f"upper_{key}"]]
        axis.fill_between(
            times, lower, upper, color="tab:red", alpha=shade, linewidth=0, label=f"{key} % interval (backtest errors)"
        )
    axis.plot(history.index, history.to_numpy(), color="black", linewidth=1.0, label="observed")
    axis.plot(
        times, [last, *forecast["point"]], color="tab:red", linewidth=1.2, marker="o", markersize=3, label=f"forecast: {method}"
    )
    axis.axvline(history.index[-1], color="tab:gray", linestyle=":", linewidth=1.0, label="last observation")
    steps = f"{len(forecast)} step{'s' if len(forecast) > 1 else ''}"
    return finish_time_chart(figure, axis, f"Forecast past the last row ({method}, {steps} ahead)", unit, "upper left")


SMALL_MULTIPLES = 6  # series shown side by side in a panel's figures


def panel_future_figure(histories: dict[str, np.ndarray], season: int, forecast: pd.DataFrame, method: str) -> plt.Figure:
    """Some series side by side, each its last seasons (``histories``: id -> its target) and ``method``'s forecast past
    its last row with the widest band; ``forecast`` holds one method's rows of a panel's reports/forecast.csv."""
    shown = list(histories)[:SMALL_MULTIPLES]
    figure, axes = plt.subplots(2, 3, figsize=(13, 6), squeeze=False)
    levels = [column.removeprefix("lower_") for column in forecast if column.startswith("lower_")]
    widest = max(levels, key=float, default=None)
    for axis, name in zip(axes.ravel(), shown, strict=False):
        target, piece = histories[name], forecast[forecast["id"] == name]
        rows = min(len(target), max(4 * season, 3 * len(piece), 20))
        axis.plot(np.arange(-rows + 1, 1), target[-rows:], color="black", linewidth=0.9)
        ahead, last = np.concatenate([[0], piece["lead"].to_numpy()]), target[-1]
        if widest is not None:
            lower, upper = [last, *piece[f"lower_{widest}"]], [last, *piece[f"upper_{widest}"]]
            axis.fill_between(ahead, lower, upper, color="tab:red", alpha=0.2, linewidth=0)
        axis.plot(ahead, [last, *piece["point"]], color="tab:red", linewidth=1.1)
        axis.axvline(0, color="tab:gray", linestyle=":", linewidth=0.9)
        axis.set_title(str(name), fontsize=9)
        axis.grid(alpha=0.3)
    for axis in axes.ravel()[len(shown) :]:
        axis.set_visible(False)
    band = f", {widest} % interval" if widest else ""
    figure.suptitle(f"Forecast past each series' last row ({method}{band}), in steps from it: the first {len(shown)} series")
    figure.tight_layout()
    return figure
