"""The Parquet archive: polls older than the hot window, kept next to their database.

Layout: ``<archive>/date=YYYY-MM-DD/part-<tag>.parquet`` (store_id, timestamp_utc, status,
source_file), beside ``instants-<tag>.kept``: the day's poll instants as the hot database held
them when the day left it (Parquet too: store_key, t_us, active, in_hours), which reports and
trends read instead of deriving the day again, for every store whose hours, zone and polls have
not changed since (``derive_marks``). ``<archive>`` is ``archive/`` beside the default
``storemon.duckdb``, ``<stem>-archive/`` beside another ``<stem>.duckdb`` and
``<name>-archive/`` beside a file of any other name, so two database files never share one (and
the folder's marker says whose it is: :mod:`storemon.engine.archive_folder`). Analysts read the
polls with ``read_parquet('data/archive/**/*.parquet')``.

Consistency (docs/report.md, "Loading"): the database lists its Parquet files (``archive_files``,
``archive_instant_files``).
A load notes each file it will write or supersede in its journal, writes its new files (each to a
temporary name, then renamed), commits and renames the database copy over the old one, then
deletes the files it superseded. Readers read only the files their database lists. After a kill,
:func:`recover` deletes the files the journals name that the database in place does not list, so
the hot database and the archive always hold every poll once, and nothing else is ever deleted.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd

from storemon.engine import archive_folder, db
from storemon.engine.archive_read import kept_listing, listed_files, poll_listing

_DAY_US = 86_400_000_000
_EPOCH = datetime(1970, 1, 1)


def archive_dir(db_path: str | Path) -> Path:
    """Return the archive folder of a database file.

    Args:
        db_path: The database file.

    Returns:
        ``archive/`` beside ``storemon.duckdb``, ``<stem>-archive/`` beside another
        ``<stem>.duckdb``, ``<name>-archive/`` beside a file of any other name (``storemon.db``
        and a ``storemon.bak`` copy each get their own).
    """
    db_path = Path(db_path)
    if db_path.name == "storemon.duckdb":
        return db_path.parent / "archive"
    name = db_path.stem if db_path.suffix == ".duckdb" else db_path.name
    return db_path.parent / f"{name}-archive"


@dataclass
class ArchiveChange:
    """The Parquet files a load writes and those it supersedes, noted in its journal first.

    Attributes:
        folder: The archive folder (None: a load without an archive writes nothing).
        database: The name of the database file the archive belongs to.
        written: The files written so far.
        superseded: The files to delete once the database that stops listing them is in place.
    """

    folder: Path | None = None
    database: str = ""
    written: list[Path] = field(default_factory=list)
    superseded: list[Path] = field(default_factory=list)
    _journal: archive_folder.Journal | None = None

    def note(self, relatives: list[str]) -> None:
        """Claim the folder (the first time) and journal paths about to be written or dropped."""
        if self.folder is None:
            raise ValueError("a load without an archive folder writes no Parquet file")
        if self._journal is None:
            archive_folder.claim(self.folder, self.database)
            self._journal = archive_folder.Journal(self.folder)
        self._journal.note(relatives)

    def finish(self) -> None:
        """Delete the superseded files (after the database that stops listing them is in place)."""
        for path in self.superseded:
            path.unlink(missing_ok=True)
            archive_folder.remove_empty_day(path.parent)
        self._close()

    def undo(self) -> None:
        """Delete the files written (the load failed; its database copy is thrown away)."""
        for path in self.written:
            path.unlink(missing_ok=True)
            path.with_name(f".{path.name}.tmp").unlink(missing_ok=True)
            archive_folder.remove_empty_day(path.parent)
        self._close()

    def _close(self) -> None:
        if self._journal is not None:
            self._journal.close()
            self._journal = None


def recover(folder: Path, con: duckdb.DuckDBPyConnection) -> int:
    """Delete what killed loads left in ``folder``: files journalled but not listed.

    Args:
        folder: The archive folder.
        con: A connection to the database in place (its ``archive_files`` is the truth).

    Returns:
        The number of files deleted.
    """
    if not folder.is_dir():
        return 0
    listed = set(db.run_query(con, "archive_listing")["path"]) | set(kept_listing(con)["path"])
    return archive_folder.recover(folder, listed)


def drop_every_kept_day(
    con: duckdb.DuckDBPyConnection, folder: Path, change: ArchiveChange
) -> None:
    """Stop listing every archived day's kept instants (an older storemon's, without links).

    Reports derive those days again from their polls, as for a day whose polls changed.
    """
    for day in sorted(set(kept_listing(con)["day"])):
        _drop_kept(con, folder, day, change)


def _drop_kept(
    con: duckdb.DuckDBPyConnection, folder: Path, day: date, change: ArchiveChange
) -> None:
    """Stop listing a day's kept instants (its polls change): its reports derive it again."""
    kept = kept_listing(con)
    paths = list(kept.loc[kept["day"] == day, "path"])
    if not paths:
        return
    change.note(paths)
    change.superseded += [folder / p for p in paths]
    db.execute(con, "drop_instant_day", day=day)


def _write(
    con: duckdb.DuckDBPyConnection,
    sql: str,
    params: dict,
    part: tuple[Path, str],
    change: ArchiveChange,
) -> None:
    """Write a query's rows to a new part as Parquet: journalled, a temporary name, a rename."""
    target, relative = part
    change.note([relative])
    change.written.append(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.tmp")
    con.sql(sql, params=params).write_parquet(str(temporary))
    with open(temporary, "rb") as stream:
        os.fsync(stream.fileno())
    os.replace(temporary, target)


def _new_part(
    folder: Path, day: date, kind: str = "part-", suffix: str = ".parquet"
) -> tuple[Path, str]:
    relative = f"date={day.isoformat()}/{kind}{uuid.uuid4().hex}{suffix}"
    return folder / relative, relative


def apply_retention(
    con: duckdb.DuckDBPyConnection, folder: Path, retention_days: int, change: ArchiveChange
) -> None:
    """Move the hot polls older than the retention window to the archive, one file per day.

    The window ends at the latest poll held and starts ``retention_days`` before it, at a UTC
    midnight; it never moves back. Late polls older than the window are moved the same way.

    Args:
        con: The connection of the load (inside its transaction).
        folder: The archive folder.
        retention_days: Days of polls the hot database keeps.
        change: Collects the files written.
    """
    latest = db.run_query(con, "latest_poll").iloc[0]["latest"]
    if pd.isna(latest):
        return
    latest, held = pd.Timestamp(latest), db.run_query(con, "hot_cutoff").iloc[0]["cutoff_us"]
    day = datetime(latest.year, latest.month, latest.day)
    cutoff = day - timedelta(days=retention_days)
    if not pd.isna(held):
        cutoff = max(cutoff, _EPOCH + timedelta(microseconds=int(held)))
    days = db.run_query(con, "archive_days", cutoff=cutoff)["day"]
    if days.empty and not pd.isna(held) and cutoff == _EPOCH + timedelta(microseconds=int(held)):
        return  # the window did not move and no late poll is older than it: nothing to do
    archived_days = set(poll_listing(con)["day"])
    db.execute(con, "archive_cold_instants", cutoff=cutoff)
    sql = db.load_sql("archive_day_polls")
    days = [value.date() if hasattr(value, "date") else value for value in days]
    if archived_days and days and min(days) <= max(archived_days):  # late polls: days change
        until_us = (cutoff - _EPOCH) // timedelta(microseconds=1)
        db.execute(con, "stale_archive_links", until_us=until_us)
    for the_day in days:
        target, relative = _new_part(folder, the_day)
        _write(con, sql, {"day": the_day, "cutoff": cutoff}, (target, relative), change)
        _register(con, relative, target, the_day, replace_day=False)
        if the_day in archived_days:  # late polls join a day archived before
            _drop_kept(con, folder, the_day, change)
        else:
            _keep_instants(con, folder, (the_day, cutoff), change)
    db.execute(con, "update_store_cold")
    db.execute(con, "drop_archived", cutoff=cutoff)


def _keep_instants(
    con: duckdb.DuckDBPyConnection,
    folder: Path,
    day_and_cutoff: tuple[date, datetime],
    change: ArchiveChange,
) -> None:
    """Keep the instants of a day's polls leaving the hot database (cold_instants) beside them."""
    the_day, cutoff = day_and_cutoff
    day_us = (the_day - _EPOCH.date()).days * _DAY_US
    cutoff_us = (cutoff - _EPOCH) // timedelta(microseconds=1)
    params = {"day_us": day_us, "end_us": min(day_us + _DAY_US, cutoff_us)}
    target, relative = _new_part(folder, the_day, "instants-", ".kept")
    _write(con, db.load_sql("archive_day_instants"), params, (target, relative), change)
    db.execute(con, "register_instant_file", path=relative, day=the_day)


def forget_file(
    con: duckdb.DuckDBPyConnection, folder: Path, source_file: str, change: ArchiveChange
) -> None:
    """Take a file's archived polls out of the archive (the file is loaded again whole).

    Its polls are listed in ``archive_forgotten`` (forget_file_polls then restores the ones another
    file holds too); each day holding some is written again without them.

    Args:
        con: The connection of the load.
        folder: The archive folder.
        source_file: The file's name.
        change: Collects the files written and superseded.
    """
    files = listed_files(con, folder)
    if not files:
        return
    db.execute(con, "archived_file_polls", files=files, source_file=source_file)
    days = [pd.Timestamp(d).date() for d in db.run_query(con, "forgotten_days")["day"]]
    if days:  # every day it touches is before the hot cutoff
        cutoff_us = int(db.run_query(con, "hot_cutoff").iloc[0]["cutoff_us"])
        db.execute(con, "stale_archive_links", until_us=cutoff_us)
    days_listed = poll_listing(con)
    sql = db.load_sql("archive_day_rest")
    for the_day in days:
        old_paths = list(days_listed.loc[days_listed["day"] == the_day, "path"])
        old = [folder / p for p in old_paths]
        change.note(old_paths)
        target, relative = _new_part(folder, the_day)
        params = {"files": [str(p) for p in old], "source_file": source_file}
        _write(con, sql, params, (target, relative), change)
        change.superseded += old
        _register(con, relative, target, the_day, replace_day=True)
        _drop_kept(con, folder, the_day, change)


def _register(
    con: duckdb.DuckDBPyConnection, relative: str, target: Path, day: date, replace_day: bool
) -> None:
    """List a written Parquet file in ``archive_files`` (replacing its day's files, or adding)."""
    db.execute(
        con,
        "register_archive_file",
        path=relative,
        file=str(target),
        day=day,
        replace_day=replace_day,
    )
