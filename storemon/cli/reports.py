"""``storemon report``, ``storemon status`` and ``storemon reports prune``: report jobs."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from storemon.cli.data import run_data_status
from storemon.cli.help import (
    AS_OF_HELP,
    METHOD_HELP,
    METHODS_EPILOG,
    HelpFormatter,
    examples,
    require_data,
)
from storemon.cli.paths import data_folder, user_path
from storemon.config import (
    DEFAULT_DB,
    METHODS,
    REPORTS_DIR,
)
from storemon.errors import StoremonError

if TYPE_CHECKING:
    from storemon.jobs import JobRecord


def add_report(commands: argparse._SubParsersAction) -> None:
    """The ``report`` command: one report job."""
    report = commands.add_parser(
        "report",
        help="compute the uptime report (a job kept under reports/<id>/)",
        description="Compute every store's uptime and downtime in business hours over the last "
        "hour, day and week, as a report job kept under reports/<id>/ (CSV, notebook, HTML); "
        "print where it is and what it says.",
        epilog=METHODS_EPILOG
        + "\n"
        + examples(
            "storemon report --out report.csv",
            "storemon report --as-of 2024-11-05T12:00:00Z --method carry_forward",
            "storemon report --data exports             # a folder of CSV exports, not ingested",
        ),
        formatter_class=HelpFormatter,
    )
    source = report.add_mutually_exclusive_group()
    source.add_argument(
        "--data", type=data_folder, metavar="DIR", help="read this folder of CSV exports instead"
    )
    source.add_argument(
        "--db", type=user_path, default=DEFAULT_DB, metavar="FILE", help="ingested database"
    )
    report.add_argument("--as-of", default=None, metavar="INSTANT", help=AS_OF_HELP)
    report.add_argument("--method", choices=METHODS, default="nearest", help=METHOD_HELP)
    report.add_argument(
        "--out",
        type=user_path,
        default=None,
        metavar="FILE",
        help="also copy the report's CSV to this file",
    )
    _add_partition_options(report)
    report.set_defaults(run=run_report)


def add_status(commands: argparse._SubParsersAction) -> None:
    """The ``status`` command: a report's status, or without an id how fresh the data is."""
    status = commands.add_parser(
        "status",
        help="a report's status, or without an id how fresh the data is",
        description="Print a report's status (Running, Complete with its CSV, or Failed with "
        "the reason); without a report id, how fresh the data is: latest poll, last ingest, "
        "hot window.",
        epilog=examples("storemon status", "storemon status 0b7c5f0e-2f4e-4c4a-9d1e-6a1f0c2b3d4e"),
        formatter_class=HelpFormatter,
    )
    status.add_argument(
        "report_id", nargs="?", help="the id printed by `storemon report` or the API"
    )
    status.add_argument(
        "--db",
        type=user_path,
        default=DEFAULT_DB,
        metavar="FILE",
        help="without an id: the database to describe",
    )
    status.set_defaults(run=run_status)


def run_report(args: argparse.Namespace) -> None:
    """``storemon report``: run the report notebook as a job; print where it is, what it says."""
    from storemon.jobs import describe_status, run_report_job
    from storemon.jobs.params import check_as_of

    check_as_of(args.as_of)  # a mistyped option is said before a missing source
    source = require_data(args.data if args.data is not None else args.db)
    if args.partitions is not None:
        run_partitioned_report(args, source)
        return
    # Printed once the CSV is written, while the notebook's last cells and the HTML follow.
    record = run_report_job(
        source,
        as_of=args.as_of,
        method=args.method,
        out=args.out,
        on_complete=lambda record: print(describe_status(record), flush=True),
    )
    for line in describe_outputs(record, args.out):
        print(line)


def describe_outputs(record: JobRecord, out: Path | None) -> list[str]:
    """What a complete report says and where its files are, once its HTML copy is kept.

    Args:
        record: The Complete record, as the job ended.
        out: Where ``--out`` copied the CSV, or None.

    Returns:
        Lines for the terminal: the HTML copy, the ``--out`` copy, the fleet's summary.
    """
    import pandas as pd

    from storemon.analysis.metrics import fleet_summary
    from storemon.jobs import CSV_FILE, HTML_FILE

    folder = REPORTS_DIR / record.report_id
    lines = [
        f"  html: {folder / HTML_FILE}"
        if record.html_ready
        else f"  html: not written (see {folder / 'runner.log'})"
    ]
    if out is not None:
        lines.append(f"  copied to: {out}")
    summary = fleet_summary(pd.read_csv(folder / CSV_FILE, dtype={"store_id": str}))
    lines.append(
        f"  fleet: {summary.stores:,} stores, uptime {summary.uptime_share_last_week:.1f} % "
        f"of business hours last week, {summary.down_all_week:,} down all week"
    )
    return lines


def run_status(args: argparse.Namespace) -> None:
    """``storemon status``: print a report's status (with no id: the data's freshness)."""
    if args.report_id is None:
        run_data_status(args.db)
        return
    from storemon.jobs import describe_status, report_status

    print(describe_status(report_status(args.report_id)))


def _add_partition_options(report: argparse.ArgumentParser) -> None:
    """``--partitions N [--scheduler ADDRESS]``: the report on Dask, by store (docs/scaling.md)."""
    report.add_argument(
        "--partitions",
        type=int,
        default=None,
        metavar="N",
        help="run the report in N partitions of the stores on Dask (writes --out, default "
        "report.csv; no job folder)",
    )
    report.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="Dask scheduler address (tcp://host:8786); default a local cluster of 2 workers",
    )


def run_partitioned_report(args: argparse.Namespace, source: Path) -> None:
    """``storemon report --partitions N``: the report computed on Dask, written atomically."""
    from storemon.engine.partition import partitioned_report
    from storemon.engine.report import write_report_csv

    if args.data is not None:
        raise StoremonError("--partitions reads an ingested database: give --db (or ingest first)")
    out = args.out or Path("report.csv")
    report = partitioned_report(
        source, args.partitions, scheduler=args.scheduler, as_of=args.as_of, method=args.method
    )
    write_report_csv(report, out)
    where = args.scheduler or "a local cluster"
    print(f"{len(report):,} stores, {args.partitions} partition(s) on {where}: {out}")


def add_reports_commands(commands: argparse._SubParsersAction) -> None:
    """Add ``storemon reports prune`` (report retention)."""
    reports = commands.add_parser(
        "reports",
        help="manage the report folders",
        description="Manage the report folders under reports/.",
        formatter_class=HelpFormatter,
    )
    actions = reports.add_subparsers(dest="reports_command", required=True, metavar="ACTION")
    prune = actions.add_parser(
        "prune",
        help="remove reports that ended long ago",
        description="Remove the folders of reports that ended (Complete or Failed) longer ago "
        "than --older-than; a Running report is never removed.",
        epilog=examples("storemon reports prune --older-than 30d --dry-run"),
        formatter_class=HelpFormatter,
    )
    prune.add_argument(
        "--older-than",
        required=True,
        metavar="AGE",
        help="age of the reports to remove: e.g. 12h, 30d, 2w",
    )
    prune.add_argument("--dry-run", action="store_true", help="only list what would go")
    prune.add_argument(
        "--reports-dir",
        type=user_path,
        default=REPORTS_DIR,
        metavar="DIR",
        help="the folder of reports",
    )
    prune.set_defaults(run=run_reports_prune)


def run_reports_prune(args: argparse.Namespace) -> None:
    """``storemon reports prune``: remove reports that ended longer ago than ``--older-than``."""
    from storemon.jobs.retention import parse_age, prune_reports

    records = prune_reports(args.reports_dir, parse_age(args.older_than), dry_run=args.dry_run)
    verb = "would remove" if args.dry_run else "removed"
    for record in records:
        print(f"{verb} {record.report_id} ({record.status.value}, ended {record.finished})")
    print(f"{verb} {len(records)} report(s) from {args.reports_dir}")
