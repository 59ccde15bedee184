"""The failures a stage reports as one ``error:`` line: bad params, bad data, diverging training."""

from __future__ import annotations


class ParamError(ValueError):
    """A params.yaml problem; the message names the key and what to do."""


class DataError(ValueError):
    """Input data the pipeline cannot use; the message names file, column and rows."""


class TrainingError(RuntimeError):
    """Training failed (for example the loss became non-finite); the message says what to change."""
