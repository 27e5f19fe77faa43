"""``storemon ingest``: load a folder of exports into the database file, one writer at a time.

Readers (reports) never wait and never see a half-done load: the load works on a file of its
own and, once committed and checkpointed, renames it over the old file. A report that opened the
old file keeps reading that consistent snapshot; the next report opens the new one. The load's
file is the spare (the file the load before replaced, :mod:`storemon.engine.spare_file`),
rewritten where it differs from the database, when no reader holds it; else a copy. A lock
file serialises writers (DuckDB allows one writer per file across processes). Polls older than
the retention window live in the Parquet archive beside the database (storemon.engine.archive),
so the database, and what a load compares or copies of it, stays bounded. After a load,
:func:`prepare_next_load` makes the spare equal to the database (``storemon ingest`` and every
``--watch`` round call it), so the next load reads neither file before loading.

The load's file lives in a private folder ``.<db>.loading-<random>`` beside the database (with
its WAL), removed on every way out: an error, Ctrl-C, SIGTERM (turned into an exit that runs the
clean-up).
A load killed outright (SIGKILL, power cut) leaves its folder; the next load removes every
``.<db>.loading-*`` it finds, under the lock: a running load holds the lock, so none is alive.
Every failure is one :class:`StoremonError` naming the user's database and the fix.
"""

from __future__ import annotations

import errno
import fcntl
import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from storemon.config import DEFAULT_DB
from storemon.engine import archive, archive_folder, db, reader_leases, spare_file
from storemon.engine.incremental import LoadOptions
from storemon.engine.load import LoadSummary, find_sources, load_folder, summary_if_unchanged
from storemon.errors import StoremonError
from storemon.freshness import retention_days


def ingest(
    data_dir: str | Path,
    db_path: str | Path = DEFAULT_DB,
    progress: Callable[[str], None] | None = None,
    options: LoadOptions | None = None,
) -> LoadSummary:
    """Load the CSV exports in ``data_dir`` into the database at ``db_path``.

    Loading the same files again adds nothing; a new hourly status file adds only its new polls;
    business hours and time zones are replaced by the folder's files.

    Args:
        data_dir: Folder with ``store_status*.csv``, ``menu_hours*.csv`` and the time-zone file.
        db_path: The database file (created when missing).
        progress: Called with a short line before each long step.
        options: Retention days, files to leave out, torn lines (the archive folder is the
            database's own: :func:`storemon.engine.archive.archive_dir`).

    Returns:
        The load summary (rows read, loaded, rejected by reason, stores lacking data).

    Raises:
        StoremonError: A file or column is missing, the database is not a DuckDB database, or it
            cannot be written (no permission, no space); the old database is left as it was.
    """
    db_path = Path(db_path)
    options = options or LoadOptions(retention_days=retention_days())
    options.archive = archive.archive_dir(db_path)
    options.change = archive.ArchiveChange(options.archive, db_path.name)
    options.database = db_path
    options.private = True  # the load writes its own file, renamed over the database at the end
    find_sources(data_dir)  # fail on a missing file before taking the lock or copying anything
    with _writer_lock(db_path), _sigterm_exits():
        remove_stale_copies(db_path)
        unchanged = _summary_if_unchanged(data_dir, db_path, options)
        if unchanged is not None:
            return unchanged
        work_dir = _private_folder(db_path)
        try:
            work_path = work_dir / db_path.name
            summary = _load_copy(data_dir, db_path, work_path, progress, options)
            try:
                replaced = spare_file.keep_replaced(db_path, work_dir)
                os.replace(work_path, db_path)
            except OSError as error:
                options.change.undo()
                raise _write_error(db_path, error) from None
            options.change.finish()
            spare_file.settle_spare(replaced, db_path)
        finally:
            shutil.rmtree(work_dir, ignore_errors=True)
    return summary


def prepare_next_load(db_path: str | Path) -> bool:
    """Make the database's spare equal to it, so that the next load starts without reading both.

    ``ingest --watch`` calls it between rounds (it waits for a load in progress).

    Args:
        db_path: The database file.

    Returns:
        True when the spare is ready (False: no spare yet, or a reader still holds it).
    """
    db_path = Path(db_path)
    try:
        with _writer_lock(db_path):
            return spare_file.prepare_spare(db_path)
    except (OSError, StoremonError):
        return False  # the next load compares the files, or copies the database


def _summary_if_unchanged(
    data_dir: str | Path, db_path: Path, options: LoadOptions
) -> LoadSummary | None:
    """The summary of a load with nothing to write, read without copying the database.

    None when there is work to do, or a killed load to recover from.
    """
    if not db_path.is_file() or archive_folder.pending(options.archive):
        return None
    try:
        con = db.connect(db_path, read_only=True)
    except duckdb.Error:
        return None  # the load names what is wrong with the file
    try:
        return summary_if_unchanged(con, data_dir, options)
    finally:
        con.close()


def remove_stale_copies(db_path: Path) -> list[Path]:
    """Remove the working copies of killed loads (and dead readers' leases); hold the writer lock.

    They are ``.<db>.loading-*``: folders, or the files and WALs of older versions, named by
    process id.

    Args:
        db_path: The database file.

    Returns:
        The paths removed.
    """
    reader_leases.remove_dead_leases(db_path)
    stale = sorted(db_path.parent.glob(f".{db_path.name}.loading-*"))
    for path in stale:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    return stale


def _load_copy(
    data_dir: str | Path,
    db_path: Path,
    work_path: Path,
    progress: Callable[[str], None] | None,
    options: LoadOptions,
) -> LoadSummary:
    """Put the database at ``work_path`` (the spare made equal, or a copy), load, checkpoint."""
    try:
        equal = spare_file.spare_is_equal(db_path)  # made so between --watch rounds
        if spare_file.take_spare(db_path, work_path):
            if not equal:
                spare_file.make_equal(work_path, db_path)
        elif db_path.exists():
            shutil.copyfile(db_path, work_path)
        con = db.connect(work_path)
    except (OSError, duckdb.Error) as error:
        raise _open_error(db_path, work_path, error) from None
    try:
        summary = load_folder(con, data_dir, progress, options)
        con.execute("checkpoint")
    except BaseException as error:
        options.change.undo()
        if not isinstance(error, StoremonError) and _is_write_error(error):
            raise _write_error(db_path, error) from None
        raise
    finally:
        con.close()
    return summary


@contextmanager
def _writer_lock(db_path: Path) -> Iterator[None]:
    """Hold the database's writer lock (``.<db>.lock`` beside it) while the block runs."""
    try:
        db_path.parent.mkdir(parents=True, exist_ok=True)
        lock = open(db_path.with_name(f".{db_path.name}.lock"), "w")  # noqa: SIM115
    except OSError as error:
        raise _write_error(db_path, error) from None
    with lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _private_folder(db_path: Path) -> Path:
    """A new folder, unique to this load, beside the database: its copy and WAL go there."""
    try:
        return Path(tempfile.mkdtemp(prefix=f".{db_path.name}.loading-", dir=db_path.parent))
    except OSError as error:
        raise _write_error(db_path, error) from None


@contextmanager
def _sigterm_exits() -> Iterator[None]:
    """While the block runs, SIGTERM exits through the clean-up (``finally``), not at once.

    Left alone when someone else handles SIGTERM (``ingest --watch`` stops after a round) or off
    the main thread (signals are the main thread's).
    """
    if (
        threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL
    ):
        yield
        return

    def exit_on_term(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, exit_on_term)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


_NO_SPACE = ("No space left on device", "Disk quota exceeded")


def _causes(error: BaseException) -> Iterator[BaseException]:
    """The error and those it was raised while handling (a failed commit, then its rollback)."""
    seen: BaseException | None = error
    while seen is not None:
        yield seen
        seen = seen.__context__


def _is_write_error(error: BaseException) -> bool:
    """Is this a failure to write (the disk, permissions) rather than a bug or bad data?"""
    return any(
        isinstance(e, OSError | duckdb.IOException) or any(s in str(e) for s in _NO_SPACE)
        for e in _causes(error)
    )


def _write_error(db_path: Path, error: BaseException) -> StoremonError:
    """The one-line error for a database that cannot be written, naming the fix."""
    if any(
        getattr(e, "errno", None) in (errno.ENOSPC, errno.EDQUOT)
        or any(s in str(e) for s in _NO_SPACE)
        for e in _causes(error)
    ):
        return StoremonError(
            f"cannot write database {db_path}: no space left on the device of {db_path.parent} "
            "(a load needs room for a copy of the database and its log): free some space or "
            "give --db a file on another disk; nothing was changed"
        )
    reason = getattr(error, "strerror", None) or str(error).splitlines()[0]
    return StoremonError(
        f"cannot write database {db_path}: {reason}; give --db a file in a folder you can "
        "write; nothing was changed"
    )


def _open_error(db_path: Path, work_path: Path, error: BaseException) -> StoremonError:
    """The one-line error for a database file that cannot be opened (or copied)."""
    if isinstance(error, duckdb.Error) and "not a valid DuckDB database" in str(error):
        return StoremonError(
            f"{db_path} is not a DuckDB database: give --db a new file name (or the database "
            f"`storemon ingest` made), or move {db_path} away; it was not changed"
        )
    if isinstance(error, duckdb.Error) and not _is_write_error(error):
        first = str(error).splitlines()[0].replace(str(work_path), str(db_path))
        return StoremonError(
            f"{db_path} cannot be opened as a storemon database ({first}): give --db a new "
            f"file name, or move {db_path} away; it was not changed"
        )
    return _write_error(db_path, error)
