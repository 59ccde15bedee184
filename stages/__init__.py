"""The DVC entry points, one module per stage in dvc.yaml: each main() loads, calls honest_forecast, writes."""
