"""The archive folder of one database: whose it is, what a load wrote into it, what to undo.

storemon writes only into a folder it made (or found holding nothing but its own layout) and
marked as the archive of one database file (``.storemon-archive``, naming that file). A folder
that holds anything else is refused, every file kept: a user's ``data/archive/`` of CSVs is
never touched, and a database never writes into another's archive.

Before a load writes or supersedes a Parquet file, it notes the file's path in its journal
(``.storemon-load-<id>``, fsynced). A load that ends well or fails cleanly removes its journal;
after a kill, :func:`recover` reads the journals left and deletes, of the files they name, those
the database in place does not list: the unfinished load's files or the ones it superseded. A
file no journal names is never deleted, whoever wrote it.
"""

from __future__ import annotations

import json
import os
import re
import uuid
from collections.abc import Iterable
from pathlib import Path

from storemon.errors import StoremonError

MARKER = ".storemon-archive"
_JOURNAL_PREFIX = ".storemon-load-"
# What storemon itself puts in an archive folder (archive.py): day folders, parts of polls and
# kept instants, their temps.
_OURS = re.compile(
    r"^(\.storemon-archive|\.storemon-load-[0-9a-f]+|date=\d{4}-\d{2}-\d{2}"
    r"(/(part-[0-9a-f]+\.parquet|\.part-[0-9a-f]+\.parquet\.tmp"
    r"|instants-[0-9a-f]+\.kept|\.instants-[0-9a-f]+\.kept\.tmp))?)$"
)


def claim(folder: Path, database: str) -> None:
    """Make ``folder`` the archive of ``database``, or check that it is; refuse any other.

    Args:
        folder: The archive folder.
        database: The database file's name (``storemon.duckdb``).

    Raises:
        StoremonError: The folder is another database's archive, or holds files storemon did not
            write; nothing in it was changed.
    """
    marker = folder / MARKER
    if marker.is_file():
        owner = _owner(marker)
        if owner != database:
            raise StoremonError(
                f"{folder} is the Parquet archive of the database {owner}, not of {database}: "
                f"each database keeps its own; nothing was changed (move {folder} away, or load "
                f"into {owner})"
            )
        return
    if folder.is_dir():
        foreign = [p for p in _entries(folder) if not _OURS.match(p)]
        if foreign:
            shown = ", ".join(foreign[:3]) + (", …" if len(foreign) > 3 else "")
            raise StoremonError(
                f"{folder} holds files storemon did not write ({shown}): it is where the Parquet "
                f"archive of {database} goes, and storemon writes only into a folder of its own; "
                "move those files elsewhere; nothing was changed"
            )
    folder.mkdir(parents=True, exist_ok=True)
    temporary = folder / f"{MARKER}.tmp"
    temporary.write_text(json.dumps({"database": database}) + "\n", encoding="utf-8")
    os.replace(temporary, marker)


def _owner(marker: Path) -> str:
    try:
        return str(json.loads(marker.read_text(encoding="utf-8"))["database"])
    except (OSError, ValueError, KeyError, TypeError):
        return "(unreadable marker)"


def _entries(folder: Path) -> list[str]:
    """Every file and folder under ``folder``, as paths relative to it, sorted."""
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))


class Journal:
    """The paths one load writes or supersedes in an archive folder, noted before it does."""

    def __init__(self, folder: Path) -> None:
        """Open a new journal in ``folder`` (created on the first note)."""
        self.path = folder / f"{_JOURNAL_PREFIX}{uuid.uuid4().hex}"

    def note(self, relatives: Iterable[str]) -> None:
        """Note paths (relative to the folder) and make the note durable before going on."""
        with open(self.path, "a", encoding="utf-8") as stream:
            stream.writelines(f"{relative}\n" for relative in relatives)
            stream.flush()
            os.fsync(stream.fileno())

    def close(self) -> None:
        """Forget the journal: its load is committed and cleaned up, or undone."""
        self.path.unlink(missing_ok=True)


def pending(folder: Path | None) -> bool:
    """Has a killed load left a journal in ``folder`` (the next load must recover first)?"""
    return folder is not None and any(folder.glob(f"{_JOURNAL_PREFIX}*"))


def recover(folder: Path, listed: set[str]) -> int:
    """Delete what killed loads left: the files their journals name that are not listed.

    Args:
        folder: The archive folder.
        listed: The paths (relative to the folder) the database in place lists.

    Returns:
        The number of files deleted.
    """
    removed = 0
    for journal in sorted(folder.glob(f"{_JOURNAL_PREFIX}*")) if folder.is_dir() else []:
        for relative in journal.read_text(encoding="utf-8").split():
            if relative in listed or not _OURS.match(relative):
                continue
            path = folder / relative
            for leftover in (path, path.with_name(f".{path.name}.tmp")):
                if leftover.is_file():
                    leftover.unlink()
                    removed += 1
            remove_empty_day(path.parent)
        journal.unlink()
    return removed


def remove_empty_day(day: Path) -> None:
    """Remove a day's folder (``date=…``) left empty."""
    try:
        day.rmdir()
    except OSError:
        pass  # not empty, or gone
