from __future__ import annotations

import numpy as np
import pytest

from honest_forecast.scoring.metrics import mae, mase, rel_mae, rmse, seasonal_naive_scale, smape

ACTUAL = np.array([1.0, 2.0, 4.0, 3.0])
FORECAST = np.array([2.0, 2.0, 1.0, 3.0])


def test_mae_and_rmse_by_hand() -> None:
    # errors: 1, 0, 3, 0
    assert mae(actual=ACTUAL, forecast=FORECAST) == pytest.approx(1.0)
    assert rmse(actual=ACTUAL, forecast=FORECAST) == pytest.approx(np.sqrt(10 / 4))


def test_smape_m4_definition_by_hand() -> None:
    # 200/n * sum(|y - f| / (|y| + |f|)) = 50 * (1/3 + 0 + 3/5 + 0)
    assert smape(actual=ACTUAL, forecast=FORECAST) == pytest.approx(50 * (1 / 3 + 3 / 5))
    assert smape(actual=np.zeros(2), forecast=np.zeros(2)) == 0.0


def test_mase_uses_insample_seasonal_naive_mae() -> None:
    insample = np.array([1.0, 3.0, 2.0, 6.0, 4.0])
    # season 2: |2-1|, |6-3|, |4-2| -> mean 2
    scale = seasonal_naive_scale(insample, season=2)
    assert scale == pytest.approx(2.0)
    assert mase(actual=ACTUAL, forecast=FORECAST, scale=scale) == pytest.approx(0.5)
    with pytest.raises(ValueError, match="more than season"):
        seasonal_naive_scale(insample, season=5)


def test_rel_mae_compares_with_a_reference_on_the_same_points() -> None:
    reference = np.array([1.0, 1.0, 1.0, 1.0])  # errors 0, 1, 3, 2 -> MAE 1.5
    assert rel_mae(actual=ACTUAL, forecast=FORECAST, reference=reference) == pytest.approx(1.0 / 1.5)


def test_mase_scale_leaves_out_pairs_with_a_missing_value() -> None:
    insample = np.array([1.0, 2.0, np.nan, 4.0, 7.0])
    # season 1 pairs: (1,2) (2,nan) (nan,4) (4,7): only |2-1| and |7-4| count
    assert seasonal_naive_scale(insample, 1) == pytest.approx(2.0)


def test_mase_is_undefined_not_a_division_by_zero_when_the_train_block_repeats_exactly() -> None:
    repeating = np.tile([3.0, 4.0, 5.0, 6.0], 10)
    assert seasonal_naive_scale(repeating, 4) == 0.0
    assert mase(actual=ACTUAL, forecast=FORECAST, scale=0.0) is None
