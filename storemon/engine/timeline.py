"""One store's week as the report sees it: business hours, polls and the interpolated status.

The timeline is read off the same temp tables the report is computed from
(:func:`storemon.engine.report.prepare_report`), so its business time and its inactive business
time are the report's ``*_last_week`` figures exactly; :func:`store_figures` recomputes a report
row from a timeline, which is how the tests hold the two together.

All instants are UTC ``pandas.Timestamp`` values. The SQL works in ticks (half-microseconds,
because a midpoint of two polls can fall on half a microsecond); a tick is 500 ns, so the
conversion to nanosecond timestamps is exact.
"""

from __future__ import annotations

import threading
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd

from storemon.analysis import metrics
from storemon.config import REPORT_COLUMNS
from storemon.engine import db
from storemon.engine.report import check_method, open_source, parse_as_of, prepare_report
from storemon.errors import StoremonError

NS_PER_TICK = 500
HOUR_NS = 3_600_000_000_000
# The report rounds half-up to hundredths of a minute (last hour) or of an hour (day, week).
HUNDREDTH_MINUTE_NS = 600_000_000
HUNDREDTH_HOUR_NS = 36_000_000_000
WINDOWS_NS = {"hour": HOUR_NS, "day": 24 * HOUR_NS, "week": 7 * 24 * HOUR_NS}


@dataclass(frozen=True)
class StoreTimeline:
    """One store's week window as the report computes it.

    Attributes:
        store_id: The store.
        zone: The IANA zone its business hours are read in.
        method: ``nearest`` or ``carry_forward``.
        now: The report's instant (UTC); the week window is ``[week_start, now)``.
        week_start: ``now`` minus 7 days (UTC).
        business: One row per business span inside the window: ``start``, ``end`` (UTC).
        polls: One row per poll in ``[week_start, now]``: ``time`` (UTC), ``status``
            (``active``/``inactive``), ``in_hours`` (taken in business hours), ``observed``
            (used by the report as an observation).
        status: The interpolated status over the window: ``start``, ``end`` (UTC), ``status``;
            consecutive rows alternate and together cover the window (empty without observations).
    """

    store_id: str
    zone: str
    method: str
    now: pd.Timestamp
    week_start: pd.Timestamp
    business: pd.DataFrame
    polls: pd.DataFrame
    status: pd.DataFrame


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
                {"start": _ticks_to_utc(business["lo"]), "end": _ticks_to_utc(business["hi"])}
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
                    "start": _ticks_to_utc(status["lo"]),
                    "end": _ticks_to_utc(status["hi"]),
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


def _round_half_up(ns: int, unit_ns: int) -> float:
    """``ns`` in hundredths of the unit, rounded half-up, as the report rounds."""
    return ((ns + unit_ns // 2) // unit_ns) / 100


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
    row: dict[str, object] = {"store_id": timeline.store_id}
    business_week = 0
    for window, length in WINDOWS_NS.items():
        unit = HUNDREDTH_MINUTE_NS if window == "hour" else HUNDREDTH_HOUR_NS
        business = _overlap_ns(timeline.business, everything, now - length, now)
        down = _overlap_ns(timeline.business, inactive, now - length, now)
        row[f"uptime_last_{window}"] = _round_half_up(business - down, unit)
        row[f"downtime_last_{window}"] = _round_half_up(down, unit)
        business_week = business
    ordered = {column: row[column] for column in REPORT_COLUMNS}
    ordered["business_last_week"] = business_week / HOUR_NS
    return ordered


def figures_table(timeline: StoreTimeline, report: pd.DataFrame) -> pd.DataFrame:
    """A store's figures recomputed from its timeline next to its row of the report.

    Args:
        timeline: A store's timeline.
        report: The report it belongs to (same data, instant and method).

    Returns:
        One row per report column (the store id left out): ``timeline``, ``report`` and
        whether they agree.
    """
    figures = store_figures(timeline)
    row = report[report["store_id"] == timeline.store_id]
    columns = REPORT_COLUMNS[1:]
    table = pd.DataFrame(
        {
            "timeline": [figures[column] for column in columns],
            "report": [row[column].iloc[0] if len(row) else float("nan") for column in columns],
        },
        index=pd.Index(columns, name="figure"),
    )
    table["agree"] = table["timeline"] == table["report"]
    return table


def counted_status(timeline: StoreTimeline) -> pd.DataFrame:
    """The parts of the status that the report counts: those inside business hours.

    Args:
        timeline: A store's timeline.

    Returns:
        One row per piece: ``start``, ``end`` (UTC) and ``status``, in time order; active pieces
        add up to the week's uptime, inactive ones to its downtime.
    """
    pieces = []
    for b_start, b_end in zip(timeline.business["start"], timeline.business["end"], strict=True):
        for s_start, s_end, status in timeline.status.itertuples(index=False):
            start, end = max(b_start, s_start), min(b_end, s_end)
            if start < end:
                pieces.append({"start": start, "end": end, "status": status})
    counted = pd.DataFrame(pieces, columns=["start", "end", "status"])
    return counted.sort_values("start", kind="stable").reset_index(drop=True)


def default_store(report: pd.DataFrame) -> str:
    """The store worth looking at first: most downtime last week, else the first store.

    Args:
        report: A report (one row per store).

    Returns:
        A store id.

    Raises:
        StoremonError: The report has no store.
    """
    if report.empty:
        raise StoremonError("the report has no store")
    worst = metrics.top_downtime(report, 1)
    return str(worst["store_id"].iloc[0] if not worst.empty else report["store_id"].iloc[0])
