"""The only module that talks to DuckDB: connections, named SQL files and the declared chain."""

from __future__ import annotations

import os
import re
import tempfile
import threading
from collections.abc import Iterable
from functools import cache
from importlib import resources
from pathlib import Path

import duckdb
import pandas as pd
import psutil

from storemon.engine import pipeline
from storemon.errors import StoremonError
from storemon.files import atomic_target

_PARAM = re.compile(r"\$([a-z_]+)")
_COMMENT = re.compile(r"--[^\n]*")
# Statements of a multi-statement file end with ";" at the end of a line. DuckDB binds $params
# only in the last statement of a call, so such a file runs one statement at a time.
_STATEMENT_END = re.compile(r";[ \t]*(?:\n|$)")

# The memory budget of every connection (docs/scaling.md): DuckDB's memory_limit (a size such as
# "8GiB", or a share of the machine such as "60%"), where it spills past it, and its threads.
MEMORY_LIMIT_VARIABLE = "STOREMON_MEMORY_LIMIT"
TEMP_DIR_VARIABLE = "STOREMON_TEMP_DIR"
THREADS_VARIABLE = "STOREMON_THREADS"
# The default budget (docs/scaling.md): the smaller of 60 % of the machine and 75 % of the memory
# available when the process first connects, less 1 GiB (DuckDB's resident set runs about that far
# past its limit), never under 256 MiB.
DEFAULT_MEMORY_SHARE = 0.6
DEFAULT_AVAILABLE_SHARE = 0.75
DEFAULT_HEADROOM = 2**30
MIN_MEMORY = 256 * 2**20
_PERCENT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*%\s*$")


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


def memory_budget(limit: str | None = None) -> dict[str, object]:
    """Return the DuckDB settings of the memory budget: ``memory_limit``, ``temp_directory``.

    ``threads`` is included when ``STOREMON_THREADS`` is set. Past ``memory_limit`` DuckDB
    spills sorts, joins and aggregates to ``temp_directory`` instead of failing.

    Args:
        limit: A DuckDB size (``"8GiB"``) or a share of the machine's memory (``"60%"``); by
            default ``STOREMON_MEMORY_LIMIT``, else :func:`default_memory_bytes`.

    Returns:
        The settings by name.

    Raises:
        StoremonError: The limit or the thread count is not usable.
    """
    limit = (limit or os.environ.get(MEMORY_LIMIT_VARIABLE) or "").strip()
    share = _PERCENT.match(limit) if limit else None
    if not limit:
        limit = f"{default_memory_bytes() // 2**20}MiB"
    elif share:
        fraction = float(share.group(1)) / 100
        if not 0 < fraction <= 1:
            raise StoremonError(
                f"{MEMORY_LIMIT_VARIABLE}={limit!r}: a share must be in (0, 100] %"
            )
        machine = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        limit = f"{max(1, int(machine * fraction) // 2**20)}MiB"
    temp = os.environ.get(TEMP_DIR_VARIABLE) or str(Path(tempfile.gettempdir(), "storemon-spill"))
    settings: dict[str, object] = {"memory_limit": limit, "temp_directory": temp}
    threads = os.environ.get(THREADS_VARIABLE)
    if threads:
        if not threads.strip().isdigit() or int(threads) < 1:
            raise StoremonError(f"{THREADS_VARIABLE}={threads!r} is not a positive whole number")
        settings["threads"] = int(threads)
    return settings


def default_memory_limit(total: int, available: int) -> int:
    """Return the default budget in bytes for a machine's total and available memory.

    The smaller of :data:`DEFAULT_MEMORY_SHARE` of ``total`` and :data:`DEFAULT_AVAILABLE_SHARE`
    of ``available`` less :data:`DEFAULT_HEADROOM`, and at least :data:`MIN_MEMORY`: on a machine
    that runs other work, what is free bounds the budget, not what is installed.

    Args:
        total: The machine's memory, in bytes.
        available: The memory available (free plus reclaimable caches), in bytes.

    Returns:
        The budget, in bytes.
    """
    from_available = int(available * DEFAULT_AVAILABLE_SHARE) - DEFAULT_HEADROOM
    return max(MIN_MEMORY, min(int(total * DEFAULT_MEMORY_SHARE), from_available))


@cache
def default_memory_bytes() -> int:
    """Return this process's default budget in bytes (when ``STOREMON_MEMORY_LIMIT`` is unset).

    :func:`default_memory_limit` of this machine, measured once per process (at its first
    connection): the process's own later growth does not shrink its budget.
    """
    memory = psutil.virtual_memory()
    return default_memory_limit(memory.total, memory.available)


# DuckDB checkpoints an in-memory database too, once enough has changed (to reclaim deleted
# rows), on one thread, inside whichever statement crosses the threshold. An in-memory database
# here lives for one computation (a report from raw CSVs, a trend, a partition) and is thrown
# away: its checkpoints were a third of a report from raw CSVs on the 1x fleet, for no gain (its
# peak memory is lower without them). So they never happen.
IN_MEMORY_CHECKPOINT_THRESHOLD = "1000.0 GiB"


def connect(
    path: str | Path | None = None,
    read_only: bool = False,
    memory_limit: str | None = None,
    threads: int | None = None,
) -> duckdb.DuckDBPyConnection:
    """Open a DuckDB connection: in memory when ``path`` is None, else the database file.

    Args:
        path: Database file, or None for an in-memory database.
        read_only: Open the file read-only (several processes may read at once).
        memory_limit: This connection's budget (see :func:`memory_budget`); default the
            ``STOREMON_MEMORY_LIMIT`` setting.
        threads: DuckDB threads (default the ``STOREMON_THREADS`` setting, else one per core).

    Returns:
        A DuckDB connection with the session settings storemon relies on.

    Raises:
        StoremonError: The memory budget is not usable.
    """
    settings = memory_budget(memory_limit)
    if threads is not None:
        settings["threads"] = max(1, int(threads))
    if path is None:
        settings["checkpoint_threshold"] = IN_MEMORY_CHECKPOINT_THRESHOLD
    con = duckdb.connect(":memory:" if path is None else str(path), read_only=read_only)
    try:
        for name, value in settings.items():
            # The same file opened twice in a process shares one DuckDB instance, whose temp
            # directory cannot change once used: set only what differs.
            if str(con.execute("select current_setting(?)", [name]).fetchone()[0]) != str(value):
                con.execute(f"set {name} = ?", [value])
    except duckdb.Error as error:
        con.close()
        raise StoremonError(f"memory budget {settings}: {error}") from None
    return _start_session(con)


def close_in_background(con: duckdb.DuckDBPyConnection) -> None:
    """Close a connection to an in-memory database on a thread of its own, ``storemon-close``.

    Closing frees every table the database holds (about 0.05 s for a folder of the 1x fleet);
    DuckDB releases the GIL meanwhile, so the caller goes on with its answer. The thread is not
    a daemon: a process waits for it before it exits.

    Args:
        con: A connection nothing else uses any more.
    """
    threading.Thread(target=con.close, name="storemon-close").start()


def duplicate(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """Open a second connection to the same database, with temp tables of its own.

    It reads the same snapshot (the database file the first one opened, or the same in-memory
    database), so a second computation can run beside the first one's temp tables without
    touching them. Close it before the first.

    Args:
        con: A connection from :func:`connect`.

    Returns:
        The new connection, with storemon's session settings and macros.
    """
    return _start_session(con.cursor())


def _start_session(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """Apply the session settings storemon relies on and define its macros; return ``con``."""
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
    con: duckdb.DuckDBPyConnection,
    name: str,
    path: str | Path,
    partition_by: str | None = None,
    compression: str = "snappy",
    exclude: tuple[str, ...] = (),
    **params: object,
) -> None:
    """Run the query ``storemon/engine/sql/<name>.sql`` and write its rows to Parquet.

    DuckDB writes the file itself (no rows pass through Python), under a temporary name that is
    renamed to ``path`` once complete (:func:`storemon.files.atomic_target`). With
    ``partition_by``, ``path`` is a folder that gets one ``<column>=<value>/`` folder per value
    (the column left out of the files) and ``schema.parquet``, no rows but every other column
    with its type; the caller makes that folder's appearance atomic.

    Args:
        con: An open connection.
        name: The query name.
        path: The file to write (replaced if it exists), or the folder with ``partition_by``.
        partition_by: A column of the query to partition the files by.
        compression: The Parquet codec (``uncompressed`` for files read once, soon, nearby).
        exclude: Columns of the query left out of the file.
        **params: Values for the query's ``$params``.
    """
    relation = con.sql(load_sql(name), params=params or None)
    if exclude:
        relation = relation.project(f"* exclude ({', '.join(exclude)})")
    if partition_by is not None:
        relation.write_parquet(str(path), compression=compression, partition_by=[partition_by])
        empty = relation.limit(0).project(f"* exclude ({partition_by})")
        empty.write_parquet(str(Path(path, "schema.parquet")))
        return
    with atomic_target(path) as partial:
        relation.write_parquet(str(partial), compression=compression)


def write_frame_parquet(
    con: duckdb.DuckDBPyConnection, frame: pd.DataFrame, path: str | Path
) -> None:
    """Write a DataFrame's rows to a Parquet file, in order, atomically (DuckDB writes it).

    Args:
        con: An open connection.
        frame: The rows (each column's type becomes DuckDB's: ``str`` VARCHAR, a naive
            ``datetime64`` TIMESTAMP, ``float64`` DOUBLE).
        path: The file to write (replaced if it exists).
    """
    with atomic_target(path) as partial:
        con.from_df(frame).write_parquet(str(partial))


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
