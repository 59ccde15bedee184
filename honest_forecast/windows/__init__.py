"""Windows: the chronological split, scaling fit on train, calendar inputs, the window store and its audit."""
