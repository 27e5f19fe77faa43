"""The only module that talks to DuckDB: connections, named SQL files and the declared chain."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from importlib import resources
from pathlib import Path

import duckdb
import pandas as pd

from storemon.engine import pipeline
from storemon.files import atomic_target

_PARAM = re.compile(r"\$([a-z_]+)")
_COMMENT = re.compile(r"--[^\n]*")
# Statements of a multi-statement file end with ";" at the end of a line. DuckDB binds $params
# only in the last statement of a call, so such a file runs one statement at a time.
_STATEMENT_END = re.compile(r";[ \t]*(?:\n|$)")


@cache
def load_sql(name: str) -> str:
    """Return the text of ``storemon/engine/sql/<stage>/<name>.sql``.

    Args:
        name: The step name, i.e. the file stem; :mod:`storemon.engine.pipeline` says its stage.

    Returns:
        The SQL text.
    """
    return (
        resources.files("storemon.engine")
        .joinpath("sql", pipeline.folder_of(name), f"{name}.sql")
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
    # Temp macros live in the session, so every connection (read-only ones too) defines them.
    run_steps(con, (step.name for step in pipeline.MACROS.steps))
    return con


def execute(con: duckdb.DuckDBPyConnection, name: str, **params: object) -> None:
    """Run ``storemon/engine/sql/<name>.sql`` for its effect (DDL or DML) with named ``$params``.

    Args:
        con: An open connection.
        name: The query name.
        **params: Values for the query's ``$params``.
    """
    _run(con, load_sql(name), params)


def _run(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, object]) -> None:
    """Run a file's statements in order, each with the ``params`` it names."""
    for statement in _STATEMENT_END.split(_COMMENT.sub("", sql)):
        if not statement.strip():
            continue
        wanted = set(_PARAM.findall(statement))
        con.execute(statement, {k: v for k, v in params.items() if k in wanted} or None)


def run_query(con: duckdb.DuckDBPyConnection, name: str, **params: object) -> pd.DataFrame:
    """Run ``storemon/engine/sql/<name>.sql`` with named ``$params`` and return a DataFrame.

    Args:
        con: An open connection.
        name: The query name.
        **params: Values for the query's ``$params``.

    Returns:
        The result as a DataFrame.
    """
    sql = load_sql(name)
    wanted = set(_PARAM.findall(_COMMENT.sub("", sql)))
    return con.execute(sql, {k: v for k, v in params.items() if k in wanted} or None).df()


def fetch_row(
    con: duckdb.DuckDBPyConnection, name: str, **params: object
) -> dict[str, object] | None:
    """Run a query expected to give at most one row; return it as Python values.

    Nested values stay Python lists and dicts (no DataFrame is built for one row).

    Args:
        con: An open connection.
        name: The query name.
        **params: Values for the query's ``$params``.

    Returns:
        The first row as a dict by column name, or None when there is none.
    """
    cursor = con.execute(load_sql(name), params or None)
    names = [column[0] for column in cursor.description]
    row = cursor.fetchone()
    return None if row is None else dict(zip(names, row, strict=True))


def write_parquet(
    con: duckdb.DuckDBPyConnection, name: str, path: str | Path, **params: object
) -> None:
    """Run the query ``storemon/engine/sql/<name>.sql`` and write its rows to a Parquet file.

    DuckDB writes the file itself (no rows pass through Python), under a temporary name that is
    renamed to ``path`` once complete (:func:`storemon.files.atomic_target`).

    Args:
        con: An open connection.
        name: The query name.
        path: The file to write (replaced if it exists).
        **params: Values for the query's ``$params``.
    """
    with atomic_target(path) as partial:
        relation = con.sql(load_sql(name), params=params or None)
        relation.write_parquet(str(partial), compression="snappy")


def run_steps(con: duckdb.DuckDBPyConnection, names: Iterable[str], **params: object) -> None:
    """Run steps in order, each with those of ``params`` that its SQL names.

    Args:
        con: An open connection.
        names: Step names, in the order they must run.
        **params: Values for the steps' ``$params`` (a step gets only the ones it uses).
    """
    for name in names:
        _run(con, load_sql(name), params)


def run_stage(con: duckdb.DuckDBPyConnection, name: str, **params: object) -> None:
    """Run every step of a statement stage of :mod:`storemon.engine.pipeline`, in order.

    Args:
        con: An open connection.
        name: The stage name.
        **params: Values for the steps' ``$params``.

    Raises:
        ValueError: The stage holds queries, which callers run one by one.
    """
    stage = pipeline.stage(name)
    if stage.queries:
        raise ValueError(f"stage {name!r} holds queries: run them with run_query")
    run_steps(con, (step.name for step in stage.steps), **params)
