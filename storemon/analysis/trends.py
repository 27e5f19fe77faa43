"""A report's trends, kept with it: the last 12 weeks and 28 days, read for people.

A report job writes both trends from the snapshot its CSV was computed on
(:func:`storemon.engine.trend.write_trends`, on a duplicate of the snapshot's connection, so
the report's own tables stay for its data quality), into ``trend/`` beside ``report.csv``; the
API serves them (``GET /reports/{id}/trend``) and the report notebook shows the fleet's weekly
uptime share and the stores that moved most week over week, read back from the same files.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd

from storemon.analysis import metrics
from storemon.engine import db
from storemon.engine.trend import (
    JOB_PERIODS,
    TREND_DIR,
    read_trend_points,
    read_trend_rows,
    write_trends,
)
from storemon.errors import StoremonError

MOVERS = 10  # stores listed as having moved most week over week


@dataclass(frozen=True)
class TrendReading:
    """A report's kept trends, read for people.

    Attributes:
        fleet_week: The fleet's weekly points, oldest first
            (:func:`storemon.analysis.metrics.fleet_trend_table`).
        movers: The stores whose uptime share moved most from the week before to the last.
        note: Why the report keeps no trend (None when it does).
    """

    fleet_week: pd.DataFrame
    movers: pd.DataFrame
    note: str | None = None


def keep_trends(
    con: duckdb.DuckDBPyConnection, out_dir: Path, as_of: datetime | None, method: str
) -> TrendReading:
    """Write a report's trends into ``out_dir/trend/`` and read them for people.

    Args:
        con: The report's snapshot (its temp tables are left as they are).
        out_dir: The report's folder.
        as_of: The report's ``as_of`` (naive UTC) or None: the trends end at its ``now``.
        method: The report's method.

    Returns:
        The reading; without trends (and a note why) when they cannot be computed, e.g. an
        archive file this snapshot lists was replaced by a load meanwhile.
    """
    folder = out_dir / TREND_DIR
    trend_con = db.duplicate(con)
    try:
        write_trends(trend_con, folder, as_of, method, JOB_PERIODS)
    except StoremonError as error:
        return TrendReading(pd.DataFrame(), pd.DataFrame(), note=f"no trend kept: {error}")
    finally:
        trend_con.close()
    points = read_trend_points(folder, "week")
    rows = read_trend_rows(folder, "week")
    if points is None or rows is None:
        return TrendReading(pd.DataFrame(), pd.DataFrame(), note="no period holds a poll")
    return TrendReading(metrics.fleet_trend_table(points), metrics.trend_movers(rows, MOVERS))
