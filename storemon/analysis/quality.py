"""How far the data can be trusted, and how much the interpolation method matters (analysts).

:func:`data_quality` gathers, from one snapshot of the data, the rejected rows, the stores that
lack hours, a zone or polls, and the polls per hour (polling holes show as dips);
:func:`compare_methods` computes the report under both methods on one snapshot and sets them
side by side.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd

from storemon.analysis import metrics
from storemon.config import DEFAULT_TIMEZONE, METHODS
from storemon.engine import db
from storemon.engine.load import store_coverage
from storemon.engine.report import open_source, parse_as_of, report_from_connection


@dataclass(frozen=True)
class DataQuality:
    """The data-quality overview of a data set.

    Attributes:
        rejects: Rejected input rows by file and reason (most frequent first).
        coverage: Counts of stores polled, without hours, without a zone, never polled.
        stores_lacking: One row per store and problem (``problem``, ``store_id``).
        polls_per_hour: One row per UTC hour: ``hour``, ``polls``, ``stores``.
        holes: The stretches of hours with fewer than half the usual polled stores.
    """

    rejects: pd.DataFrame
    coverage: pd.DataFrame
    stores_lacking: pd.DataFrame
    polls_per_hour: pd.DataFrame
    holes: pd.DataFrame


def polling_holes(polls_per_hour: pd.DataFrame, threshold: float = 0.5) -> pd.DataFrame:
    """The stretches of hours in which clearly fewer stores were polled than usual.

    Args:
        polls_per_hour: One row per hour with ``hour``, ``polls``, ``stores``, in time order.
        threshold: An hour belongs to a hole when it has fewer than this share of the median
            hour's polled stores.

    Returns:
        One row per hole (consecutive such hours): ``start``, ``end`` (UTC, end exclusive),
        ``hours``, ``polls`` in it, and ``fewest_stores`` polled in one of its hours.
    """
    columns = ["start", "end", "hours", "polls", "fewest_stores"]
    median = float(polls_per_hour["stores"].median()) if len(polls_per_hour) else 0.0
    low = polls_per_hour["stores"] < threshold * median
    if median <= 0 or not low.any():
        return pd.DataFrame(columns=columns)
    # A new hole starts at each low hour that follows a normal one.
    hole_no = (low & ~low.shift(fill_value=False)).cumsum()
    holes = (
        polls_per_hour[low]
        .groupby(hole_no[low])
        .agg(
            start=("hour", "min"),
            end=("hour", "max"),
            hours=("hour", "size"),
            polls=("polls", "sum"),
            fewest_stores=("stores", "min"),
        )
        .reset_index(drop=True)
    )
    holes["end"] = holes["end"] + pd.Timedelta(hours=1)
    return holes[columns]


def data_quality(source: str | Path) -> DataQuality:
    """Gather the data-quality overview of a data set from one snapshot of it.

    Args:
        source: An ingested database or a folder of raw CSV exports.

    Returns:
        The overview.

    Raises:
        StoremonError: The source cannot be read.
    """
    with open_source(source) as con:
        rejects = db.run_query(con, "rejects_by_reason")
        coverage = store_coverage(con)
        lacking = db.run_query(con, "stores_lacking_data")
        per_hour = db.run_query(con, "polls_per_hour")
    per_hour = per_hour.astype({"polls": "int64", "stores": "int64"})
    per_hour["hour"] = pd.to_datetime(per_hour["hour"]).dt.tz_localize("UTC")
    return DataQuality(
        rejects=metrics.rejects_table(rejects),
        coverage=metrics.coverage_table(coverage, DEFAULT_TIMEZONE),
        stores_lacking=lacking,
        polls_per_hour=per_hour,
        holes=polling_holes(per_hour),
    )


@dataclass(frozen=True)
class MethodComparison:
    """One report computed under both methods.

    Attributes:
        fleet: Fleet uptime share per method and window (indexed by both, windows labelled).
        stores: One row per store: last-week downtime under each method and the difference
            (``carry_forward`` minus ``nearest``, hours), largest differences first.
        now: The report's instant (ISO, UTC).
    """

    fleet: pd.DataFrame
    stores: pd.DataFrame
    now: str


def compare_methods(source: str | Path, as_of: str | datetime | None = None) -> MethodComparison:
    """Compute the report under ``nearest`` and ``carry_forward`` and compare them.

    Both reports read one snapshot of the data (one connection), so only the method differs.

    Args:
        source: An ingested database or a folder of raw CSV exports.
        as_of: The report's instant (ISO); None for the latest poll.

    Returns:
        The comparison.

    Raises:
        StoremonError: The source or ``as_of`` is not usable.
    """
    instant = parse_as_of(as_of)
    with open_source(source) as con:
        reports = {method: report_from_connection(con, instant, method) for method in METHODS}
    fleet = pd.concat(
        {method: metrics.fleet_uptime(report) for method, report in reports.items()},
        names=["method"],
    )
    columns = ["store_id", "uptime_last_week", "downtime_last_week"]
    stores = reports["nearest"][columns].merge(
        reports["carry_forward"][columns], on="store_id", suffixes=("_nearest", "_carry_forward")
    )
    stores["downtime_difference_h"] = (
        stores["downtime_last_week_carry_forward"] - stores["downtime_last_week_nearest"]
    ).round(2)
    stores = stores.reindex(
        stores["downtime_difference_h"].abs().sort_values(ascending=False, kind="stable").index
    ).reset_index(drop=True)
    return MethodComparison(fleet=fleet, stores=stores, now=str(reports["nearest"].attrs["now"]))
