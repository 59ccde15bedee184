"""Rolling-origin folds: the series as fold k sees it, nothing after its own test block."""

from __future__ import annotations

from honest_forecast.data.series import Series
from honest_forecast.windows.split import fold_rows


def fold_view(series: Series, fold: int, train_frac: float, valid_frac: float) -> tuple[Series, int, int]:
    """The rows fold ``fold`` sees, with the end rows (exclusive) of its train and valid blocks."""
    train_end, valid_end, end = fold_rows(series.rows, train_frac, valid_frac, fold)
    return series.head(end), train_end, valid_end
