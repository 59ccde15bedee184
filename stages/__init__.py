"""Pipeline stages: one module per DVC stage in dvc.yaml, each a thin main() over pure functions."""
