"""The whole reading of one report, as the report notebook shows it: one call per notebook cell.

:func:`compute_reading` computes the report on one connection (a :class:`Snapshot` of the data)
and keeps that connection open; :func:`write_outputs` writes the report's CSV and a small JSON
summary for the job record; :func:`add_data_quality` then reads what a person reads next to the
report about the data's quality from the same snapshot and closes it. The notebook writes the
CSV before the data-quality queries, so a report is published as soon as its numbers exist.
Given a folder, :func:`compute_reading` also keeps every store's week there (``store_weeks/``,
from the same snapshot, before the CSV), which the store endpoint reads back without the
database. :func:`build_reading` does all of it at once. With ``STOREMON_PARTITIONS`` set, a
database's report, store weeks and extrapolated time are computed in partitions on Dask workers
(:func:`storemon.engine.partition.run_partitioned`, docs/scaling.md), with the same results.
"""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

import pandas as pd

from storemon.analysis import metrics
from storemon.analysis.trends import TrendReading, keep_trends, trend_key
from storemon.config import DEFAULT_DB, DEFAULT_TIMEZONE, PROJ_ROOT, QUALITY_FILE
from storemon.engine import db
from storemon.engine.freshness import freshness_of
from storemon.engine.load import store_coverage
from storemon.engine.partition import job_partitions, run_partitioned
from storemon.engine.report import (
    SNAPSHOT_ATTEMPTS,
    SnapshotSuperseded,
    check_method,
    open_source,
    parse_as_of,
    report_from_connection,
    write_report_csv,
)
from storemon.engine.timeline import STORE_WEEKS_DIR, write_store_weeks
from storemon.errors import StoremonError
from storemon.files import file_identity, write_json_atomic
from storemon.freshness import iso_utc
from storemon.synthetic.demo import resolve_source

# An observation vouches for the status this long before and after it; business time farther
# from every observation is extrapolated (2 h).
VOUCHED_US = 2 * 3_600_000_000


class Snapshot:
    """The data a report is computed on, open on one connection until :meth:`close`.

    A database file replaced by an ingest while it is open is not seen: everything read from
    one snapshot describes the same data.

    Args:
        path: An ingested database or a folder of CSV exports.

    Attributes:
        identity: The database file's (device, inode, size, mtime) when it is certainly the
            file opened (the same before and after the opening: an ingest never writes a
            database in place, it renames a new file over it); None for a folder of CSVs.
    """

    def __init__(self, path: Path) -> None:
        self._stack = ExitStack()
        before = file_identity(path)
        self.con = self._stack.enter_context(open_source(path))
        self.identity = before if before is not None and before == file_identity(path) else None

    def close(self) -> None:
        """Close the connection (again: nothing)."""
        self._stack.close()


@dataclass(frozen=True)
class Reading:
    """A report and its reading for people.

    Attributes:
        report: One row per store, the report CSV's columns.
        overview: The report's facts (instant, week window, stores, method, data).
        fleet: Fleet uptime share per window (see :func:`storemon.analysis.metrics.fleet_uptime`).
        top_downtime: The 20 stores with most downtime last week.
        rejects: Rejected input rows by file and reason (None until :func:`add_data_quality`).
        coverage: Stores without hours, without a zone, never polled (likewise).
        extrapolated: Business time more than 2 h from any observation, per window (likewise).
        now: The report's instant (ISO, UTC).
        week_start: Start of the week window (ISO, UTC).
        method: ``nearest`` or ``carry_forward``.
        as_of: The requested instant (ISO, UTC) or None for the latest poll.
        source: The data read.
        demo_data: True when the default database was missing and the demo data set was read.
        snapshot: The open data the report was computed on, until :func:`add_data_quality`
            reads its data-quality tables from it and closes it.
        extrapolated_rows: A report computed in partitions: its workers' ``extrapolated_time``
            rows (the snapshot holds no prepared report to read them from); else None.
        trends: Its last 12 weeks and 28 days, kept beside it (None until :func:`add_trends`).
        out_dir: The report's folder when its store views are kept there: its data quality's
            headline figures go there too (``quality.json``, see :func:`add_data_quality`).
    """

    report: pd.DataFrame
    overview: pd.DataFrame
    fleet: pd.DataFrame
    top_downtime: pd.DataFrame
    now: str
    week_start: str
    method: str
    as_of: str | None
    source: Path
    demo_data: bool
    rejects: pd.DataFrame | None = None
    coverage: pd.DataFrame | None = None
    extrapolated: pd.DataFrame | None = None
    snapshot: Snapshot | None = field(default=None, repr=False, compare=False)
    extrapolated_rows: pd.DataFrame | None = field(default=None, repr=False, compare=False)
    trends: TrendReading | None = None
    out_dir: Path | None = None


def _iso_utc(stamp: object) -> str:
    """An instant from DuckDB (naive UTC) as ISO 8601 with a ``Z``."""
    return pd.Timestamp(stamp).isoformat() + "Z"


def build_reading(
    source: str | Path,
    as_of: str | None = None,
    method: str = "nearest",
    out_dir: str | Path | None = None,
) -> Reading:
    """Compute a report and its whole reading from one consistent snapshot of the data.

    :func:`compute_reading` then :func:`add_data_quality`; the report notebook calls the two
    itself, with the report's CSV written in between (what a user waits for comes first).

    Args:
        source: The data, as for :func:`compute_reading`.
        as_of: The report's instant, likewise.
        method: The interpolation, likewise.
        out_dir: Where store views are kept, likewise.

    Returns:
        The reading, data quality included.

    Raises:
        StoremonError: As :func:`compute_reading` does.
    """
    return add_data_quality(compute_reading(source, as_of, method, out_dir))


def compute_reading(
    source: str | Path,
    as_of: str | None = None,
    method: str = "nearest",
    out_dir: str | Path | None = None,
) -> Reading:
    """Compute a report (and, given ``out_dir``, its store views), keeping its snapshot open.

    The data-quality tables are read later from the same snapshot by :func:`add_data_quality`
    (which closes it), so the report and its data-quality numbers describe the same data even
    when a database file is replaced by an ingest in between.

    Args:
        source: An ingested database or a folder of CSV exports (see :func:`resolve_source`).
        as_of: Report as of this ISO instant; None or empty for the latest poll.
        method: ``nearest`` or ``carry_forward``.
        out_dir: When given, the report's folder (:func:`report_folder`): every store's week is
            written to its ``store_weeks/`` from the same snapshot (for the store endpoint).

    Returns:
        The reading without its data quality, holding the open snapshot.

    Raises:
        StoremonError: The data cannot be read, a parameter is bad, or no store has a poll at or
            before the report's instant.
    """
    method = check_method(method)
    instant = parse_as_of(as_of)
    path, demo_data = resolve_source(source)
    folder = None if out_dir is None else Path(out_dir)
    attempt = 1
    while True:
        snapshot = Snapshot(path)
        try:
            report, extrapolated = _compute(snapshot, path, instant, method, folder)
            if report.empty:
                if instant is None:
                    raise StoremonError(f"{path} holds no store status polls")
                raise StoremonError(
                    f"no store has a poll at or before {instant.isoformat()}Z (as_of is before "
                    "the data starts)"
                )
            reading = _reading(report, instant, method, path, demo_data, snapshot)
            return replace(reading, extrapolated_rows=extrapolated, out_dir=folder)
        except SnapshotSuperseded:
            # a load replaced an archive file this snapshot lists: read the database in place
            snapshot.close()
            if attempt == SNAPSHOT_ATTEMPTS:
                raise
            attempt += 1
        except BaseException:
            snapshot.close()
            raise


def _compute(
    snapshot: Snapshot, path: Path, instant: datetime | None, method: str, out_dir: Path | None
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """The report (and its store views in ``out_dir``): in one process, or in partitions.

    With ``STOREMON_PARTITIONS`` set and a database to read, the report, its store weeks and its
    extrapolated-time rows are computed by the partitions' Dask workers (docs/scaling.md);
    otherwise on the snapshot itself, the extrapolated time read later by
    :func:`add_data_quality`.

    Returns:
        The report and, when partitioned, its ``extrapolated_time`` rows (else None).
    """
    weeks = None if out_dir is None else out_dir / STORE_WEEKS_DIR
    partitions, scheduler = job_partitions()
    if partitions and path.is_file():
        run = run_partitioned(
            snapshot.con, path, partitions, scheduler, instant, method, weeks, VOUCHED_US
        )
        return run.report, run.extrapolated
    report = report_from_connection(snapshot.con, instant, method)
    if weeks is not None and not report.empty:
        write_store_weeks(snapshot.con, report, weeks)
    return report, None


def _reading(
    report: pd.DataFrame,
    instant: object,
    method: str,
    path: Path,
    demo_data: bool,
    snapshot: Snapshot,
) -> Reading:
    """A reading of a computed report: its facts, fleet uptime and worst stores."""
    now_stamp = pd.Timestamp(report.attrs["now"]).tz_convert(None)  # naive UTC, as from DuckDB
    now, week_start = _iso_utc(now_stamp), _iso_utc(now_stamp - pd.Timedelta(days=7))
    as_of_text = None if instant is None else instant.isoformat() + "Z"
    shown_source = _shown_path(path)
    facts = {
        "report instant (now, UTC)": now,
        "week window starts (UTC)": week_start,
        "as of": as_of_text or "latest poll",
        "method": method,
        "stores in the report": len(report),
        "data": f"{shown_source} (demo data: {_shown_path(DEFAULT_DB)} not found)"
        if demo_data
        else shown_source,
    }
    return Reading(
        report=report,
        overview=metrics.overview_table(facts),
        fleet=metrics.fleet_uptime(report),
        top_downtime=metrics.top_downtime(report, 20),
        now=now,
        week_start=week_start,
        method=method,
        as_of=as_of_text,
        source=path,
        demo_data=demo_data,
        snapshot=snapshot,
    )


def add_trends(reading: Reading, out_dir: str | Path) -> Reading:
    """Keep the report's trends in ``out_dir/trend/``, from its own snapshot, and read them.

    The report notebook runs this once the report is Complete: the API answers a trend Running
    until its files exist (docs/api.md). Reports of the same database file, instant and method
    share one computation (:func:`storemon.analysis.trends.keep_trends`).

    Args:
        reading: A reading from :func:`compute_reading` (its snapshot still open).
        out_dir: The report's folder (:func:`report_folder`).

    Returns:
        The reading with ``trends`` (:func:`storemon.analysis.trends.keep_trends`).

    Raises:
        StoremonError: The snapshot was already closed.
    """
    if reading.snapshot is None:
        raise StoremonError("this reading's data was closed before its trends were kept")
    instant = parse_as_of(reading.as_of)
    snapshot = reading.snapshot
    key = trend_key(snapshot.identity, reading.now, reading.method)
    trends = keep_trends(snapshot.con, Path(out_dir), instant, reading.method, key)
    return replace(reading, trends=trends)


def add_data_quality(reading: Reading) -> Reading:
    """Read the data-quality tables from a reading's snapshot, then close the snapshot.

    Args:
        reading: A reading from :func:`compute_reading` (its snapshot still open).

    When the reading keeps its store views in a report folder, the share of business time
    extrapolated per window is written there too (``quality.json``, for the API's summary).

    Returns:
        The reading with ``rejects``, ``coverage`` and ``extrapolated``, without its snapshot.

    Raises:
        StoremonError: The snapshot was already closed.
    """
    if reading.snapshot is None:
        raise StoremonError("this reading's data was closed before its data quality was read")
    con = reading.snapshot.con
    try:
        rejects = db.run_query(con, "rejects_by_reason")
        coverage = store_coverage(con)
        extrapolated = reading.extrapolated_rows
        if extrapolated is None:
            extrapolated = db.run_query(con, "extrapolated_time", reach_us=VOUCHED_US)
    finally:
        reading.snapshot.close()
    summary = metrics.extrapolated_summary(extrapolated)
    if reading.out_dir is not None:
        shares = summary["extrapolated_share_pct"].astype(float)
        write_json_atomic(
            reading.out_dir / QUALITY_FILE,
            {"extrapolated_share_pct": {w: None if pd.isna(v) else v for w, v in shares.items()}},
        )
    return replace(
        reading,
        rejects=metrics.rejects_table(rejects),
        coverage=metrics.coverage_table(coverage, DEFAULT_TIMEZONE),
        extrapolated=summary,
        snapshot=None,
        extrapolated_rows=None,
    )


def _shown_path(path: Path) -> str:
    """A path as people read it: relative to the project when inside it."""
    try:
        return str(Path(path).resolve().relative_to(PROJ_ROOT))
    except ValueError:
        return str(path)


def write_outputs(reading: Reading, reports_dir: str | Path, report_id: str = "") -> Path:
    """Write ``report.csv`` and ``summary.json`` (instant, stores, parameters) atomically.

    For a database, ``summary.json`` also says how fresh its data was (``data_latest_poll``,
    ``data_last_ingest``), read on the reading's own snapshot while it is open.

    Args:
        reading: A reading from :func:`build_reading`.
        reports_dir: The folder of report folders; a relative one is relative to the storemon
            home (``storemon.config.PROJ_ROOT``), like the notebook's other paths.
        report_id: The report's folder under ``reports_dir`` (empty: ``adhoc``).

    Returns:
        The path of the CSV.
    """
    out_dir = report_folder(reports_dir, report_id)
    csv_path = write_report_csv(reading.report, out_dir / "report.csv")
    summary = {
        "now": reading.now,
        "week_start": reading.week_start,
        "stores": len(reading.report),
        "method": reading.method,
        "as_of": reading.as_of,
        "source": str(reading.source),
        "demo_data": reading.demo_data,
    }
    if reading.snapshot is not None and reading.source.is_file() and not reading.demo_data:
        # how fresh the data the report read was, from its own snapshot (the job's record)
        fresh = freshness_of(reading.snapshot.con)
        summary["data_latest_poll"] = iso_utc(fresh.latest_poll)
        summary["data_last_ingest"] = iso_utc(fresh.last_ingest)
    write_json_atomic(out_dir / "summary.json", summary)
    return csv_path


def report_folder(reports_dir: str | Path, report_id: str = "") -> Path:
    """The folder of a report's outputs (relative ``reports_dir``: to the storemon home).

    Args:
        reports_dir: The folder of report folders.
        report_id: The report's folder under it (empty: ``adhoc``).

    Returns:
        The folder's path.
    """
    return PROJ_ROOT / reports_dir / (report_id or "adhoc")
