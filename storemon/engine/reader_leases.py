"""Reader leases: a report reads the database file through a hard link of its own.

A load never writes the file readers open: it writes a file beside it and renames it over the
database (:mod:`storemon.engine.ingest`). To start from the file the load before last replaced
(the spare, :mod:`storemon.engine.spare_file`) instead of a copy of the whole database, a load
must know for certain that no reader still has that file open. A lease tells it: before opening
the database, a reader links the file then in place to ``.<db>.readers/r<pid>_<token>.duckdb``
and opens the link; when it closes, it removes the link. A file with more than one name is
therefore read by someone, and a load leaves it alone. A reader killed outright leaves its
link; a load removes the links of processes that no longer run.

Where no link can be made (a folder the reader cannot write, a file system without hard links),
the reader opens the database itself, as before; a load then sees it only by its DuckDB lock
(see :func:`storemon.engine.spare_file.take_spare`).
"""

from __future__ import annotations

import os
import re
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from storemon.engine import db
from storemon.errors import StoremonError

_LEASE = re.compile(r"r(\d+)_[0-9a-f]+\.duckdb")
_FOLDER = re.compile(r"\.(.+)\.readers")


def lease_folder(db_path: Path) -> Path:
    """The folder of the leases of a database file: ``.<name>.readers`` beside it."""
    return db_path.with_name(f".{db_path.name}.readers")


# The leases this process holds, by the file they link (device, inode): readers of one
# snapshot share one lease, so that DuckDB gives them one database instance (one buffer pool),
# as it did when they opened the same path. Each entry: [lease path, readers holding it].
_HELD: dict[tuple[int, int], list] = {}
_HELD_LOCK = threading.Lock()


@contextmanager
def leased(db_path: str | Path) -> Iterator[Path]:
    """Hold a lease on the database file now in place while the block reads it.

    Args:
        db_path: The database file.

    Yields:
        The path to open: the lease (a hard link of the file), or ``db_path`` itself when no
        link can be made there.
    """
    db_path = Path(db_path)
    lease = lease_folder(db_path) / f"r{os.getpid()}_{secrets.token_hex(6)}.duckdb"
    try:
        lease.parent.mkdir(exist_ok=True)
        os.link(db_path, lease)  # whichever file is in place: a load renames, never writes it
        stat = lease.stat()
    except OSError:
        yield db_path
        return
    key = (stat.st_dev, stat.st_ino)
    with _HELD_LOCK:
        held = _HELD.setdefault(key, [lease, 0])
        held[1] += 1
    if held[0] != lease:
        lease.unlink(missing_ok=True)  # this process already leases that file
    try:
        yield held[0]
    finally:
        with _HELD_LOCK:
            held[1] -= 1
            if held[1] == 0:
                del _HELD[key]
                held[0].unlink(missing_ok=True)


def public_path(path: str | Path) -> Path:
    """The database file a lease was made of (any other path is returned as it is)."""
    path = Path(path)
    folder = _FOLDER.fullmatch(path.parent.name)
    if folder and _LEASE.fullmatch(path.name):
        return path.parent.with_name(folder.group(1))
    return path


def remove_dead_leases(db_path: Path) -> list[Path]:
    """Remove the leases of readers that no longer run (killed before they could).

    Args:
        db_path: The database file.

    Returns:
        The leases removed.
    """
    removed = []
    folder = lease_folder(db_path)
    for lease in sorted(folder.glob("r*.duckdb")) if folder.is_dir() else []:
        match = _LEASE.fullmatch(lease.name)
        if match and not _running(int(match.group(1))):
            lease.unlink(missing_ok=True)
            removed.append(lease)
    return removed


def _running(pid: int) -> bool:
    """Does a process with this id run (on this machine)?"""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True


@contextmanager
def read_database(db_path: str | Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the database file read-only under a lease; close it and end the lease after.

    Args:
        db_path: The database file.

    Yields:
        A read-only connection (:func:`storemon.engine.db.connect`).

    Raises:
        StoremonError: The file cannot be opened as a DuckDB database.
    """
    db_path = Path(db_path)
    with leased(db_path) as path:
        try:
            con = db.connect(path, read_only=True)
        except duckdb.Error as error:
            reason = str(error).replace(str(path), str(db_path))
            raise StoremonError(f"cannot open database {db_path}: {reason}") from None
        try:
            yield con
        finally:
            con.close()
