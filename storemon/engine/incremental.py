"""What a load derives from the polls it merges: the tables every report reads, kept current.

The derived tables (``stores``, ``store_zones``, ``weekly_spans``, ``poll_instants``,
``store_days``) follow the load store by store (:class:`Derivation`): the stores it changed (new
hours or zone, or polls lost with a changed file) first get their zone and spans again; each
merged piece of polls is then derived in a pass of its own (a store polled for the first time
gets the next key, its zone and spans), the changed stores' hot polls in one more pass, and the
passes' instants are merged into ``poll_instants`` and ``store_days`` once. The other stores'
rows are left as they are. Into a database that held no poll, every poll merged is new: they are
derived in one pass once all are merged (a pass builds its lookups over the whole fleet, so one
per piece would cost the pieces times the fleet).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb

from storemon.config import DEFAULT_TIMEZONE
from storemon.engine import archive_read, db, pipeline
from storemon.engine.archive import ArchiveChange
from storemon.engine.sources import FileLoad
from storemon.errors import StoremonError


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
        replace_snapshot: Accept hours or zone files that drop more than half of the stores
            holding rows in the snapshot held (``ingest --replace-snapshot``).
        database: The database file loaded into, as the user named it (for messages).
        settled: File names that did not change since the last look (``--watch``): a torn last
            line of theirs is loaded, not waited for.
        keep_snapshots: Snapshot kinds (``menu_hours``, ``timezones``) whose snapshot held stays
            as it is in this load (``--watch``: its new files were refused).
        clock: The load's clock (aware or naive UTC; default: the time now). A poll later than
            it plus 1 hour is rejected as in the future, and retried once the clock passes it.
        private: The database is the load's own until it ends (``storemon ingest``'s working
            copy, or an in-memory database for one report): no reader sees it before the load
            ends, so what each piece of a file writes is committed as it goes, and the rows a
            piece staged are freed with the next piece instead of being kept for a rollback.
        fingerprint: Hash the bytes of each file read, for the registry (a later load into the
            same database knows by it that a grown file kept its loaded bytes); off for a
            folder loaded in memory for one report, which no later load reads.
    """

    archive: Path | None = None
    retention_days: int = 21
    exclude: frozenset[str] = frozenset()
    complete_lines_only: bool = False
    change: ArchiveChange = field(default_factory=ArchiveChange)
    replace_snapshot: bool = False
    database: Path | None = None
    settled: frozenset[str] = frozenset()
    keep_snapshots: frozenset[str] = frozenset()
    clock: datetime | None = None
    private: bool = False
    fingerprint: bool = True


class Derivation:
    """The derive passes of one load (see the module docstring), merged once at its end."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        """Start a load's derivation on its connection (inside its transaction)."""
        self.con = con
        self.passes = 0
        # Into a database that holds no poll, every merged poll is new: derived in one pass at
        # the end (pipeline.DERIVE_FIRST), not one per piece.
        self.first = not db.fetch_row(con, "polls_held")["held"]
        self.pending = False
        db.execute(con, "begin_instants")

    def changed_spans(self) -> None:
        """Derive again the zone and spans of the stores the load changed, before any poll."""
        if int(db.fetch_row(self.con, "load_batch_counts")["n_changed"]):
            db.execute(self.con, "changed_derive_keys")
            db.run_steps(self.con, pipeline.DERIVE_SPANS, default_tz=DEFAULT_TIMEZONE)

    def derive(self, steps: tuple[str, ...]) -> None:
        """Derive the instants of some polls into ``raw_instants`` (one pass).

        Args:
            steps: The pass: :data:`pipeline.DERIVE_NEW` (the last merged piece's new polls) or
                :data:`pipeline.DERIVE_CHANGED` (the changed stores' hot polls).
        """
        if self.first and steps == pipeline.DERIVE_NEW:
            self.pending = True  # derived with every other piece at the end
            return
        db.run_steps(self.con, steps, default_tz=DEFAULT_TIMEZONE)
        self.passes += 1

    def finish(self, options: LoadOptions) -> None:
        """Derive the changed stores again, then merge every pass's instants and days.

        Args:
            options: The load's options (its archive folder).
        """
        if self.pending:
            self.pending = False
            db.run_steps(self.con, pipeline.DERIVE_FIRST, default_tz=DEFAULT_TIMEZONE)
            self.passes += 1
        changed = int(db.fetch_row(self.con, "load_batch_counts")["n_changed"])
        if changed:
            db.execute(self.con, "reset_changed_stores")
            self.derive(pipeline.DERIVE_CHANGED)
        if not self.passes:
            return
        first = bool(db.fetch_row(self.con, "first_link")["first"])
        in_file = db.fetch_row(self.con, "database_path")["path"] is not None  # else in memory
        steps = pipeline.DERIVE_FIRST_MERGE if first else pipeline.DERIVE_MERGE
        db.run_steps(self.con, steps, in_time_order=in_file)
        if changed:
            if options.archive is not None:
                _archived_firsts(self.con, options.archive)
            db.execute(self.con, "drop_vanished_stores")
        db.execute(self.con, "mark_derived_stores")


def _archived_firsts(con: duckdb.DuckDBPyConnection, folder: Path) -> None:
    """Find the changed stores' firsts and last archived observations again, from the archive."""
    files = archive_read.listed_files(con, folder)
    if not files:
        return
    archive_read.derive_archived_changed(con, files, DEFAULT_TIMEZONE)
    db.execute(con, "update_store_firsts")
    db.execute(con, "cold_from_batch")
    db.execute(con, "update_store_cold")


class SnapshotRefused(StoremonError):
    """A new hours or zone snapshot would drop most stores' rows: the load is refused."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


# What a store dropped from a snapshot becomes (docs/report.md: no hours = open 24x7).
_LOSS = {
    "menu_hours": ("business hours", "lose their hours (now open 24x7)"),
    "timezones": ("time zone", f"lose their time zone (now {DEFAULT_TIMEZONE})"),
}


def snapshot_drops(
    con: duckdb.DuckDBPyConnection, options: LoadOptions, loads: list[FileLoad]
) -> list[str]:
    """Say which stores the new hours and zone snapshots drop; refuse to drop most of them.

    A snapshot is replaced whole by the folder's files, so a partial export would silently turn
    most of the fleet 24x7 (or move it to the default zone). A new snapshot that drops more than
    half of the stores holding rows in the one held is refused unless
    ``options.replace_snapshot``.

    Args:
        con: The connection of the load, after its files are merged (inside its transaction).
        options: The load's options.
        loads: What the load did with each file (names the files in the refusal).

    Returns:
        One line per snapshot that drops stores, e.g. ``menu_hours: 14,068 stores lose their
        hours (now open 24x7)``.

    Raises:
        SnapshotRefused: The new snapshot drops more than half of the stores (nothing is
            written).
    """
    lines = []
    for table, n_before, n_dropped in db.run_query(con, "snapshot_dropped_stores").itertuples(
        index=False
    ):
        if not n_dropped:
            continue
        what, loss = _LOSS[table]
        if 2 * n_dropped > n_before and not options.replace_snapshot:
            files = [f.file for f in loads if f.kind == table and f.action != "skip"]
            named = ", ".join(files) if files else f"the folder (it has no {table} file now)"
            raise SnapshotRefused(
                table,
                f"{named} would drop the {what} of {n_dropped:,} of the {n_before:,} stores that "
                "have them; nothing was loaded. If this is the whole new export, load it with "
                f"`storemon ingest --replace-snapshot`: those stores then {loss}",
            )
        lines.append(f"{table}: {n_dropped:,} stores {loss}")
    return lines
