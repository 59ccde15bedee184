"""The statistical baselines of many series: each series fit on its own train rows, on this machine or a Dask cluster.

Every series goes through the one-series :func:`fit_all` (parameters fit on its train block, then
frozen, states filtered through each origin), so its forecasts are the ones it would get alone.
statsforecast's own multi-series and distributed calls (``forecast``, ``cross_validation``) refit
or re-decompose from every cutoff, which is not the frozen protocol, so the series are handed out
as tasks instead: ``engine: local`` fits them here one after another, ``engine: dask`` on a Dask
cluster (``dask_address``, or a ``LocalCluster`` on 127.0.0.1 this stage starts and stops), in
chunks of :data:`SERIES_PER_TASK`. Either gives the same numbers: the same function runs on the
same values.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from honest_forecast.baselines.statistical import bridge_gaps, fit_all
from honest_forecast.errors import ParamError
from honest_forecast.names import STATISTICAL_BASELINES
from honest_forecast.windows.split import Edges

SERIES_PER_TASK = 16  # series fit by one Dask task: enough work per task to dwarf its scheduling
SHOWN_REASONS = 3

# One series' task: its id, its target (train rows first), where its train block ends.
Task = tuple[str, np.ndarray, int]


@dataclass
class SeriesFit:
    """One series' fitted baselines: forecasts by origin (rows, horizon), reasons for those skipped, seconds."""

    name: str
    forecasts: dict[str, np.ndarray]
    skipped: dict[str, str]
    descriptions: dict[str, str]
    seconds: dict[str, float]
    bridged: int


def fit_series(task: Task, season: int, seasons: tuple[int, ...], horizon: int) -> SeriesFit:
    name, target, train_end = task
    bridged_target, bridged = bridge_gaps(target)
    fitted = fit_all(bridged_target, train_end, season, seasons, horizon)
    return SeriesFit(
        name,
        {f.name: f.forecast for f in fitted if f.forecast is not None},
        {f.name: f.skipped for f in fitted if f.skipped},
        {f.name: f.description for f in fitted if f.description},
        {f.name: f.seconds for f in fitted},
        bridged,
    )


def fit_chunk(tasks: list[Task], season: int, seasons: tuple[int, ...], horizon: int) -> list[SeriesFit]:
    return [fit_series(task, season, seasons, horizon) for task in tasks]


def _tasks(target: np.ndarray, edges: Edges) -> Iterator[Task]:
    for name, lo, train_end, _, end in edges:
        yield name, target[lo:end], train_end - lo


def _fits(
    target: np.ndarray, edges: Edges, season: int, seasons: tuple[int, ...], horizon: int, engine: str, address: str | None
) -> Iterator[SeriesFit]:
    if engine == "local":
        for task in _tasks(target, edges):
            yield fit_series(task, season, seasons, horizon)
        return
    from dask.distributed import Client, LocalCluster, as_completed  # only where a cluster is asked for

    tasks = list(_tasks(target, edges))
    chunks = [tasks[at : at + SERIES_PER_TASK] for at in range(0, len(tasks), SERIES_PER_TASK)]
    cluster = None
    try:
        if address is None:
            workers = max(1, len(os.sched_getaffinity(0)))
            cluster = LocalCluster(
                host="127.0.0.1", n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
            )
        with Client(cluster if cluster is not None else address, timeout="10s") as client:
            futures = client.map(fit_chunk, chunks, season=season, seasons=seasons, horizon=horizon, pure=False)
            for future in as_completed(futures):
                yield from future.result()
    except OSError as err:
        raise ParamError(f"param 'dask_address': no Dask scheduler answers at {address} ({err})") from err
    finally:
        if cluster is not None:
            cluster.close()


@dataclass
class PanelFits:
    """Every series' baselines: forecasts by origin over the panel's rows, and what was fit or skipped where."""

    forecasts: dict[str, np.ndarray]
    fitted: Counter = field(default_factory=Counter)
    skipped: dict[str, dict[str, str]] = field(default_factory=dict)  # method -> series id -> reason
    descriptions: dict[str, Counter] = field(default_factory=dict)
    seconds: Counter = field(default_factory=Counter)
    bridged: int = 0

    def summary(self) -> dict:
        """What summary.json says: per method, how many series it was fit on, the models chosen, the reasons skipped."""
        methods = {}
        for name in STATISTICAL_BASELINES:
            skipped = self.skipped.get(name, {})
            reasons = Counter(skipped.values())
            methods[name] = {
                "series_fitted": self.fitted[name],
                "series_skipped": len(skipped),
                "models": dict(self.descriptions.get(name, Counter()).most_common(SHOWN_REASONS)),
                "skipped_because": dict(reasons.most_common(SHOWN_REASONS)),
                "skipped_series": sorted(skipped)[:SHOWN_REASONS],
                "seconds": round(self.seconds[name], 1),
            }
        return methods


def fit_panel(
    target: np.ndarray,
    edges: Edges,
    season: int,
    seasons: tuple[int, ...],
    horizon: int,
    engine: str = "local",
    address: str | None = None,
) -> PanelFits:
    """Each series' statistical baselines, laid out over the panel's rows as one series' are over its own (NaN where a
    method was not fit on a series, or before its fit stretch)."""
    result = PanelFits({})
    starts = {name: lo for name, lo, *_ in edges}
    for fit in _fits(target, edges, season, seasons, horizon, engine, address):
        lo = starts[fit.name]
        for name, forecast in fit.forecasts.items():
            if name not in result.forecasts:
                result.forecasts[name] = np.full((len(target), horizon), np.nan)
            result.forecasts[name][lo : lo + len(forecast)] = forecast
            result.fitted[name] += 1
        for name, reason in fit.skipped.items():
            result.skipped.setdefault(name, {})[fit.name] = reason
        for name, description in fit.descriptions.items():
            result.descriptions.setdefault(name, Counter())[description.split(", ")[0]] += 1
        result.seconds.update(fit.seconds)
        result.bridged += fit.bridged
    return result
