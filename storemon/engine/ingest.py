"""``storemon ingest``: load a folder of exports into the database file, one writer at a time.

Readers (reports) never wait and never see a half-done load: the load works on a copy of the
database and, once committed and checkpointed, renames it over the old file. A report that opened
the old file keeps reading that consistent snapshot; the next report opens the new one. A lock
file serialises writers (DuckDB allows one writer per file across processes). Polls older than
the retention window live in the Parquet archive beside the database (storemon.engine.archive),
so the file copied stays bounded.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Callable
from pathlib import Path

from storemon.config import DEFAULT_DB
from storemon.engine import archive, db
from storemon.engine.incremental import LoadOptions
from storemon.engine.load import LoadSummary, find_sources, load_folder
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
        StoremonError: A file or column is missing, or the database cannot be written.
    """
    db_path = Path(db_path)
    options = options or LoadOptions(retention_days=retention_days())
    options.archive = archive.archive_dir(db_path)
    find_sources(data_dir)  # fail on a missing file before taking the lock or copying anything
    db_path.parent.mkdir(parents=True, exist_ok=True)
    work_path = db_path.with_name(f".{db_path.name}.loading-{os.getpid()}")
    with open(db_path.with_name(f".{db_path.name}.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if db_path.exists():
                shutil.copyfile(db_path, work_path)
            con = db.connect(work_path)
            try:
                db.run_stage(con, "base")
                archive.recover(options.archive, con)
                summary = load_folder(con, data_dir, progress, options)
                con.execute("checkpoint")
            except BaseException:
                options.change.undo()
                raise
            finally:
                con.close()
            os.replace(work_path, db_path)
            options.change.finish()
        except OSError as error:
            raise StoremonError(f"cannot write database {db_path}: {error}") from None
        finally:
            work_path.unlink(missing_ok=True)
            Path(f"{work_path}.wal").unlink(missing_ok=True)
    return summary
