"""What a load does after its files are merged: the derived tables, updated for what is new.

The derived tables (``stores``, ``store_zones``, ``weekly_spans``, ``poll_instants``,
``store_days``) are updated for the load's new polls only (a store polled for the first time gets
the next key), unless a store changed its hours or zone, or lost polls (a changed file): then they
are derived again from the hot polls, bounded by the retention window, and a changed store's
firsts and last archived observations from its archived polls.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from storemon.config import DEFAULT_TIMEZONE
from storemon.engine import archive, db, pipeline
from storemon.engine.archive import ArchiveChange


@dataclass
class LoadOptions:
    """How a load runs.

    Attributes:
        archive: The archive folder (``storemon ingest``), or None to keep every poll hot (a
            folder loaded in memory for one report).
        retention_days: Days of polls the hot database keeps.
        exclude: File names to leave out of this load (``--watch``: bad or growing files).
        complete_lines_only: Load only complete lines (``--watch``); else whole files.
        change: The archive files the load wrote and superseded (filled by the load).
    """

    archive: Path | None = None
    retention_days: int = 21
    exclude: frozenset[str] = frozenset()
    complete_lines_only: bool = False
    change: ArchiveChange = field(default_factory=ArchiveChange)


def derive_after_load(con: duckdb.DuckDBPyConnection, options: LoadOptions) -> None:
    """Update the derived tables for a load's merged files (see the module docstring).

    Args:
        con: The connection of the load (inside its transaction).
        options: The load's options (its archive folder).
    """
    counts = db.run_query(con, "load_batch_counts").iloc[0]
    changed, appeared = int(counts["n_changed"]), int(counts["n_appeared"])
    if changed:
        db.run_steps(con, pipeline.DERIVE_ALL, default_tz=DEFAULT_TIMEZONE)
        if options.archive is not None:
            _archived_firsts(con, options.archive)
    elif appeared:
        db.run_steps(con, pipeline.DERIVE_APPEND, default_tz=DEFAULT_TIMEZONE)
    elif int(counts["n_new"]):
        db.run_steps(con, pipeline.DERIVE_NEW, default_tz=DEFAULT_TIMEZONE)


def _archived_firsts(con: duckdb.DuckDBPyConnection, folder: Path) -> None:
    """Find the changed stores' firsts and last archived observations again, from the archive."""
    files = archive.listed_files(con, folder)
    if not files:
        return
    archive.derive_archived(con, files, None, None, DEFAULT_TIMEZONE)
    db.execute(con, "keep_changed_batch")
    db.execute(con, "update_store_firsts")
    db.execute(con, "cold_from_batch")
    db.execute(con, "update_store_cold")
