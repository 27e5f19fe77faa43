"""The databases the benchmarks keep under ``data/bench/`` between runs.

A kept database is used again only when this storemon reads it as it is: one made by an older
storemon is loaded again first (``storemon ingest`` brings it up to date; its files add nothing).
"""

from __future__ import annotations

from pathlib import Path


def is_current(database: Path) -> bool:
    """Is ``database`` there, of the schema version this storemon reads?"""
    if not database.exists():
        return False
    from storemon.engine import db, schema

    con = db.connect(database, read_only=True)
    try:
        return schema.version_of(con) == schema.CURRENT_VERSION
    finally:
        con.close()
