"""A report read by people: metrics, data quality and figures for notebooks and the dashboard."""
