"""The engine: CSV exports -> DuckDB tables -> the report, in set-based SQL (``sql/``).

Runs in every runtime (batch kernel, API server, dashboard kernel); imports nothing above it.
"""
