"""Partitioned reports: the same report SQL run per group of stores on Dask workers.

Every store's report depends on that store alone (its polls, hours and zone) and on the report's
instant ``now``, so the fleet splits by store. A store's **bucket** is a stable hash of its id
(:func:`store_bucket`: the first 8 bytes of the MD5 of the UTF-8 id, big-endian, modulo
:data:`BUCKETS`; ``partition_keys.sql`` computes the same in SQL). :func:`export_partitions`
writes the tables a report reads (``stores``, ``poll_instants``, ``store_days``,
``weekly_spans``, ``store_zones``) as Parquet partitioned by bucket, beside the database, once per
database snapshot. A report in N partitions gives partition ``p`` the buckets ``b`` with
``b % N == p``; each Dask task (:func:`report_partition`) loads only those files into an
in-memory DuckDB and runs the engine's own report (:func:`~storemon.engine.report.
report_from_connection`) with ``now`` fixed by the coordinator; the rows are concatenated and
sorted by ``store_id``, which gives the single-process CSV byte for byte. docs/scaling.md says how
to run it on a cluster.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd

from storemon.config import REPORT_COLUMNS
from storemon.engine import archive, db, pipeline
from storemon.engine.report import (
    LOOKBACK_DAYS,
    check_method,
    parse_as_of,
    report_from_connection,
)
from storemon.errors import StoremonError
from storemon.files import read_json, write_json_atomic

# Buckets of an export; a report runs in at most this many partitions.
BUCKETS = 64
# The tables a report reads, exported per bucket (partition_export/*.sql, partition_tables.sql).
TABLES = pipeline.PARTITION_TABLES
# Dask runs a failed task again this many times (an error raised by the task itself); a task
# whose worker died is run again by Dask's scheduler (distributed.scheduler.allowed-failures).
RETRIES = 2
LOCAL_WORKERS = 2
_DAY_US = 86_400_000_000
_EPOCH = datetime(1970, 1, 1)


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


def export_dir(database: str | Path) -> Path:
    """Return the folder of a database's partitioned exports (``<stem>-partitions/``)."""
    database = Path(database)
    return database.with_name(f"{database.stem}-partitions")


def export_partitions(database: str | Path) -> Path:
    """Export the report's tables of ``database``, partitioned by bucket; reuse a current export.

    An export belongs to one snapshot of the database file (its inode, size and mtime: every
    ingest replaces the file). It is written under a temporary name and renamed when complete;
    exports of older snapshots are removed afterwards.

    Args:
        database: A database made by ``storemon ingest``.

    Returns:
        The export's folder: ``<table>/bucket=<b>/*.parquet`` and ``<table>/schema.parquet``.

    Raises:
        StoremonError: The database cannot be read or the export cannot be written.
    """
    database = Path(database)
    stat = database.stat()
    snapshot = f"{stat.st_ino}-{stat.st_size}-{stat.st_mtime_ns}"
    target = export_dir(database) / snapshot
    if (target / "manifest.json").is_file():
        return target
    partial = target.with_name(f".{snapshot}.{os.getpid()}.partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    try:
        con = db.connect(database, read_only=True)
        try:
            db.run_stage(con, "partition", buckets=BUCKETS)
            for table, step in zip(TABLES, pipeline.PARTITION_EXPORT.steps, strict=True):
                db.write_parquet(con, step.name, partial / table, partition_by="bucket")
        finally:
            con.close()
        write_json_atomic(partial / "manifest.json", {"buckets": BUCKETS, "database": snapshot})
        partial.rename(target)
    except OSError as error:
        shutil.rmtree(partial, ignore_errors=True)
        raise StoremonError(f"cannot write the partitioned export {target}: {error}") from None
    for old in export_dir(database).iterdir():
        if old.name != target.name and not old.name.startswith("."):
            shutil.rmtree(old, ignore_errors=True)
    return target


@dataclass(frozen=True)
class PartitionTask:
    """What one Dask task needs: where its buckets are and the report's fixed parameters.

    Attributes:
        export: The export folder (:func:`export_partitions`), readable by every worker.
        part: This partition, in ``range(partitions)``.
        partitions: The number of partitions.
        now: The report's instant (naive UTC), the same for every partition.
        method: ``nearest`` or ``carry_forward``.
        has_archive: The database has archived polls: a store whose status at the week's start
            would need them fails the partition (partitioned reports read the hot window only).
        memory_limit: The DuckDB budget of the task (None: the worker's own setting).
    """

    export: str
    part: int
    partitions: int
    now: datetime
    method: str
    has_archive: bool = False
    memory_limit: str | None = None


def report_partition(task: PartitionTask) -> pd.DataFrame:
    """Run the report on one partition's stores (a Dask task; any worker with the export).

    Args:
        task: The partition and the report's parameters.

    Returns:
        The partition's report rows (``REPORT_COLUMNS``), sorted by ``store_id``.

    Raises:
        StoremonError: The export cannot be read, or a store needs archived polls.
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
    con = db.connect(memory_limit=task.memory_limit)
    try:
        db.run_stage(con, "base")
        db.run_stage(con, "partition_load", **files)
        report = report_from_connection(con, task.now, task.method)
        if task.has_archive:
            lo_us = _lo_us(task.now)
            cold = db.run_query(con, "report_cold_stores", lo_us=lo_us).iloc[0]["n_stores"]
            if int(cold):
                raise StoremonError(
                    f"{int(cold)} store(s) of partition {task.part} need archived polls to place "
                    "their status at the week's start: run this report without --partitions"
                )
    finally:
        con.close()
    return report


def _lo_us(now: datetime) -> int:
    """The first instant a report at ``now`` reads (storemon.engine.report.prepare_report)."""
    week_start_us = (now - _EPOCH) // timedelta(microseconds=1) - 7 * _DAY_US
    return (week_start_us - LOOKBACK_DAYS * _DAY_US) // _DAY_US * _DAY_US


def plan_report(
    database: str | Path, as_of: str | datetime | None, method: str
) -> tuple[datetime, bool]:
    """Fix a partitioned report's ``now`` on the whole database; refuse a week in the archive.

    Args:
        database: A database made by ``storemon ingest``.
        as_of: The report's ``as_of`` (None: the latest poll).
        method: ``nearest`` or ``carry_forward``.

    Returns:
        ``now`` (naive UTC) and whether the database has archived polls.

    Raises:
        StoremonError: No database there, no poll, or the week reaches before the hot window.
    """
    check_method(method)
    instant = parse_as_of(as_of)
    database = Path(database)
    if not database.is_file():
        raise StoremonError(
            f"{database} is not a database: a partitioned report reads one made by "
            "`storemon ingest` (ingest the folder first)"
        )
    con = db.connect(database, read_only=True)
    try:
        db.run_stage(con, "clock", as_of=instant)
        clock = db.run_query(con, "report_now").iloc[0]
        if pd.isna(clock["now"]):
            raise StoremonError(
                "the data holds no poll (at or before as_of): no report to compute"
            )
        now = _EPOCH + timedelta(microseconds=int(clock["week_start_us"]) + 7 * _DAY_US)
        folder = archive.archive_dir(database)
        cutoff = db.run_query(con, "hot_cutoff").iloc[0]["cutoff_us"]
        files = [] if pd.isna(cutoff) else archive.listed_files(con, folder)
        if files and archive.listed_files(con, folder, _lo_us(now), int(cutoff)):
            raise StoremonError(
                "this report's week reaches before the hot window (into the archive): "
                "run it without --partitions"
            )
    finally:
        con.close()
    return now, bool(files)


def partitioned_report(
    database: str | Path,
    partitions: int,
    scheduler: str | None = None,
    as_of: str | datetime | None = None,
    method: str = "nearest",
    task: Callable[[PartitionTask], pd.DataFrame] = report_partition,
) -> pd.DataFrame:
    """Compute the report of ``database`` in ``partitions`` Dask tasks; the same rows as one.

    Args:
        database: A database made by ``storemon ingest``; its export (written first when the
            database changed since the last one) must be readable by every worker.
        partitions: The number of partitions, 1 to :data:`BUCKETS`.
        scheduler: A Dask scheduler's address (``tcp://host:8786``); None starts a
            ``distributed.LocalCluster`` of :data:`LOCAL_WORKERS` worker processes.
        as_of: Report as of this instant; default the latest poll.
        method: ``nearest`` or ``carry_forward``.
        task: The function each Dask task runs (:func:`report_partition`; tests swap it).

    Returns:
        One row per store, sorted by ``store_id``, as :func:`~storemon.engine.report.
        compute_report` returns them (``attrs``: ``now``, ``as_of``, ``method``, ``partitions``).

    Raises:
        StoremonError: Bad parameters, no scheduler there, or a partition failed (its reason).
    """
    if not 1 <= partitions <= BUCKETS:
        raise StoremonError(f"--partitions must be from 1 to {BUCKETS}, got {partitions}")
    now, has_archive = plan_report(database, as_of, method)
    export = str(export_partitions(database))
    local_limit = None
    if scheduler is None and not os.environ.get(db.MEMORY_LIMIT_VARIABLE):
        local_limit = f"{db.DEFAULT_MEMORY_SHARE * 100 / LOCAL_WORKERS:g}%"
    tasks = [
        PartitionTask(export, part, partitions, now, method, has_archive, local_limit)
        for part in range(partitions)
    ]
    results = _run_on_dask(tasks, scheduler, task)
    # Empty partitions left out (their columns carry no dtype), unless every one is empty.
    frames = [frame for frame in results if len(frame)] or results[:1]
    report = pd.concat(frames, ignore_index=True).sort_values("store_id", ignore_index=True)
    report = report[REPORT_COLUMNS]
    report.attrs.update(
        now=pd.Timestamp(now).isoformat(),
        as_of=None if as_of is None else parse_as_of(as_of).isoformat(),
        method=method,
        partitions=partitions,
    )
    return report


def _run_on_dask(
    tasks: list[PartitionTask],
    scheduler: str | None,
    task: Callable[[PartitionTask], pd.DataFrame],
) -> list[pd.DataFrame]:
    """Run the tasks on a Dask cluster (a LocalCluster when no address); gather every result."""
    from distributed import Client, LocalCluster
    from distributed.scheduler import KilledWorker

    cluster = None
    try:
        if scheduler is None:
            # On loopback only; the dashboard on a free port (dashboard_address=None does not
            # turn it off: dask/distributed#8136).
            cluster = LocalCluster(
                n_workers=LOCAL_WORKERS,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address="127.0.0.1:0",
            )
        client = Client(cluster if cluster is not None else scheduler, timeout="30s")
    except (OSError, TimeoutError) as error:
        if cluster is not None:
            cluster.close()
        raise StoremonError(f"cannot reach the Dask scheduler {scheduler}: {error}") from None
    try:
        futures = client.map(task, tasks, retries=RETRIES, pure=False)
        return client.gather(futures)
    except KilledWorker as error:
        raise StoremonError(
            f"a partition's worker died each time it ran it ({error}): the report was not written"
        ) from None
    except StoremonError:
        raise
    except Exception as error:  # a task's own error, carried back by Dask
        raise StoremonError(
            f"a partition failed: {type(error).__name__}: {error} (the report was not written)"
        ) from None
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
