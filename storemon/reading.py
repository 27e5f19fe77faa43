"""The whole reading of one report, as the report notebook shows it: one call per notebook cell.

:func:`build_reading` computes the report and everything a person reads next to it (fleet
uptime, worst stores, data quality) on one connection, hence from one consistent snapshot of the
data; :func:`write_outputs` writes the report's CSV and a small JSON summary for the job record.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from storemon import db, metrics
from storemon.config import DATA_DIR, DEFAULT_DB, DEFAULT_TIMEZONE, PROJ_ROOT
from storemon.errors import StoremonError
from storemon.files import write_json_atomic
from storemon.load import store_coverage
from storemon.report import (
    check_method,
    check_source,
    open_source,
    parse_as_of,
    report_from_connection,
    write_report_csv,
)

DEMO_DIR = DATA_DIR / "demo"
# Small enough to generate and report in about a second on a fresh clone.
DEMO_STORES = 200
DEMO_DAYS = 8
# An observation vouches for the status this long before and after it; business time farther
# from every observation is extrapolated (issue 3 asks for 2 h).
VOUCHED_US = 2 * 3_600_000_000


@dataclass(frozen=True)
class Reading:
    """A report and its reading for people.

    Attributes:
        report: One row per store, the report CSV's columns.
        overview: The report's facts (instant, week window, stores, method, data).
        fleet: Fleet uptime share per window (see :func:`storemon.metrics.fleet_uptime`).
        top_downtime: The 20 stores with most downtime last week.
        rejects: Rejected input rows by file and reason.
        coverage: Stores without hours, without a zone, never polled.
        extrapolated: Business time more than 2 h from any observation, per window.
        now: The report's instant (ISO, UTC).
        week_start: Start of the week window (ISO, UTC).
        method: ``nearest`` or ``carry_forward``.
        as_of: The requested instant (ISO, UTC) or None for the latest poll.
        source: The data read.
        demo_data: True when the default database was missing and the demo data set was read.
    """

    report: pd.DataFrame
    overview: pd.DataFrame
    fleet: pd.DataFrame
    top_downtime: pd.DataFrame
    rejects: pd.DataFrame
    coverage: pd.DataFrame
    extrapolated: pd.DataFrame
    now: str
    week_start: str
    method: str
    as_of: str | None
    source: Path
    demo_data: bool


def resolve_source(
    source: str | Path, default: Path = DEFAULT_DB, demo_dir: Path = DEMO_DIR
) -> tuple[Path, bool]:
    """Return the data to read, falling back to the demo data set on a fresh clone.

    When ``source`` is the default database and it does not exist yet (nothing was ingested),
    the demo data set ``demo_dir`` is read instead, generated there on first use, so that the
    report notebook runs with its defaults anywhere (nbval, CI, a new machine). Any other
    missing source stays an error.

    Args:
        source: A database or CSV folder; a relative path is relative to the project.
        default: The default database.
        demo_dir: Folder of the demo CSV exports.

    Returns:
        The path to read and whether it is the demo data set.
    """
    path = Path(source)
    if not path.is_absolute():
        path = PROJ_ROOT / path
    if path.exists() or path.resolve() != Path(default).resolve():
        return path, False
    if not demo_dir.is_dir():
        _generate_demo(demo_dir)
    return demo_dir, True


def require_source(source: str | Path, default: Path = DEFAULT_DB) -> None:
    """Refuse a source that does not exist, except the default (it falls back to the demo data).

    Args:
        source: A database or CSV folder; a relative path is relative to the project.
        default: The default database.

    Raises:
        StoremonError: ``source`` is not the default and does not exist.
    """
    path = Path(source) if Path(source).is_absolute() else PROJ_ROOT / source
    if path.resolve() != Path(default).resolve():
        check_source(path)


def _generate_demo(demo_dir: Path) -> None:
    """Generate the demo exports into ``demo_dir`` all at once (concurrent runs may race)."""
    from storemon.generate import generate

    work_dir = demo_dir.with_name(f".{demo_dir.name}-{os.getpid()}")
    shutil.rmtree(work_dir, ignore_errors=True)
    generate(work_dir, stores=DEMO_STORES, days=DEMO_DAYS, seed=0)
    try:
        work_dir.rename(demo_dir)
    except OSError:
        # Another run made it first; the generator is deterministic, so theirs equals ours.
        shutil.rmtree(work_dir, ignore_errors=True)


def _iso_utc(stamp: object) -> str:
    """An instant from DuckDB (naive UTC) as ISO 8601 with a ``Z``."""
    return pd.Timestamp(stamp).isoformat() + "Z"


def build_reading(
    source: str | Path, as_of: str | None = None, method: str = "nearest"
) -> Reading:
    """Compute a report and its reading from one consistent snapshot of the data.

    Args:
        source: An ingested database or a folder of CSV exports (see :func:`resolve_source`).
        as_of: Report as of this ISO instant; None or empty for the latest poll.
        method: ``nearest`` or ``carry_forward``.

    Returns:
        The reading.

    Raises:
        StoremonError: The data cannot be read, a parameter is bad, or no store has a poll at or
            before the report's instant.
    """
    method = check_method(method)
    instant = parse_as_of(as_of)
    path, demo_data = resolve_source(source)
    # One connection for everything: a database file replaced by an ingest meanwhile is not
    # seen, so the report and its data-quality numbers describe the same data.
    with open_source(path) as con:
        report = report_from_connection(con, instant, method)
        if report.empty:
            if instant is None:
                raise StoremonError(f"{path} holds no store status polls")
            raise StoremonError(
                f"no store has a poll at or before {instant.isoformat()}Z (as_of is before the "
                "data starts)"
            )
        rejects = db.run_query(con, "rejects_by_reason")
        coverage = store_coverage(con)
        extrapolated = db.run_query(con, "extrapolated_time", reach_us=VOUCHED_US)
    now_stamp = pd.Timestamp(report.attrs["now"])
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
        rejects=metrics.rejects_table(rejects),
        coverage=metrics.coverage_table(coverage, DEFAULT_TIMEZONE),
        extrapolated=metrics.extrapolated_summary(extrapolated),
        now=now,
        week_start=week_start,
        method=method,
        as_of=as_of_text,
        source=path,
        demo_data=demo_data,
    )


def _shown_path(path: Path) -> str:
    """A path as people read it: relative to the project when inside it."""
    try:
        return str(Path(path).resolve().relative_to(PROJ_ROOT))
    except ValueError:
        return str(path)


def write_outputs(reading: Reading, out_dir: str | Path) -> Path:
    """Write ``report.csv`` and ``summary.json`` (instant, stores, parameters) atomically.

    Args:
        reading: A reading from :func:`build_reading`.
        out_dir: The report's folder (created when missing).

    Returns:
        The path of the CSV.
    """
    out_dir = Path(out_dir)
    csv_path = write_report_csv(reading.report, out_dir / "report.csv")
    write_json_atomic(
        out_dir / "summary.json",
        {
            "now": reading.now,
            "week_start": reading.week_start,
            "stores": len(reading.report),
            "method": reading.method,
            "as_of": reading.as_of,
            "source": str(reading.source),
            "demo_data": reading.demo_data,
        },
    )
    return csv_path
