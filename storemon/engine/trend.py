"""The trend: many reports' last day or week, computed in one pass over all their periods.

A trend point is the report as of its period's end: the store's ``uptime_last_<window>`` and
``downtime_last_<window>`` of ``compute_report(source, as_of=period_end)``, exactly. Instead of
one report per period, the report's steps run once over the whole span of the periods
(:func:`storemon.engine.report.prepare_report` with a longer window: the polls and outages of
the span; business time is read off each store's week, ``trend_business``), and one query gives
the business ticks of every period (``trend_ticks``), each period seeing only what its own
report sees: the polls up to its end; :mod:`storemon.engine.trend_grid` sums them into the
trend's cells (docs/report.md, "Trends").
"""

from __future__ import annotations

import hashlib
import numbers
from collections.abc import Callable
from datetime import datetime
from functools import cache
from pathlib import Path

import duckdb
import pandas as pd

from storemon.config import TREND_COLUMNS, TREND_WINDOWS
from storemon.engine import db, pipeline, trend_grid
from storemon.engine.csv_text import csv_bytes
from storemon.engine.report import (
    ArchiveReader,
    check_method,
    parse_as_of,
    prepare_report,
    read_snapshot,
)
from storemon.errors import StoremonError
from storemon.files import write_bytes_atomic

DAY_US = 86_400_000_000
WINDOW_US = {"week": 7 * DAY_US, "day": DAY_US}
# A report job keeps its trends in this folder beside report.csv (storemon.analysis.reading).
TREND_DIR = "trend"
JOB_PERIODS = {"week": 12, "day": 28}
PERIOD_END = "datetime64[us, UTC]"
EMPTY_TYPES = {"store_id": "str", "period_end": PERIOD_END, "uptime": float, "downtime": float}


@cache
def trend_code() -> str:
    """A digest of the code a trend runs: every SQL file of the chain, this module and the grid's.

    Kept trends are shared only between reports whose trends this same code computed
    (:func:`storemon.analysis.trends.trend_key`).

    Returns:
        A hex digest.
    """
    digest = hashlib.sha256(Path(__file__).read_bytes())
    digest.update(Path(trend_grid.__file__).read_bytes())
    for stage in pipeline.STAGES:
        for step in stage.steps:
            digest.update(db.load_sql(step.name).encode())
    return digest.hexdigest()[:16]


def check_window(window: str) -> str:
    """Return ``window`` if a trend can be cut by it.

    Args:
        window: ``week`` or ``day``.

    Returns:
        The window.

    Raises:
        StoremonError: Another window.
    """
    if window not in TREND_WINDOWS:
        raise StoremonError(f"window {window!r} is unknown (use {' or '.join(TREND_WINDOWS)})")
    return window


def check_periods(periods: int) -> int:
    """Return ``periods`` if it is a whole number of periods, 1 or more.

    Args:
        periods: How many periods a trend holds.

    Returns:
        The number.

    Raises:
        StoremonError: Not a whole number, or less than 1.
    """
    if isinstance(periods, bool) or not isinstance(periods, numbers.Integral) or periods < 1:
        raise StoremonError(f"periods must be a whole number, 1 or more (got {periods!r})")
    return int(periods)


def periods_held(con: duckdb.DuckDBPyConnection, now_us: int, window: str, periods: int) -> int:
    """How many of the periods ending at ``now_us``, ``now_us - window``, ... hold a poll.

    A period that ends before the data's first poll has no store (its report would be empty):
    the trend's span stops at the last period that ends at or after it.

    Args:
        con: A connection holding the loaded tables.
        now_us: The newest period's end (microseconds since the epoch).
        window: ``week`` or ``day``.
        periods: The periods asked for.

    Returns:
        From 0 to ``periods``.
    """
    first = db.run_query(con, "first_poll").iloc[0]["first_us"]
    if pd.isna(first) or int(first) > now_us:
        return 0
    return min(periods, (now_us - int(first)) // WINDOW_US[window] + 1)


def prepare_trends(
    con: duckdb.DuckDBPyConnection,
    as_of: datetime | None,
    method: str,
    periods: dict[str, int],
    read_archive: ArchiveReader | None = None,
) -> tuple[pd.Timestamp, dict[str, int]]:
    """Build the tables every trend of ``periods`` is cut from, in one pass over their span.

    The report's steps run once over the longest span asked (its periods that hold a poll),
    without its business spans and keeping of the archive's kept instants only those its
    outages can use (:func:`storemon.engine.report.prepare_report`), then the ``trend`` stage:
    ``trend_early_outages`` (the stores first polled in hours after the oldest period's end) and
    ``trend_business`` (each store's week and offsets, which business time is read from);
    ``trend_ticks`` cuts any of the trends from them. The connection's ``report_*`` temp tables
    are rebuilt (``report_business_spans`` dropped): a report prepared on it is gone.

    Args:
        con: A connection holding the loaded tables.
        as_of: Naive UTC instant of the newest periods' end, or None for the latest poll.
        method: ``nearest`` or ``carry_forward``.
        periods: How many periods of each window (``week``, ``day``).
        read_archive: As for :func:`storemon.engine.report.prepare_report`.

    Returns:
        The newest periods' end (naive UTC) and, per window, how many periods hold a poll.

    Raises:
        StoremonError: A parameter is not usable, or the data holds no poll.
    """
    for window, count in periods.items():
        check_window(window)
        check_periods(count)
    method = check_method(method)
    db.run_stage(con, "clock", as_of=as_of, span_us=0)
    now = db.run_query(con, "report_now").iloc[0]["now"]
    if pd.isna(now):
        raise StoremonError("the data holds no poll (at or before as_of): no trend to compute")
    now = pd.Timestamp(now)
    held = {w: periods_held(con, now.value // 1000, w, n) for w, n in periods.items()}
    span_us = max(count * WINDOW_US[window] for window, count in held.items())
    if span_us:
        prepare_report(con, as_of, method, read_archive, span_us=span_us, trend=True)
        now_us = now.value // 1000
        oldest_end_us = min(
            now_us - (count - 1) * WINDOW_US[window] for window, count in held.items() if count
        )
        db.run_stage(con, "trend", method=method, oldest_end_us=oldest_end_us)
    return now, held


def trend_from_connection(
    con: duckdb.DuckDBPyConnection,
    as_of: datetime | None,
    window: str = "week",
    periods: int = 12,
    method: str = "nearest",
    read_archive: ArchiveReader | None = None,
) -> pd.DataFrame:
    """Compute a trend on an open connection (see :func:`compute_trend`).

    Args:
        con: A connection holding the loaded tables (its ``report_*`` temp tables are rebuilt).
        as_of: Naive UTC instant of the newest period's end, or None for the latest poll.
        window: ``week`` or ``day``.
        periods: How many periods.
        method: ``nearest`` or ``carry_forward``.
        read_archive: As for :func:`storemon.engine.report.prepare_report`.

    Returns:
        The trend (see :func:`compute_trend`).

    Raises:
        StoremonError: A parameter is not usable, or the data holds no poll.
    """
    now, held = prepare_trends(con, as_of, method, {window: periods}, read_archive)
    if held[window]:
        trend = _cut(con, now, window, held[window], "UTC")
    else:
        trend = pd.DataFrame({column: [] for column in TREND_COLUMNS}).astype(EMPTY_TYPES)
    trend.attrs.update(
        now=now.isoformat(),
        as_of=None if as_of is None else as_of.isoformat(),
        window=window,
        periods=periods,
        method=method,
    )
    return trend


def _cut(
    con: duckdb.DuckDBPyConnection, now: pd.Timestamp, window: str, periods: int, zone: str | None
) -> pd.DataFrame:
    """Cut a trend's rows by its periods (``trend_ticks``, then :mod:`trend_grid`), in order.

    ``period_end`` is a timestamp in ``zone`` (``UTC``) or naive UTC (None, as kept files hold
    it). The frame keeps the arrays made for it: a copy of millions of rows would cost as much
    again.
    """
    with trend_grid.small_pages():
        db.run_stage(con, "trend_cut", window_us=WINDOW_US[window], periods=periods)
        cells = trend_grid.cut_cells(con, now.value // 1000, WINDOW_US[window], periods)
        ends = pd.Series(cells["end_us"].astype("datetime64[us]"))
        columns = {
            "store_id": pd.Series(cells["store_id"], dtype="str"),
            "period_end": ends if zone is None else ends.dt.tz_localize(zone),
            "uptime": cells["uptime"],
            "downtime": cells["downtime"],
        }
        return pd.DataFrame(columns, copy=False)


def write_trends(
    con: duckdb.DuckDBPyConnection,
    folder: str | Path,
    as_of: datetime | None,
    method: str,
    periods: dict[str, int],
) -> dict[str, Path]:
    """Compute trends in one pass and write each as ``<folder>/<window>.parquet``.

    The rows of each file are those of :func:`compute_trend` (``store_id``, ``period_end`` as a
    naive UTC timestamp, ``uptime``, ``downtime``), in its order, each file written by DuckDB
    atomically; :func:`read_trend_points` reads them back.

    Args:
        con: A connection holding the loaded tables (its ``report_*`` temp tables are rebuilt;
            a report job passes a duplicate of its snapshot's, :func:`storemon.engine.db.
            duplicate`).
        folder: Where the files go (created when missing).
        as_of: Naive UTC instant of the newest periods' end, or None for the latest poll.
        method: ``nearest`` or ``carry_forward``.
        periods: How many periods of each window, e.g. ``{"week": 12, "day": 28}``.

    Returns:
        The file written per window (a window whose periods all end before the first poll has
        none).

    Raises:
        StoremonError: A parameter is not usable, or the data holds no poll.
    """
    now, held = prepare_trends(con, as_of, method, periods)
    Path(folder).mkdir(parents=True, exist_ok=True)
    written = {}
    for window, count in held.items():
        if count:
            path = Path(folder, f"{window}.parquet")
            db.write_frame_parquet(con, _cut(con, now, window, count, None), path)
            written[window] = path
    return written


def read_trend_points(
    folder: str | Path, window: str, store_id: str | None = None
) -> pd.DataFrame | None:
    """Read a kept trend's points, newest first: the fleet's totals, or one store's own.

    Args:
        folder: A folder written by :func:`write_trends`.
        window: ``week`` or ``day``.
        store_id: A store's id; None for the fleet.

    Returns:
        One row per period (``period_end``, ``uptime``, ``downtime``, ``uptime_share``,
        ``stores``; see ``trend_points.sql``), empty for a store without rows; None when the
        folder keeps no trend of that window.
    """
    path = _kept_file(folder, window)
    if path is None:
        return None
    return _in_memory(lambda con: db.run_query(con, "trend_points", file=path, store_id=store_id))


def read_trend_rows(folder: str | Path, window: str) -> pd.DataFrame | None:
    """Read a kept trend's rows, every store's (the columns of :func:`compute_trend`).

    Args:
        folder: A folder written by :func:`write_trends`.
        window: ``week`` or ``day``.

    Returns:
        The rows (``period_end`` a UTC timestamp), or None when the folder keeps no trend of
        that window.
    """
    path = _kept_file(folder, window)
    if path is None:
        return None
    rows = _in_memory(lambda con: db.run_query(con, "trend_rows", file=path))
    rows["period_end"] = pd.to_datetime(rows["period_end"]).dt.tz_localize("UTC")
    return rows


def _kept_file(folder: str | Path, window: str) -> str | None:
    """The kept trend file of a window, or None when there is none."""
    path = Path(folder, f"{check_window(window)}.parquet")
    return str(path) if path.is_file() else None


def _in_memory(read: Callable[[duckdb.DuckDBPyConnection], pd.DataFrame]) -> pd.DataFrame:
    """Run ``read`` on a new in-memory connection (closed after)."""
    con = db.connect()
    try:
        return read(con)
    finally:
        con.close()


def compute_trend(
    source: str | Path,
    as_of: str | datetime | None = None,
    window: str = "week",
    periods: int = 12,
    method: str = "nearest",
) -> pd.DataFrame:
    """Compute every store's uptime and downtime in each of the last ``periods`` days or weeks.

    Period ``k`` ends at ``as_of - k * window`` (k = 0 ... periods - 1). Each row equals what
    ``compute_report(source, as_of=period_end, method=method)`` gives that store in
    ``uptime_last_<window>`` and ``downtime_last_<window>``, exactly (docs/report.md, "Trends"):
    the polls after a period's end are ignored for it, business hours and zones are today's, and
    the stores of a period are those polled at or before its end, so a store first polled inside
    the trend has no row for the periods before. A period that ends before the data's first poll
    has no row at all.

    Args:
        source: An ingested database (``storemon ingest``) or a folder of raw CSV exports.
        as_of: The newest period's end; default the latest poll (the report's own ``now``).
        window: ``week`` (default) or ``day``.
        periods: How many periods (default 12).
        method: ``nearest`` (default) or ``carry_forward``, as for the report.

    Returns:
        One row per period and store, oldest period first, then by ``store_id``: ``store_id``,
        ``period_end`` (a UTC timestamp), ``uptime`` and ``downtime`` (hours, rounded half-up to
        2 decimals like the report). ``attrs`` holds ``now`` (the newest period's end, ISO),
        ``as_of``, ``window``, ``periods`` and ``method``.

    Raises:
        StoremonError: The source or a parameter is not usable.
    """
    window, periods = check_window(window), check_periods(periods)
    method = check_method(method)
    instant = parse_as_of(as_of)
    return read_snapshot(
        source, lambda con: trend_from_connection(con, instant, window, periods, method)
    )


def trend_csv_bytes(trend: pd.DataFrame) -> bytes:
    """Return a trend as the bytes of its CSV file.

    Header ``store_id,period_end,uptime,downtime``; ``period_end`` in ISO 8601 UTC to the
    microsecond (``2024-11-05T12:00:00.000000Z``), hours with two decimals, LF line ends.

    Args:
        trend: A DataFrame from :func:`compute_trend`.

    Returns:
        The CSV content.
    """
    rows = trend[TREND_COLUMNS].copy()
    rows["period_end"] = rows["period_end"].dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return csv_bytes(rows)


def write_trend_csv(trend: pd.DataFrame, path: str | Path) -> Path:
    """Write a trend as CSV (:func:`trend_csv_bytes`), atomically.

    Args:
        trend: A DataFrame from :func:`compute_trend`.
        path: The target file.

    Returns:
        The path written.
    """
    return write_bytes_atomic(path, trend_csv_bytes(trend))
