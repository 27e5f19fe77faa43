"""The only module that talks to DuckDB: connections and named SQL files."""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

import duckdb
import pandas as pd


@cache
def load_sql(name: str) -> str:
    """Return the text of ``storemon/engine/sql/<name>.sql``.

    Args:
        name: The query name, i.e. the file stem.

    Returns:
        The SQL text.
    """
    return (
        resources.files("storemon.engine")
        .joinpath("sql", f"{name}.sql")
        .read_text(encoding="utf-8")
    )


def connect(path: str | Path | None = None, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open a DuckDB connection: in memory when ``path`` is None, else the database file.

    Args:
        path: Database file, or None for an in-memory database.
        read_only: Open the file read-only (several processes may read at once).

    Returns:
        A DuckDB connection with the session settings storemon relies on.
    """
    con = duckdb.connect(":memory:" if path is None else str(path), read_only=read_only)
    # Business hours are wall-clock times; all instants are handled as UTC microseconds.
    con.execute("set TimeZone = 'UTC'")
    # Progress bars would interleave with our own output (and land in captured logs).
    con.execute("set enable_progress_bar = false")
    return con


def execute(con: duckdb.DuckDBPyConnection, name: str, **params: object) -> None:
    """Run ``storemon/engine/sql/<name>.sql`` for its effect (DDL or DML) with named ``$params``.

    Args:
        con: An open connection.
        name: The query name.
        **params: Values for the query's ``$params``.
    """
    con.execute(load_sql(name), params or None)


def run_query(con: duckdb.DuckDBPyConnection, name: str, **params: object) -> pd.DataFrame:
    """Run ``storemon/engine/sql/<name>.sql`` with named ``$params`` and return a DataFrame.

    Args:
        con: An open connection.
        name: The query name.
        **params: Values for the query's ``$params``.

    Returns:
        The result as a DataFrame.
    """
    return con.execute(load_sql(name), params or None).df()
