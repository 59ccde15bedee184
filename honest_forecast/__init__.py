"""honest-forecast's library: pure functions the DVC stages in ``stages/`` wire to files.

Subpackages follow the pipeline: data (read and check a file), windows (split, scale, cut, audit),
models (the network and its training), baselines, scoring, diagnostics, backtest (folds, pooling)
and reporting. Nothing here imports a stage.
"""
