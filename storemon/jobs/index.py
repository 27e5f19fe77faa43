"""The report index: one row per report folder, so listing reports reads no folder.

``<reports_dir>/.index.sqlite`` (SQLite, stdlib) keeps each report's record as JSON with its
``created``, ``status`` and ``finished``. Every record written through
:func:`storemon.jobs.store.save_record` updates its row in the same process; SQLite makes each
update atomic and lets the server, its runners and the command line write at the same time.

The index is a cache of the ``status.json`` files, never the truth: :mod:`.store` compares its
ids with the folder names (one directory listing, no file read) and reads only the folders it
lacks; a row that says Running is read again from its folder when it is listed. A missing or
damaged index file is rebuilt from the folders; when SQLite cannot be used at all the listing
falls back to reading every folder.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path

from storemon.jobs.records import JobRecord

INDEX_FILE = ".index.sqlite"
BUSY_TIMEOUT_SECONDS = 30.0

log = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS reports (
    report_id TEXT PRIMARY KEY,
    created TEXT NOT NULL,
    status TEXT NOT NULL,
    finished TEXT,
    record TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS reports_by_created ON reports (created);
"""


class ReportIndex:
    """The index of one reports folder.

    Args:
        reports_dir: The folder of report folders (the index file lives in it).
    """

    def __init__(self, reports_dir: str | Path) -> None:
        self.reports_dir = Path(reports_dir)
        self.path = self.reports_dir / INDEX_FILE

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        """An open connection with the schema in place; a damaged index file is replaced."""
        try:
            connection = self._open()
        except sqlite3.DatabaseError as exc:  # not a database (damaged, truncated): rebuild
            log.warning("report index %s is damaged (%s); rebuilding it", self.path, exc)
            self.discard()
            connection = self._open()
        with closing(connection):
            with connection:  # one transaction, committed on leaving
                yield connection

    def _open(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_SECONDS)
        try:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            connection.executescript(_SCHEMA)
        except BaseException:
            connection.close()
            raise
        return connection

    def discard(self) -> None:
        """Delete the index file (and SQLite's companions); the next use rebuilds it."""
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)

    def put(self, records: Iterable[JobRecord]) -> None:
        """Insert or replace the rows of ``records``."""
        rows = [
            (r.report_id, r.created, r.status.value, r.finished, r.model_dump_json())
            for r in records
        ]
        with self._connection() as connection:
            connection.executemany("INSERT OR REPLACE INTO reports VALUES (?, ?, ?, ?, ?)", rows)

    def drop(self, report_ids: Iterable[str]) -> None:
        """Remove the rows of these reports (their folders are gone)."""
        with self._connection() as connection:
            connection.executemany(
                "DELETE FROM reports WHERE report_id = ?", [(i,) for i in report_ids]
            )

    def ids(self) -> set[str]:
        """The report ids the index holds."""
        with self._connection() as connection:
            return {row[0] for row in connection.execute("SELECT report_id FROM reports")}

    def newest(self, limit: int) -> list[JobRecord]:
        """The ``limit`` most recently created reports' records, newest first."""
        with self._connection() as connection:
            rows = connection.execute(
                "SELECT record FROM reports ORDER BY created DESC, report_id LIMIT ?", (limit,)
            ).fetchall()
        return [JobRecord.model_validate_json(row[0]) for row in rows]

    def ended_before(self, instant: str) -> list[JobRecord]:
        """Records of reports that ended (Complete or Failed) before ``instant`` (ISO, UTC).

        Args:
            instant: An instant written like :func:`storemon.jobs.records.utc_now`.

        Returns:
            The records, oldest end first.
        """
        with self._connection() as connection:
            rows = connection.execute(
                "SELECT record FROM reports WHERE status != 'Running' AND finished < ? "
                "ORDER BY finished",
                (instant,),
            ).fetchall()
        return [JobRecord.model_validate_json(row[0]) for row in rows]
