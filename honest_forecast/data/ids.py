"""Which series each row of a long-format file belongs to, four bytes a row, and the rows grouped by series."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class SeriesIds:
    """Each row's series as a code into ``names`` (in order of first appearance): 10M rows cost 40 MB, not 10M strings."""

    codes: np.ndarray  # int32 per row
    names: tuple[str, ...]

    @classmethod
    def of(cls, ids: np.ndarray) -> SeriesIds:
        codes, uniques = pd.factorize(ids)
        return cls(codes.astype(np.int32), tuple(str(name) for name in uniques))

    @classmethod
    def join(cls, pieces: list[SeriesIds]) -> SeriesIds:
        """The ids of consecutive pieces of a file as one, codes renumbered to the whole file's first appearances."""
        lookup: dict[str, int] = {}
        codes = []
        for piece in pieces:
            renumber = np.array([lookup.setdefault(name, len(lookup)) for name in piece.names], dtype=np.int32)
            codes.append(renumber[piece.codes])
        return cls(np.concatenate(codes) if codes else np.zeros(0, np.int32), tuple(lookup))


def group_rows(ids: SeriesIds, stamps: np.ndarray) -> tuple[np.ndarray, list[tuple[str, int, int]]]:
    """The order that groups the rows by series (ids sorted as text), each series' rows in time order, and each
    series' id with its first and last-plus-one position in that order.

    The sort is stable: rows of one series at the same time stay in file order, so a duplicate is reported at
    both of its lines.
    """
    names = sorted(ids.names)
    rank = np.empty(len(ids.names), dtype=np.int32)
    rank[np.argsort(np.array(ids.names, dtype=object), kind="stable")] = np.arange(len(ids.names), dtype=np.int32)
    series = rank[ids.codes]
    order = np.lexsort((stamps.view(np.int64), series))
    edges = np.searchsorted(series[order], np.arange(len(names) + 1))
    return order, [(name, int(lo), int(hi)) for name, lo, hi in zip(names, edges[:-1], edges[1:], strict=True)]
