"""Scoring: point metrics, intervals, significance, the choice made on valid, and a block scored with all of them."""
