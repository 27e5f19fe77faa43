"""Reading how fresh a database's data is: the latest poll, the last ingest and the hot window.

One reading, :func:`read_freshness`, serves ``storemon status`` (no id), the API's ``GET /data``,
the dashboard's header (through the API) and each report's record. It opens the database
read-only and reads the min/max of the poll instants, the ``loads`` table and two table sizes
(``sql/freshness/data_freshness.sql``), so it answers at once whatever the history held.

A folder of raw CSV exports has no ingest: its freshness says "not ingested" and holds no
instants (reading it would mean parsing every file).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd

from storemon.engine import db, reader_leases, schema
from storemon.errors import StoremonError
from storemon.freshness import Freshness, retention_days


def read_freshness(source: str | Path, retention: int | None = None) -> Freshness:
    """Read how fresh a source's data is, without scanning it.

    Args:
        source: A database made by ``storemon ingest``, or a folder of CSV exports.
        retention: The retention reported for a folder, or for a database whose loads kept
            every poll hot (default: the setting); a database's own loads say theirs.

    Returns:
        The freshness (``ingested`` False for a folder).

    Raises:
        StoremonError: The source does not exist or is not a storemon database.
    """
    source = Path(source)
    retention = retention_days() if retention is None else retention
    if source.is_dir():
        return Freshness(ingested=False, retention_days=retention)
    if not source.is_file():
        raise StoremonError(
            f"database {source} does not exist: load data first with `storemon ingest --data DIR`"
        )
    with reader_leases.read_database(source) as con:
        schema.require_current(con, source)
        return freshness_of(con, retention)


def freshness_of(con: duckdb.DuckDBPyConnection, retention: int | None = None) -> Freshness:
    """Read how fresh the data of an open database connection is (see :func:`read_freshness`).

    A report job reads it on the snapshot its report was computed on.

    Args:
        con: A connection to a database made by ``storemon ingest`` (read-only is enough).
        retention: As for :func:`read_freshness`.

    Returns:
        The freshness.
    """
    retention = retention_days() if retention is None else retention
    row = db.run_query(con, "data_freshness").iloc[0]
    return Freshness(
        ingested=True,
        latest_poll=_instant(row["latest_poll"]),
        oldest_poll=_instant(row["oldest_poll"]),
        last_ingest=_instant(row["last_ingest"]),
        stores=int(row["n_stores"]),
        polls_hot=int(row["polls_hot"]),
        retention_days=retention if pd.isna(row["retention_days"]) else int(row["retention_days"]),
    )


def _instant(value: object) -> datetime | None:
    """A database timestamp as a naive UTC datetime (None for NULL)."""
    return None if pd.isna(value) else pd.Timestamp(value).to_pydatetime()
