"""Self-contained HTML reports of forecasts."""
