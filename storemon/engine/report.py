"""The report: business-hour uptime and downtime per store, as docs/report.md defines it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import TypeVar

import duckdb
import pandas as pd

from storemon.config import DEFAULT_TIMEZONE, METHODS, REPORT_COLUMNS
from storemon.engine import archive, archive_read, db, pipeline, reader_leases, schema
from storemon.engine.csv_text import csv_bytes
from storemon.engine.incremental import LoadOptions
from storemon.engine.load import LoadSummary, load_folder
from storemon.engine.sources import check_data_folder
from storemon.errors import StoremonError
from storemon.files import write_bytes_atomic
from storemon.freshness import iso_utc

# The local dates mapped to business spans reach this many days past each end of the week window
# (a local day starts up to 14 h off UTC, and a span may run 24 h past its day's midnight). The
# same value sizes the range zone_segments covers (segment_range_week.sql) and the dates that
# report_business_spans.sql maps: both get it as $margin_days, so one cannot outgrow the other.
WINDOW_MARGIN_DAYS = 2
# A report reads the polls of its week from the UTC midnight this many days before its start
# (report_instants; 0: the midnight that starts the week's first day); a store without an
# observation between that midnight and the week gets its last one before (report_fallback, from
# the per-day summary store_days), so a longer look-back would only read more rows.
LOOKBACK_DAYS = 0
# Times a report opens the database again when a load replaced an archive file it was reading.
SNAPSHOT_ATTEMPTS = 3
# The earliest report instant: no poll before it loads (reject_implausible_polls.sql holds the same
# bound), and a week before year 1 cannot be computed.
EARLIEST_AS_OF = datetime(2000, 1, 1)
# The report's window, the last week: the span its steps are built for (a trend's is longer).
WEEK_US = 7 * 86_400_000_000
# Reads the archived polls of [lo_us (None: the archive's start), hi_us) on a connection and
# reads their instants (archive_read.read_archived); returns whether the archive held files there.
# The last argument is None, or a trend's look-back start, from which on it may leave out the
# instants a trend does not read (archive_read.read_archived's changes_from_us).
ArchiveReader = Callable[[duckdb.DuckDBPyConnection, int | None, int, int | None], bool]
T = TypeVar("T")


@contextmanager
def open_source(
    source: str | Path, summary: list[LoadSummary] | None = None
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the data of a report: an ingested database (read-only) or a folder of raw CSVs.

    A folder is loaded into an in-memory database by the same code that ``storemon ingest`` runs,
    so both give the same tables (``store_status``, ``menu_hours``, ``timezones``, ``rejects``).

    Args:
        source: A ``.duckdb`` file made by ``storemon ingest``, or a folder of CSV exports.
        summary: When given, the folder's load summary is appended to it.

    Yields:
        A connection holding the tables.

    Raises:
        StoremonError: The source does not exist or cannot be read.
    """
    source = check_source(source)
    if source.is_dir():
        con = db.connect()
        try:
            loaded = load_folder(con, source, options=LoadOptions(private=True, fingerprint=False))
            if summary is not None:
                summary.append(loaded)
            yield con
        finally:
            db.close_in_background(con)  # its tables are freed while the caller goes on
    else:
        with reader_leases.read_database(source) as con:
            schema.require_current(con, source)
            yield con


def check_source(source: str | Path) -> Path:
    """Return ``source`` if it exists: a database file or a folder of CSV exports.

    Args:
        source: The data a report reads.

    Returns:
        The path.

    Raises:
        StoremonError: Nothing is there, or it is a CSV file (one of the exports, not the
            folder that holds them).
    """
    source = Path(source)
    if source.is_file() and source.suffix.lower() == ".csv":
        check_data_folder(source)
    if not source.exists():
        raise StoremonError(
            f"{source} does not exist (give a folder of CSV exports or a database made by "
            "`storemon ingest`)"
        )
    return source


def parse_as_of(as_of: str | datetime | pd.Timestamp | None) -> datetime | None:
    """Turn an ``as_of`` value into a naive UTC datetime (None stays None).

    A string is an ISO 8601 instant; one without an offset is UTC (all poll times are UTC). An
    instant before :data:`EARLIEST_AS_OF` is refused: no poll is that old, so such a report
    could only be empty (and its week would reach before year 1).

    Args:
        as_of: The instant, or None/empty for "the latest poll".

    Returns:
        The instant as a naive datetime in UTC, or None.

    Raises:
        StoremonError: The value is not a valid instant, or it is before 2000-01-01.
    """
    if as_of is None or (isinstance(as_of, str) and not as_of.strip()):
        return None
    stamp = pd.NaT
    try:
        text = as_of.strip() if isinstance(as_of, str) else as_of
        if isinstance(text, str) and text.upper().endswith(" UTC"):
            text = text[:-4]
        stamp = pd.Timestamp(text)
        if stamp.tzinfo is not None:
            stamp = stamp.tz_convert(timezone.utc).tz_localize(None)
    except (ValueError, TypeError):
        stamp = pd.NaT
    # pandas holds the years 0 and 10000 (an offset across either end of the calendar)
    if pd.isna(stamp) or stamp.year > 9999:
        raise StoremonError(
            f"as_of {as_of!r} is not a valid instant (use ISO 8601, e.g. 2024-11-05T12:00:00Z)"
        )
    if stamp < pd.Timestamp(EARLIEST_AS_OF):
        raise StoremonError(
            f"as_of {str(as_of)[:80]!r} is before {EARLIEST_AS_OF:%Y-%m-%d}: no poll is that old "
            "(older ones are rejected when loaded), so there is nothing to report; give a later "
            "instant, or none for the latest poll"
        )
    return stamp.to_pydatetime()


def check_method(method: str) -> str:
    """Return ``method`` if it is a known interpolation method.

    Args:
        method: ``nearest`` or ``carry_forward``.

    Returns:
        The method.

    Raises:
        StoremonError: The method is unknown.
    """
    if method not in METHODS:
        raise StoremonError(f"method {method!r} is unknown (use {' or '.join(METHODS)})")
    return method


def prepare_report(
    con: duckdb.DuckDBPyConnection,
    as_of: datetime | None,
    method: str,
    read_archive: ArchiveReader | None = None,
    span_us: int = WEEK_US,
    trend: bool = False,
) -> None:
    """Build the ``report_*`` temp tables a report (and a store's timeline) is read from.

    Each step is one SQL file (see docs/report.md): the clock, the zones' offset spans around the
    week window, the polls up to ``now`` flagged as observations, the outages for ``method``, and
    the business spans of the week, all in exact integer time.

    Args:
        con: A connection holding the loaded and derived tables.
        as_of: Naive UTC instant, or None for the latest poll.
        method: ``nearest`` or ``carry_forward``.
        read_archive: Reads archived polls in ``[lo_us, hi_us)`` (``archive_instants``) when
            the report needs them (see :data:`ArchiveReader`); default the archive of the
            connection's database file (a partitioned report's worker passes its own).
        span_us: The window the tables cover, ending at ``now``: the week (a report), or every
            period of a trend (:mod:`storemon.engine.trend`).
        trend: Build a trend's tables, not a report's: no ``report_business_spans`` (a trend
            reads business time from the weekly hours, ``trend_business``), and of the kept
            archived instants only those a trend's outages read (``read_kept_instants``), not
            every one that a report's timelines show.
    """
    check_method(method)
    db.run_stage(con, "clock", as_of=as_of, span_us=span_us)
    clock = db.run_query(con, "report_now").iloc[0]
    if pd.isna(clock["now"]):
        raise StoremonError("the data holds no poll (at or before as_of): no report to compute")
    day_us = 86_400_000_000
    lo_us = (int(clock["week_start_us"]) - LOOKBACK_DAYS * day_us) // day_us * day_us
    now_us = int(clock["week_start_us"]) + span_us
    params = {
        "method": method,
        "margin_days": WINDOW_MARGIN_DAYS,
        "lo_us": lo_us,
        "now_us": now_us,
    }
    steps = list(pipeline.REPORT_STEPS)
    cutoff = db.run_query(con, "hot_cutoff").iloc[0]["cutoff_us"]
    cutoff = None if pd.isna(cutoff) else int(cutoff)
    read = None if cutoff is None else (read_archive or _database_archive(con))
    changes_from_us = lo_us if trend else None
    if read is not None and lo_us < cutoff and read(con, lo_us, cutoff, changes_from_us):
        steps = list(pipeline.REPORT_STEPS_ARCHIVED)
    db.run_steps(con, steps[:4], **params)
    if read is not None and int(
        db.run_query(con, "report_cold_stores", **params).iloc[0]["n_stores"]
    ):
        if read(con, None, cutoff, changes_from_us):
            steps = list(pipeline.REPORT_STEPS_ARCHIVED)
            db.run_steps(con, steps[:4], **params)
    if trend:
        steps.remove("report_business_spans")
    db.run_steps(con, steps[4:], **params)


def _archive_of(con: duckdb.DuckDBPyConnection) -> Path | None:
    """The archive folder of the connection's database file (None in memory)."""
    path = db.run_query(con, "database_path").iloc[0]["path"]
    if not isinstance(path, str) or not path:
        return None
    return archive.archive_dir(reader_leases.public_path(path))


class SnapshotSuperseded(StoremonError):
    """An archive file this snapshot lists was replaced by a later load (run the report again)."""


def _database_archive(con: duckdb.DuckDBPyConnection) -> ArchiveReader | None:
    """The reader of the archive of the connection's database (None: it lists no file)."""
    folder = _archive_of(con)
    if folder is None or not archive_read.listed_files(con, folder):
        return None
    return lambda con, lo_us, hi_us, changes_from_us: _read_archive(
        con, folder, lo_us, hi_us, changes_from_us
    )


def _read_archive(
    con: duckdb.DuckDBPyConnection,
    folder: Path,
    lo_us: int | None,
    hi_us: int,
    changes_from_us: int | None,
) -> bool:
    """Read the instants of the archived polls in ``[lo_us, hi_us)`` (archive_instants).

    Raises:
        SnapshotSuperseded: A listed file is gone: a load that replaced a changed file rewrote
            that archived day after this snapshot was opened (the database now in place lists
            the new file; :func:`compute_report` opens it and runs again).
    """
    try:
        files = archive_read.read_archived(
            con, folder, lo_us, hi_us, DEFAULT_TIMEZONE, changes_from_us
        )
    except duckdb.IOException:
        gone = [f for f in archive_read.every_listed_file(con, folder) if not Path(f).exists()]
        if not gone:
            raise
        raise SnapshotSuperseded(
            f"the archive file {gone[0]} was replaced by a load after this report opened the "
            "database: run the report again (it reads the database now in place)"
        ) from None
    return bool(files)


def report_from_connection(
    con: duckdb.DuckDBPyConnection,
    as_of: datetime | None,
    method: str,
    read_archive: ArchiveReader | None = None,
) -> pd.DataFrame:
    """Run the report on an open connection (see :func:`compute_report`).

    Args:
        con: A connection holding the loaded tables.
        as_of: Naive UTC instant, or None for the latest poll.
        method: ``nearest`` or ``carry_forward``.
        read_archive: As for :func:`prepare_report`.

    Returns:
        The report, one row per store.
    """
    prepare_report(con, as_of, method, read_archive)
    report = db.run_query(con, "store_report")
    report = report[REPORT_COLUMNS].reset_index(drop=True)
    report["store_id"] = report["store_id"].astype(str)
    clock = db.run_query(con, "report_now").iloc[0]
    sizes = db.run_query(con, "table_sizes").set_index("table_name")["n_rows"]
    report.attrs.update(
        now=None if pd.isna(clock["now"]) else iso_utc(pd.Timestamp(clock["now"])),
        as_of=iso_utc(as_of),
        method=method,
        # input rows kept out of the report, with their reasons in the `rejects` table
        rejected_rows=int(sizes["rejects"]),
    )
    return report


def compute_report(
    source: str | Path,
    as_of: str | datetime | None = None,
    method: str = "nearest",
) -> pd.DataFrame:
    """Compute the uptime/downtime report for every polled store.

    Business hours are local wall-clock hours in each store's zone; only polls inside business
    hours are observations; the status between observations is interpolated by ``method``; uptime
    and downtime count business time only, in the last hour (minutes), day and week (hours),
    rounded half-up to 2 decimals. docs/report.md gives every rule.

    Args:
        source: An ingested database (``storemon ingest``) or a folder of raw CSV exports.
        as_of: Report as of this instant (polls after it are ignored); default: the latest poll.
        method: ``nearest`` (default: status of the nearest observation) or ``carry_forward``.

    Returns:
        One row per store, sorted by ``store_id``, with the columns of the report CSV.
        ``attrs`` holds ``now`` (the report's instant, ISO 8601 UTC with a ``Z``, as the
        command line and the API say it), ``as_of`` (alike), ``method`` and
        ``rejected_rows`` (input rows kept out, listed with their reasons in ``rejects``).

    Raises:
        StoremonError: The source or a parameter is not usable.
    """
    method = check_method(method)
    instant = parse_as_of(as_of)
    return read_snapshot(source, lambda con: report_from_connection(con, instant, method))


def read_snapshot(source: str | Path, read: Callable[[duckdb.DuckDBPyConnection], T]) -> T:
    """Open the source and read it, again on the database now in place if a load superseded it.

    Args:
        source: An ingested database or a folder of raw CSV exports (:func:`open_source`).
        read: Computes the answer on the open connection.

    Returns:
        What ``read`` returned.

    Raises:
        SnapshotSuperseded: Loads superseded the snapshot :data:`SNAPSHOT_ATTEMPTS` times.
    """
    attempt = 1
    while True:
        try:
            with open_source(source) as con:
                return read(con)
        except SnapshotSuperseded:
            if attempt == SNAPSHOT_ATTEMPTS:
                raise
            attempt += 1


def report_csv_bytes(report: pd.DataFrame) -> bytes:
    """Return a report as the bytes of its CSV file (header, two decimals, LF line ends).

    Args:
        report: A DataFrame from :func:`compute_report`.

    Returns:
        The CSV content.
    """
    return csv_bytes(report[REPORT_COLUMNS])


def write_report_csv(report: pd.DataFrame, path: str | Path) -> Path:
    """Write a report as CSV, atomically (a reader never sees a half-written file).

    Args:
        report: A DataFrame from :func:`compute_report`.
        path: The target file.

    Returns:
        The path written.
    """
    return write_bytes_atomic(path, report_csv_bytes(report))
