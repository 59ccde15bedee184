"""Checks that say why a low loss can still mean awful forecasts, split by what they are about."""
