"""What any model must beat: simple forecasts, a linear autoregression, and the field's statistical forecasters."""
