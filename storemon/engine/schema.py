"""Which storemon made a database: its schema version, checked by readers, upgraded by a load.

A database records the version of the schema it follows (table ``storemon_info``). Tables and
columns added by a newer storemon appear when the schema runs again (``create table if not
exists``), but what is derived from the polls (each store's first poll in hours, its last
observations per day, ...) would stay empty or stale: so a load into a database of an older
version derives every store's rows again, from its hot and archived polls, before it records the
current version; a report refuses such a database with a sentence that names that load.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from storemon.engine import db
from storemon.errors import StoremonError

# 1: the first recorded version (store_days, the stores' firsts and last archived observations).
# 2: day_spans kept in the database (each store's hours merged and cut at local midnights).
# 3: each in-hours poll instant linked to its predecessor (poll_instants.prev_packed).
CURRENT_VERSION = 3
# A load into a database older than this derives every store's rows again; into a newer one
# (still older than CURRENT_VERSION) only what the versions since added: each store's day spans
# (below 2), the instants' links (below 3).
DERIVE_AGAIN_BELOW = 1


def version_of(con: duckdb.DuckDBPyConnection) -> int | None:
    """Return the schema version of the connection's database.

    Args:
        con: An open connection (read-only is enough).

    Returns:
        None for a database without storemon's tables (new), 0 for one made before versions
        were recorded, else the version it records.
    """
    state = db.fetch_row(con, "schema_state")
    if not state["has_polls"]:
        return None
    if not state["has_info"]:
        return 0
    row = db.fetch_row(con, "schema_version")
    return 0 if row is None or row["schema_version"] is None else int(row["schema_version"])


def check_loadable(con: duckdb.DuckDBPyConnection, path: str | Path) -> int | None:
    """Return the database's version before a load; refuse one made by a newer storemon.

    Args:
        con: A connection to the database about to be loaded.
        path: The database file the user named (for the message).

    Returns:
        The version (None: a new database).

    Raises:
        StoremonError: A newer storemon made it.
    """
    version = version_of(con)
    if version is not None and version > CURRENT_VERSION:
        raise _newer(path, version)
    return version


def require_current(con: duckdb.DuckDBPyConnection, path: str | Path) -> None:
    """Refuse to read a database that is not of the current version, naming what to run.

    Args:
        con: A connection to the database (read-only).
        path: The database file (for the message).

    Raises:
        StoremonError: Not a storemon database, or made by an older or a newer storemon.
    """
    version = version_of(con)
    if version is None:
        raise StoremonError(
            f"{path} is not a database made by `storemon ingest`: give a database that "
            "`storemon ingest` made, or a folder of CSV exports"
        )
    if version > CURRENT_VERSION:
        raise _newer(path, version)
    if version < CURRENT_VERSION:
        raise StoremonError(
            f"{path} was made by an older storemon (schema {version}, this one reads "
            f"{CURRENT_VERSION}): run `storemon ingest --db {path}` once to bring it up to date "
            "(what it lacks is derived from the data it holds; nothing is lost)"
        )


def _newer(path: str | Path, version: int) -> StoremonError:
    return StoremonError(
        f"{path} was made by a newer storemon (schema {version}, this one knows up to "
        f"{CURRENT_VERSION}): upgrade storemon (pip install -U storemon) to use it; it was not "
        "changed"
    )
