"""The forecast past the last row: the future times, each method's forecast from the last origin, its intervals."""
