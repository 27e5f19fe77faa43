"""One store's week as the report sees it: business hours, polls and the interpolated status.

The timeline is read off the same temp tables the report is computed from
(:func:`storemon.engine.report.prepare_report`), so its business time and its inactive business
time are the report's ``*_last_week`` figures exactly; :func:`store_figures` recomputes a report
row from a timeline (rounded by the report's own SQL rule), which is how the tests hold the two
together. Readings of a timeline for people are in :mod:`storemon.analysis.store_week`.

A report job keeps every store's week too, computed for the whole fleet in one query on the
report's own connection (:func:`write_store_weeks`, a Parquet file beside ``report.csv``), so that
a store's view is read later (:func:`read_store_week`) without the database: it is the snapshot
the report counted, whatever was ingested since.

All instants are UTC ``pandas.Timestamp`` values. The SQL works in ticks (half-microseconds,
because a midpoint of two polls can fall on half a microsecond); a tick is 500 ns, so the
conversion to nanosecond timestamps is exact.
"""

from __future__ import annotations

import threading
from contextlib import ExitStack
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd

from storemon.config import REPORT_COLUMNS
from storemon.engine import db
from storemon.engine.report import check_method, open_source, parse_as_of, prepare_report
from storemon.errors import StoremonError
from storemon.timelines import StoreTimeline

NS_PER_TICK = 500
HOUR_NS = 3_600_000_000_000
# The report rounds half-up to hundredths of a minute (last hour) or of an hour (day, week); the
# rule itself is the SQL macro hundredths_half_up, these are its units in ticks.
HUNDREDTH_MINUTE_HUS = 1_200_000
HUNDREDTH_HOUR_HUS = 72_000_000
# The folder of a report's kept store weeks, beside its report.csv (write_store_weeks).
STORE_WEEKS_DIR = "store_weeks"
WINDOWS_NS = {"hour": HOUR_NS, "day": 24 * HOUR_NS, "week": 7 * 24 * HOUR_NS}


def _ticks_to_utc(ticks: pd.Series) -> pd.Series:
    """Ticks (half-microseconds since the epoch) as UTC timestamps, exactly."""
    return pd.to_datetime(ticks.astype("int64") * NS_PER_TICK, unit="ns", utc=True)


def _status_name(active: pd.Series) -> pd.Series:
    """``active``/``inactive`` from a boolean column."""
    return active.astype(bool).map({True: "active", False: "inactive"})


class TimelineReader:
    """Timelines of many stores of one report, from one open, prepared connection.

    Preparing a report costs about as much as computing it (the fleet's business spans and
    outages); each timeline after that is three small queries. The connection reads one snapshot
    of the data, so all timelines of a reader agree with each other. Thread-safe.

    Args:
        source: An ingested database or a folder of raw CSV exports.
        as_of: The report's instant (ISO or datetime); None for the latest poll.
        method: ``nearest`` or ``carry_forward``.

    Raises:
        StoremonError: The source or a parameter is not usable.
    """

    def __init__(
        self,
        source: str | Path,
        as_of: str | datetime | None = None,
        method: str = "nearest",
    ) -> None:
        self.method = check_method(method)
        instant = parse_as_of(as_of)
        self._lock = threading.Lock()
        self._stack = ExitStack()
        try:
            self._con = self._stack.enter_context(open_source(source))
            prepare_report(self._con, instant, self.method)
            clock = db.run_query(self._con, "report_now").iloc[0]
        except BaseException:
            self._stack.close()
            raise
        self.now = pd.Timestamp(clock["now"]).tz_localize("UTC")
        self.week_start = pd.Timestamp(int(clock["week_start_us"]), unit="us", tz="UTC")

    def timeline(self, store_id: str) -> StoreTimeline:
        """Return one store's timeline.

        Args:
            store_id: The store's id, as in the data (a string).

        Returns:
            The timeline.

        Raises:
            StoremonError: The store has no poll at or before the report's instant.
        """
        store_id = str(store_id).strip()
        with self._lock:
            store = db.run_query(self._con, "timeline_store", store_id=store_id)
            if store.empty:
                raise StoremonError(
                    f"store {store_id!r} is not in this report (no poll of it at or before "
                    f"{self.now.isoformat()})"
                )
            business = db.run_query(self._con, "timeline_business", store_id=store_id)
            polls = db.run_query(self._con, "timeline_polls", store_id=store_id)
            status = db.run_query(self._con, "timeline_status", store_id=store_id)
        return StoreTimeline(
            store_id=store_id,
            zone=str(store["zone"].iloc[0]),
            method=self.method,
            now=self.now,
            week_start=self.week_start,
            business=pd.DataFrame(
                {
                    "start": _ticks_to_utc(business["lo_hus"]),
                    "end": _ticks_to_utc(business["hi_hus"]),
                }
            ),
            polls=pd.DataFrame(
                {
                    "time": pd.to_datetime(polls["t_us"].astype("int64"), unit="us", utc=True),
                    "status": _status_name(polls["active"]),
                    "in_hours": polls["in_hours"].astype(bool),
                    "observed": polls["observed"].astype(bool),
                }
            ),
            status=pd.DataFrame(
                {
                    "start": _ticks_to_utc(status["lo_hus"]),
                    "end": _ticks_to_utc(status["hi_hus"]),
                    "status": _status_name(status["active"]),
                }
            ),
        )

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._stack.close()

    def __enter__(self) -> TimelineReader:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def store_timeline(
    source: str | Path,
    store_id: str,
    as_of: str | datetime | None = None,
    method: str = "nearest",
) -> StoreTimeline:
    """Return one store's week: business spans, polls and interpolated status, in UTC.

    For several stores of one report, a :class:`TimelineReader` prepares the data only once.

    Args:
        source: An ingested database or a folder of raw CSV exports.
        store_id: The store's id, as in the data.
        as_of: The report's instant (ISO or datetime); None for the latest poll.
        method: ``nearest`` (default) or ``carry_forward``.

    Returns:
        The timeline.

    Raises:
        StoremonError: The source or a parameter is not usable, or the store is not in the report.
    """
    with TimelineReader(source, as_of=as_of, method=method) as reader:
        return reader.timeline(store_id)


def write_store_weeks(
    con: duckdb.DuckDBPyConnection, report: pd.DataFrame, folder: str | Path
) -> Path:
    """Write every store's week of a prepared report to a folder of Parquet files.

    Set-based, for the whole fleet at once, on the connection the report was computed on: the
    views can never disagree with the report. ``stores.parquet`` holds one row per store of
    ``report`` (id, ``store_key``, zone, the clock ``week_start_us``/``now_us``, its six numbers as
    ``report`` holds them); ``business``, ``polls``, ``status`` and ``counted`` hold the store's
    spans and polls by ``store_key`` (see the ``week_*`` SQL files). Each file is written
    atomically; read one store back with :func:`read_store_week`.

    Args:
        con: The connection the report was computed on (its ``report_*`` temp tables).
        report: The report's rows (from :func:`storemon.engine.report.report_from_connection`).
        folder: The folder to write (created when missing).

    Returns:
        The folder.
    """
    folder = Path(folder)
    db.run_stage(con, "weeks")
    con.register("report_rows", report[REPORT_COLUMNS])
    try:
        db.write_parquet(con, "week_business", folder / "business.parquet")
        db.write_parquet(con, "week_polls", folder / "polls.parquet")
        db.write_parquet(con, "week_status", folder / "status.parquet")
        db.write_parquet(con, "week_counted", folder / "counted.parquet")
        # Last: a reader finds a store only once the other parts are there.
        db.write_parquet(con, "week_stores", folder / "stores.parquet")
    finally:
        con.unregister("report_rows")
    return folder


def read_store_week(folder: str | Path, store_id: str) -> dict[str, object] | None:
    """Read one store's view from a folder written by :func:`write_store_weeks`.

    A report computed in partitions keeps one such folder per partition (``part=<p>/``) and, in
    ``folder``, the index ``stores.parquet`` of every store with its ``part``
    (:func:`storemon.engine.partition.run_partitioned`): the store's lists are read in its part.

    Args:
        folder: The folder.
        store_id: The store's id.

    Returns:
        The store's row of ``stores.parquet`` (without ``store_key`` and ``part``) and the lists
        ``business``, ``polls``, ``status`` and ``counted`` (dicts, in time order), or None when
        the store is not in the report.
    """
    con = db.connect()
    try:
        row = db.fetch_row(con, "store_week_row", folder=str(folder), store_id=str(store_id))
        if row is None:
            return None
        key = row.pop("store_key")
        if "part" in row:
            folder = Path(folder, f"part={row.pop('part')}")
        lists = db.fetch_row(con, "store_week_lists", folder=str(folder), store_key=key)
    finally:
        con.close()
    return {**row, **(lists or {})}


def read_store_zones(folder: str | Path) -> pd.DataFrame:
    """Every store of a report with its time zone, from a folder of :func:`write_store_weeks`.

    Args:
        folder: The folder.

    Returns:
        One row per store (``store_id``, ``zone``), in store id order.
    """
    con = db.connect()
    try:
        return db.run_query(con, "store_zones", folder=str(folder))
    finally:
        con.close()


def _overlap_ns(spans: pd.DataFrame, others: pd.DataFrame, lo: int, hi: int) -> int:
    """Nanoseconds inside ``[lo, hi)``, a span of ``spans`` and a span of ``others`` at once."""
    total = 0
    # Both tables are disjoint spans of one store's week: a few dozen rows, so pairs are cheap.
    for s_lo, s_hi in zip(spans["start"], spans["end"], strict=True):
        a, b = max(s_lo.value, lo), min(s_hi.value, hi)
        if a >= b:
            continue
        for o_lo, o_hi in zip(others["start"], others["end"], strict=True):
            total += max(0, min(b, o_hi.value) - max(a, o_lo.value))
    return total


def _rounded(figures: list[dict[str, object]]) -> dict[str, float]:
    """Exact tick counts rounded by the report's own rule (the SQL macro hundredths_half_up)."""
    con = db.connect()
    try:
        rounded = db.run_query(con, "timeline_figures", figures=figures)
    finally:
        con.close()
    pairs = zip(rounded["name"], rounded["value"], strict=True)
    return {str(name): float(value) for name, value in pairs}


def store_figures(timeline: StoreTimeline) -> dict[str, object]:
    """Recompute the store's report row from its timeline.

    Uptime in a window is business time there with status active, downtime the same with status
    inactive; the last hour in minutes, the day and the week in hours, rounded half-up to 2
    decimals: the row must equal the store's row of the report.

    Args:
        timeline: A store's timeline.

    Returns:
        ``store_id`` and the six figures of the report CSV, plus ``business_last_week`` (hours,
        unrounded) for reading.
    """
    now = timeline.now.value
    everything = pd.DataFrame({"start": [timeline.week_start], "end": [timeline.now]})
    inactive = timeline.status[timeline.status["status"] == "inactive"]
    figures: list[dict[str, object]] = []
    business_week = 0
    for window, length in WINDOWS_NS.items():
        unit_hus = HUNDREDTH_MINUTE_HUS if window == "hour" else HUNDREDTH_HOUR_HUS
        business = _overlap_ns(timeline.business, everything, now - length, now)
        down = _overlap_ns(timeline.business, inactive, now - length, now)
        # Every instant of a timeline is a whole tick, so these divisions are exact.
        figures.append(
            {
                "name": f"uptime_last_{window}",
                "hus": (business - down) // NS_PER_TICK,
                "unit_hus": unit_hus,
            }
        )
        figures.append(
            {"name": f"downtime_last_{window}", "hus": down // NS_PER_TICK, "unit_hus": unit_hus}
        )
        business_week = business
    row: dict[str, object] = {"store_id": timeline.store_id, **_rounded(figures)}
    ordered = {column: row[column] for column in REPORT_COLUMNS}
    ordered["business_last_week"] = business_week / HOUR_NS
    return ordered
