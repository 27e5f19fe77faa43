"""A partition of a partitioned report: one Dask task, run by any worker that reads the export.

:func:`report_partition` loads its buckets' rows of the export (:mod:`storemon.engine.partition`)
into an in-memory DuckDB and runs the engine's own report steps on them, with ``now`` fixed by the
coordinator. A store's bucket is :func:`store_bucket`; partition ``p`` of ``N`` takes the buckets
``b`` with ``b % N == p`` (:func:`partition_buckets`). When the report needs archived polls (its
week reaches before the hot window, or a store's status at the week's start is older), the task
reads the archive's day files as the single-process report would, keeping only its own stores'
polls (``partition_archive_polls.sql``). A report job's task also writes its stores' weeks and
returns its data-quality rows.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb
import pandas as pd

from storemon.config import DEFAULT_TIMEZONE
from storemon.engine import archive_read, db, pipeline
from storemon.engine.report import ArchiveReader, report_from_connection
from storemon.engine.timeline import write_store_weeks
from storemon.errors import StoremonError
from storemon.files import read_json

# Buckets of an export; a report runs in at most this many partitions.
BUCKETS = 64
# The tables a report reads, exported per bucket (partition_export/*.sql, partition_tables.sql).
TABLES = pipeline.PARTITION_TABLES


def store_bucket(store_id: str, buckets: int = BUCKETS) -> int:
    """Return a store's bucket: the first 8 bytes of MD5(UTF-8 id), big-endian, mod ``buckets``.

    Args:
        store_id: The store's id as it appears in the exports.
        buckets: The number of buckets.

    Returns:
        The bucket, in ``range(buckets)``; the same on every machine and version.
    """
    digest = hashlib.md5(store_id.encode("utf-8"), usedforsecurity=False).digest()
    return int.from_bytes(digest[:8], "big") % buckets


def partition_buckets(part: int, partitions: int, buckets: int = BUCKETS) -> list[int]:
    """Return the buckets of partition ``part``: those ``b`` with ``b % partitions == part``.

    Args:
        part: The partition, in ``range(partitions)``.
        partitions: The number of partitions (at most ``buckets``).
        buckets: The export's number of buckets.

    Returns:
        The buckets, ascending.
    """
    return [bucket for bucket in range(buckets) if bucket % partitions == part]


@dataclass(frozen=True)
class ArchiveView:
    """The database's Parquet archive, as a worker reads it (the coordinator's listing).

    Attributes:
        folder: The archive folder (:func:`storemon.engine.archive.archive_dir`), readable by
            every worker.
        paths: Its files (relative to ``folder``), as the database lists them.
        days: The day of each file.
        cutoff_us: Where the hot window starts: polls before it are in the archive.
    """

    folder: str
    paths: tuple[str, ...]
    days: tuple[date, ...]
    cutoff_us: int


@dataclass(frozen=True)
class PartitionTask:
    """What one Dask task needs: where its buckets are and the report's fixed parameters.

    Attributes:
        export: The export folder (:func:`export_partitions`), readable by every worker.
        part: This partition, in ``range(partitions)``.
        partitions: The number of partitions.
        now: The report's instant (naive UTC), the same for every partition.
        method: ``nearest`` or ``carry_forward``.
        archive: The database's archive (None: it has none); the task reads its stores' polls
            there when the report's week (or a store's status at its start) needs them.
        memory_limit: The DuckDB budget of the task (None: the worker's own setting).
        store_weeks: When given, the task writes its stores' weeks to ``<store_weeks>/part=<p>/``
            (:func:`~storemon.engine.timeline.write_store_weeks`), readable by the coordinator.
        reach_us: When given, the task also returns its stores' ``extrapolated_time`` rows
            (an observation vouches for this long around it).
        threads: DuckDB threads of the task (None: the worker's own setting); a local cluster's
            workers share one machine, so each gets its share of the cores.
    """

    export: str
    part: int
    partitions: int
    now: datetime
    method: str
    archive: ArchiveView | None = None
    memory_limit: str | None = None
    store_weeks: str | None = None
    reach_us: int | None = None
    threads: int | None = None


@dataclass(frozen=True)
class PartitionResult:
    """What one Dask task returns.

    Attributes:
        report: The partition's report rows (``REPORT_COLUMNS``), sorted by ``store_id``.
        extrapolated: Its ``extrapolated_time`` rows when the task asked for them, else None.
    """

    report: pd.DataFrame
    extrapolated: pd.DataFrame | None = None


def report_partition(task: PartitionTask) -> PartitionResult:
    """Run the report on one partition's stores (a Dask task; any worker with the export).

    Args:
        task: The partition and the report's parameters.

    Returns:
        The partition's rows (and, when asked for, its store weeks written and its data-quality
        rows).

    Raises:
        StoremonError: The export or the archive cannot be read.
    """
    con = open_partition(task)
    try:
        reader = archive_reader(con, task)
        report = report_from_connection(con, task.now, task.method, reader)
        if task.store_weeks is not None:
            write_store_weeks(con, report, Path(task.store_weeks) / f"part={task.part}")
        extrapolated = None
        if task.reach_us is not None:
            extrapolated = db.run_query(con, "extrapolated_time", reach_us=task.reach_us)
    except duckdb.Error as error:
        raise _failed(task, error) from None
    finally:
        con.close()
    return PartitionResult(report, extrapolated)


def open_partition(task: PartitionTask) -> duckdb.DuckDBPyConnection:
    """Open an in-memory database holding the tables of the task's stores (its buckets' files).

    Args:
        task: The partition.

    Returns:
        The connection (the caller closes it).

    Raises:
        StoremonError: The export cannot be read.
    """
    export = Path(task.export)
    buckets = int(read_json(export / "manifest.json")["buckets"])
    files = {
        f"{table}_files": [str(export / table / "schema.parquet")]
        + sorted(
            str(path)
            for bucket in partition_buckets(task.part, task.partitions, buckets)
            for path in (export / table / f"bucket={bucket}").glob("*.parquet")
        )
        for table in TABLES
    }
    con = db.connect(memory_limit=task.memory_limit, threads=task.threads)
    try:
        db.run_stage(con, "base")
        db.run_stage(con, "partition_load", **files)
    except duckdb.Error as error:
        con.close()
        raise _failed(task, error) from None
    return con


def archive_reader(con: duckdb.DuckDBPyConnection, task: PartitionTask) -> ArchiveReader | None:
    """Return a worker's reader of the archive: its day files, its own stores' polls only.

    The coordinator's listing and hot window go into the worker's (empty) ``archive_files`` and
    ``hot_window``, so that the report decides what to read exactly as on the database.

    Args:
        con: The partition's connection (:func:`open_partition`).
        task: The partition.

    Returns:
        The reader (see :data:`storemon.engine.report.ArchiveReader`), or None without an archive.
    """
    view = task.archive
    if view is None:
        return None
    folder = Path(view.folder)
    db.execute(
        con,
        "partition_archive_window",
        cutoff_us=view.cutoff_us,
        paths=list(view.paths),
        days=list(view.days),
    )

    # A worker derives its stores' instants from their polls (no kept instants to leave out).
    def read(
        con: duckdb.DuckDBPyConnection, lo_us: int | None, hi_us: int, _changes_from: int | None
    ) -> bool:
        files = archive_read.listed_files(con, folder, lo_us, hi_us)
        if files:
            db.execute(con, "partition_archive_polls", files=files, lo_us=lo_us, hi_us=hi_us)
            db.run_steps(con, pipeline.DERIVE_ARCHIVED_WORKER, default_tz=DEFAULT_TIMEZONE)
        return bool(files)

    return read


def _failed(task: PartitionTask, error: duckdb.Error) -> StoremonError:
    """A partition's DuckDB error as a one-line reason (the SQL's position left out)."""
    reason = str(error).strip().splitlines()[0]
    return StoremonError(f"partition {task.part} of {task.partitions} failed: {reason}")
