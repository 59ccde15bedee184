"""The backtest: forecasts of every method from every origin of a fold, scored; the folds pooled."""
