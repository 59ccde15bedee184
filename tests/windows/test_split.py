"""The blocks of the single split and of every rolling-origin fold, and the fold a stage runs for."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from honest_forecast.backtest.folds import fold_view
from honest_forecast.cli import stage_fold
from honest_forecast.data.series import Series
from honest_forecast.errors import ParamError
from honest_forecast.params import Params, parse_params
from honest_forecast.windows.split import Split, fold_rows, split_rows

PARAMS = dataclasses.replace(Params(), train_frac=0.7, valid_frac=0.15, test_frac=0.15)


def test_fold_one_is_the_single_split_and_later_folds_step_back_one_test_block_each() -> None:
    rows = 1000
    train_end, valid_end = split_rows(rows, Split.of(PARAMS))
    assert fold_rows(rows, Split.of(PARAMS), 1) == (train_end, valid_end, rows)
    test_rows = rows - valid_end
    previous_start = valid_end
    for fold in (2, 3):
        fold_train, fold_valid, fold_end = fold_rows(rows, Split.of(PARAMS), fold)
        assert fold_end == previous_start  # this fold's test block ends where the later fold's begins
        assert fold_end - fold_valid == test_rows and fold_valid - fold_train == valid_end - train_end
        previous_start = fold_valid


def test_a_fold_without_as_many_train_rows_as_valid_rows_is_refused_naming_the_most_that_fit() -> None:
    fold_rows(1000, Split.of(PARAMS), 4)  # 700 - 3 * 150 = 250 train rows for 150 valid rows
    with pytest.raises(ParamError, match=r"param 'folds': fold 5 would leave 100 train rows.*use at most 4 folds"):
        fold_rows(1000, Split.of(PARAMS), 5)


def test_a_fold_sees_no_row_after_its_test_block() -> None:
    rows = 100
    series = Series(
        np.arange(rows),
        np.arange(rows, dtype=float),
        np.zeros((rows, 2)),
        "y",
        ("a", "b"),
        "integer",
        "none",
        3,
        (3,),
        np.zeros(rows, dtype=bool),
        np.arange(rows) + 5,
    )
    cut, train_end, valid_end = fold_view(series, 2, Split.of(PARAMS))
    assert (train_end, valid_end, cut.rows) == (55, 70, 85)  # fold 2: every boundary back by one test block of 15
    assert len(cut.timestamps) == len(cut.covariates) == len(cut.filled_target) == len(cut.wall_times) == 85
    assert cut.timestamps[-1] == 84 and cut.season == 3 and cut.names == ["y", "a", "b"]


@pytest.mark.parametrize(("argv", "fold"), [([], 1), (["--fold", "1"], 1), (["--fold", "3"], 3)])
def test_the_fold_comes_from_the_command_line(argv: list[str], fold: int) -> None:
    assert stage_fold(argv) == fold


@pytest.mark.parametrize("argv", [["--fold"], ["--fold", "0"], ["--fold", "x"], ["3"]])
def test_a_malformed_fold_argument_is_refused(argv: list[str]) -> None:
    with pytest.raises(ValueError, match="expected '--fold N'"):
        stage_fold(argv)


def test_blocks_by_steps_are_the_last_rows_of_the_series_whatever_its_length() -> None:
    split = Split(0.7, 0.15, valid_steps=48, test_steps=48)
    assert split_rows(700, split) == (604, 652) and split_rows(960, split) == (864, 912)
    assert fold_rows(700, split, 2) == (556, 604, 652)  # fold 2: every boundary back by one test block of 48 steps
    with pytest.raises(ParamError, match=r"fold 13 would leave 28 train rows, fewer than its 48 valid.*steps use at most 12"):
        fold_rows(700, split, 13)


def test_steps_are_set_both_or_neither() -> None:
    assert parse_params({"valid_steps": 13, "test_steps": 13}).test_steps == 13
    assert parse_params({"valid_steps": None, "test_steps": None}).test_steps is None
    with pytest.raises(ParamError, match=r"param 'test_steps' is set but 'valid_steps' is null; set both"):
        parse_params({"test_steps": 13})
    with pytest.raises(ParamError, match=r"param 'test_steps' is 0; it must be >= 1"):
        parse_params({"valid_steps": 13, "test_steps": 0})


def test_level_normalisation_is_for_many_series_so_far() -> None:
    assert parse_params({"level_norm": True, "id_column": "store"}).level_norm
    with pytest.raises(ParamError, match=r"param 'level_norm' is true, which is read for many series"):
        parse_params({"level_norm": True})


def test_an_id_embedding_needs_many_series() -> None:
    assert parse_params({"id_embedding": 8, "id_column": "store"}).id_embedding == 8
    with pytest.raises(ParamError, match=r"param 'id_embedding' is 8: a series' id is learned only where a file holds many"):
        parse_params({"id_embedding": 8})
