"""The blocks of the single split and of every rolling-origin fold, and the fold a stage runs for."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from stages.params import ParamError, Params
from stages.split import fold_rows, fold_series, split_rows, stage_fold

PARAMS = dataclasses.replace(Params(), train_frac=0.7, valid_frac=0.15, test_frac=0.15)


def test_fold_one_is_the_single_split_and_later_folds_step_back_one_test_block_each() -> None:
    rows = 1000
    train_end, valid_end = split_rows(rows, PARAMS)
    assert fold_rows(rows, PARAMS, 1) == (train_end, valid_end, rows)
    test_rows = rows - valid_end
    previous_start = valid_end
    for fold in (2, 3):
        fold_train, fold_valid, fold_end = fold_rows(rows, PARAMS, fold)
        assert fold_end == previous_start  # this fold's test block ends where the later fold's begins
        assert fold_end - fold_valid == test_rows and fold_valid - fold_train == valid_end - train_end
        previous_start = fold_valid


def test_a_fold_without_as_many_train_rows_as_valid_rows_is_refused_naming_the_most_that_fit() -> None:
    fold_rows(1000, PARAMS, 4)  # 700 - 3 * 150 = 250 train rows for 150 valid rows
    with pytest.raises(ParamError, match=r"param 'folds': fold 5 would leave 100 train rows.*use at most 4 folds"):
        fold_rows(1000, PARAMS, 5)


def test_a_fold_sees_no_row_after_its_test_block() -> None:
    series = {"timestamps": np.arange(10), "target": np.arange(10.0), "covariates": np.zeros((10, 2)), "season": np.array(3)}
    cut = fold_series(series, 7)
    assert len(cut["timestamps"]) == len(cut["target"]) == len(cut["covariates"]) == 7 and cut["season"] == 3


@pytest.mark.parametrize(("argv", "fold"), [([], 1), (["--fold", "1"], 1), (["--fold", "3"], 3)])
def test_the_fold_comes_from_the_command_line(argv: list[str], fold: int) -> None:
    assert stage_fold(argv) == fold


@pytest.mark.parametrize("argv", [["--fold"], ["--fold", "0"], ["--fold", "x"], ["3"]])
def test_a_malformed_fold_argument_is_refused(argv: list[str]) -> None:
    with pytest.raises(ValueError, match="expected '--fold N'"):
        stage_fold(argv)
