"""The spare: the file a load replaced, kept to start the next load from instead of a copy.

A load works on a file of its own and renames it over the database once complete, so readers
never wait and never see half a load (:mod:`storemon.engine.ingest`). Copying the whole hot
database to start from costs its size in writes at every load (about 11 GiB at 100 times the
fleet with 21 days held), however little the load adds. Instead, the file a load replaces is kept
beside the database as ``.<db>.spare``; the next load takes it when no reader has it open, makes
it equal to the database by writing only the blocks that differ (what the load before changed),
and loads into it. The database and its spare take turns: a load reads both files and writes
what changed, not the whole file. The spare costs one more database's room on the disk, which
a copy needs during every load anyway.

A load takes the spare only when it is certain that nothing reads it: the file has no other name
(no reader lease, :mod:`storemon.engine.reader_leases`, and it is not the database itself) and
no other process holds a DuckDB lock on it. Otherwise the load copies the database, as before.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from storemon.files import file_identity, read_json, write_json_atomic

# The blocks compared and rewritten (DuckDB writes its file in 256 KiB blocks).
BLOCK = 4 * 2**20


def spare_path(db_path: Path) -> Path:
    """The spare of a database file: ``.<name>.spare`` beside it."""
    return db_path.with_name(f".{db_path.name}.spare")


def equal_mark(db_path: Path) -> Path:
    """Where :func:`prepare_spare` notes that the spare holds the database's bytes."""
    return db_path.with_name(f".{db_path.name}.spare-equal")


def spare_is_equal(db_path: Path) -> bool:
    """Does the spare hold the database's bytes, as :func:`prepare_spare` left them both?"""
    try:
        mark = read_json(equal_mark(db_path))
    except (OSError, ValueError):
        return False
    now = _identities(db_path)
    return now["spare"] is not None and mark == now


def prepare_spare(db_path: Path) -> bool:
    """Make the spare equal to the database ahead of the next load (between ``--watch`` rounds).

    The next load then loads into it at once, without reading either file. Call it holding the
    writer lock. The spare is written only when nothing reads it (as :func:`take_spare` checks);
    it is flushed to the disk before the mark is written, so after a crash the mark is either
    absent or true.

    Args:
        db_path: The database file.

    Returns:
        True when the spare is equal to the database now.
    """
    spare = spare_path(db_path)
    if spare_is_equal(db_path):
        return True
    equal_mark(db_path).unlink(missing_ok=True)
    if not _free(spare, db_path):
        return False
    make_equal(spare, db_path)
    with open(spare, "rb") as stream:
        os.fsync(stream.fileno())
    write_json_atomic(equal_mark(db_path), _identities(db_path))
    return True


def _identities(db_path: Path) -> dict[str, list[int] | None]:
    """The identities (device, inode, size, mtime) of the database and its spare."""
    return {
        "database": _listed(file_identity(db_path)),
        "spare": _listed(file_identity(spare_path(db_path))),
    }


def _listed(identity: tuple[int, ...] | None) -> list[int] | None:
    return None if identity is None else list(identity)


def _free(spare: Path, db_path: Path) -> bool:
    """Is the spare a file no reader holds: no other name, not the database, no lock on it?"""
    try:
        spare_stat, db_stat = spare.stat(), db_path.stat()
    except OSError:
        return False
    return (
        spare_stat.st_nlink == 1
        and (spare_stat.st_dev, spare_stat.st_ino) != (db_stat.st_dev, db_stat.st_ino)
        and not _locked(spare)
    )


def take_spare(db_path: Path, work_path: Path) -> bool:
    """Move the spare to ``work_path`` if nothing reads it; else remove its name.

    Call it holding the writer lock.

    Args:
        db_path: The database file.
        work_path: Where the load's file goes (in the load's own folder, on the same disk).

    Returns:
        True when the spare is now at ``work_path``, for :func:`make_equal`.
    """
    spare = spare_path(db_path)
    try:
        equal_mark(db_path).unlink(missing_ok=True)  # it speaks of the spare as it is named now
        if _free(spare, db_path):
            os.rename(spare, work_path)
            if os.stat(work_path).st_nlink == 1:
                return True
            work_path.unlink()  # linked meanwhile (not by storemon): leave that file alone
        spare.unlink(missing_ok=True)  # read by someone: it goes once they close it
    except OSError:
        pass  # no spare (the first loads), or it cannot be moved: copy the database
    return False


def make_equal(work_path: Path, db_path: Path) -> int:
    """Make the file at ``work_path`` hold the bytes of ``db_path``, writing only what differs.

    Args:
        work_path: The spare, taken by :func:`take_spare`.
        db_path: The database file.

    Returns:
        The bytes written.
    """
    written = 0
    source_buffer, target_buffer = bytearray(BLOCK), bytearray(BLOCK)
    with open(db_path, "rb", buffering=0) as source, open(work_path, "r+b", buffering=0) as target:
        size = os.fstat(source.fileno()).st_size
        offset = 0
        while offset < size:
            n = os.preadv(source.fileno(), [source_buffer], offset)
            if n == 0:
                break  # the database is not written while the writer lock is held
            m = os.preadv(target.fileno(), [target_buffer], offset)
            if n == m == BLOCK:
                differ = source_buffer != target_buffer  # one memcmp, no copy
            else:  # the last block
                differ = n != m or source_buffer[:n] != target_buffer[:n]
            if differ:
                block = memoryview(source_buffer)[:n]
                while block:  # a write may take fewer bytes than given
                    done = os.pwrite(target.fileno(), block, offset + n - len(block))
                    block, written = block[done:], written + done
            offset += n
        os.ftruncate(target.fileno(), size)
    return written


def keep_replaced(db_path: Path, work_dir: Path) -> Path | None:
    """Give the database file now in place a second name in ``work_dir``, before its rename.

    Args:
        db_path: The database file, about to be replaced.
        work_dir: The load's own folder.

    Returns:
        The second name (None when there is no database yet), for :func:`settle_spare`.
    """
    replaced = work_dir / "replaced.duckdb"
    try:
        os.link(db_path, replaced)
    except OSError:
        return None  # no database yet, or no hard links on this disk: the next load copies
    return replaced


def settle_spare(replaced: Path | None, db_path: Path) -> None:
    """Make the replaced file the database's spare (after the new one is in place)."""
    if replaced is not None:
        try:
            os.replace(replaced, spare_path(db_path))
        except OSError:
            pass  # the load's folder goes, and the file with it: the next load copies


def _locked(path: Path) -> bool:
    """Does another process hold a lock on the file (a DuckDB connection has it open)?"""
    try:
        fd = os.open(path, os.O_RDWR)
    except OSError:
        return True
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        os.close(fd)  # closing releases the probe's own lock
    return False
