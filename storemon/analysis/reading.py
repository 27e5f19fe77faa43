"""The whole reading of one report, as the report notebook shows it: one call per notebook cell.

:func:`build_reading` computes the report and everything a person reads next to it (fleet
uptime, worst stores, data quality) on one connection, hence from one consistent snapshot of the
data; :func:`write_outputs` writes the report's CSV and a small JSON summary for the job record.
Given a folder, :func:`build_reading` also keeps every store's week there (``store_weeks/``, from
the same snapshot), which the store endpoint reads back without the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from storemon.analysis import metrics
from storemon.config import DEFAULT_DB, DEFAULT_TIMEZONE, PROJ_ROOT
from storemon.engine import db
from storemon.engine.load import store_coverage
from storemon.engine.report import (
    check_method,
    open_source,
    parse_as_of,
    report_from_connection,
    write_report_csv,
)
from storemon.engine.timeline import STORE_WEEKS_DIR, write_store_weeks
from storemon.errors import StoremonError
from storemon.files import write_json_atomic
from storemon.synthetic.demo import resolve_source

# An observation vouches for the status this long before and after it; business time farther
# from every observation is extrapolated (issue 3 asks for 2 h).
VOUCHED_US = 2 * 3_600_000_000


@dataclass(frozen=True)
class Reading:
    """A report and its reading for people.

    Attributes:
        report: One row per store, the report CSV's columns.
        overview: The report's facts (instant, week window, stores, method, data).
        fleet: Fleet uptime share per window (see :func:`storemon.analysis.metrics.fleet_uptime`).
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


def _iso_utc(stamp: object) -> str:
    """An instant from DuckDB (naive UTC) as ISO 8601 with a ``Z``."""
    return pd.Timestamp(stamp).isoformat() + "Z"


def build_reading(
    source: str | Path,
    as_of: str | None = None,
    method: str = "nearest",
    out_dir: str | Path | None = None,
) -> Reading:
    """Compute a report and its reading from one consistent snapshot of the data.

    Args:
        source: An ingested database or a folder of CSV exports (see :func:`resolve_source`).
        as_of: Report as of this ISO instant; None or empty for the latest poll.
        method: ``nearest`` or ``carry_forward``.
        out_dir: When given, the report's folder (:func:`report_folder`): every store's week is
            written to its ``store_weeks/`` from the same snapshot (for the store endpoint).

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
        if out_dir is not None:
            write_store_weeks(con, report, Path(out_dir) / STORE_WEEKS_DIR)
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


def write_outputs(reading: Reading, reports_dir: str | Path, report_id: str = "") -> Path:
    """Write ``report.csv`` and ``summary.json`` (instant, stores, parameters) atomically.

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


def report_folder(reports_dir: str | Path, report_id: str = "") -> Path:
    """The folder of a report's outputs (relative ``reports_dir``: to the storemon home).

    Args:
        reports_dir: The folder of report folders.
        report_id: The report's folder under it (empty: ``adhoc``).

    Returns:
        The folder's path.
    """
    return PROJ_ROOT / reports_dir / (report_id or "adhoc")
