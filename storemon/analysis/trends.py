"""A report's trends, kept with it: the last 12 weeks and 28 days, read for people.

A report job writes both trends from the snapshot its CSV was computed on
(:func:`storemon.engine.trend.write_trends`, on a duplicate of the snapshot's connection, so
the report's own tables stay for its data quality), into ``trend/`` beside ``report.csv``; the
API serves them (``GET /reports/{id}/trend``) and the report notebook shows the fleet's weekly
uptime share and the stores that moved most week over week, read back from the same files.

Reports of one database file (the same file, not one loaded since), instant and method have the
same trends, byte for byte: the first one computes them and leaves a copy in the reports
folder's ``.trend-cache/``; the next ones link it (the last :data:`CACHE_ENTRIES` are kept).
Reports triggered one after the other between two loads then cost one trend, not one each.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
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
    trend_code,
    write_trends,
)
from storemon.errors import StoremonError

MOVERS = 10  # stores listed as having moved most week over week
CACHE_DIR = ".trend-cache"  # in the reports folder
CACHE_ENTRIES = 16


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


def trend_key(identity: tuple | None, now: str, method: str) -> str | None:
    """The key of a report's trends: its database file, instant, method and the trend's code.

    Args:
        identity: The database file's identity (:attr:`storemon.analysis.reading.Snapshot.
            identity`); None for a folder of CSVs, whose files may change in place.
        now: The report's instant (ISO).
        method: The report's method.

    Returns:
        A hex digest, or None when the trends cannot be shared.
    """
    if identity is None:
        return None
    text = json.dumps([list(identity), now, method, JOB_PERIODS, trend_code()])
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def keep_trends(
    con: duckdb.DuckDBPyConnection,
    out_dir: Path,
    as_of: datetime | None,
    method: str,
    key: str | None = None,
) -> TrendReading:
    """Write a report's trends into ``out_dir/trend/`` and read them for people.

    Args:
        con: The report's snapshot (its temp tables are left as they are).
        out_dir: The report's folder (in the reports folder, which holds the shared copies).
        as_of: The report's ``as_of`` (naive UTC) or None: the trends end at its ``now``.
        method: The report's method.
        key: :func:`trend_key` of the report; with it, trends already computed for the same
            key are linked instead of computed, and new ones are shared.

    Returns:
        The reading; without trends (and a note why) when they cannot be computed, e.g. an
        archive file this snapshot lists was replaced by a load meanwhile.
    """
    folder = out_dir / TREND_DIR
    shared = None if key is None else out_dir.parent / CACHE_DIR / key
    if shared is None or not _link_all(shared, folder):
        trend_con = db.duplicate(con)
        try:
            write_trends(trend_con, folder, as_of, method, JOB_PERIODS)
        except StoremonError as error:
            return TrendReading(pd.DataFrame(), pd.DataFrame(), note=f"no trend kept: {error}")
        finally:
            trend_con.close()
        if shared is not None:
            _share(folder, shared)
    points = read_trend_points(folder, "week")
    rows = read_trend_rows(folder, "week")
    if points is None or rows is None:
        return TrendReading(pd.DataFrame(), pd.DataFrame(), note="no period holds a poll")
    return TrendReading(metrics.fleet_trend_table(points), metrics.trend_movers(rows, MOVERS))


def _link_all(source: Path, target: Path) -> bool:
    """Give ``target`` the files of a shared copy (hard links, else copies); False without one.

    A file appears whole (a link, or a copy renamed into place): the API never reads half.
    """
    if not source.is_dir():
        return False
    target.mkdir(parents=True, exist_ok=True)
    for path in sorted(source.iterdir()):
        _place(path, target / path.name)
    return True


def _place(path: Path, target: Path) -> None:
    """Hard-link ``path`` as ``target``, or copy it under a temporary name and rename it."""
    try:
        os.link(path, target)
    except OSError:
        partial = target.with_name(f".{target.name}.{uuid.uuid4().hex}")
        shutil.copyfile(path, partial)
        os.replace(partial, target)


def _share(folder: Path, shared: Path) -> None:
    """Leave a copy of a report's trend files under ``shared``; keep the latest copies only."""
    partial = shared.with_name(f".{shared.name}.{uuid.uuid4().hex}")
    try:
        partial.mkdir(parents=True)
        for path in sorted(folder.iterdir()):
            _place(path, partial / path.name)
        os.rename(partial, shared)  # whole or not at all; a concurrent report may have won
    except OSError:
        shutil.rmtree(partial, ignore_errors=True)
        return
    entries = [p for p in shared.parent.iterdir() if not p.name.startswith(".")]
    for old in sorted(entries, key=_modified, reverse=True)[CACHE_ENTRIES:]:
        shutil.rmtree(old, ignore_errors=True)


def _modified(path: Path) -> float:
    """When a path was last modified; 0 when it is gone (another report removed it)."""
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0
