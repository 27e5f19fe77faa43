"""``storemon report``, ``storemon status`` and ``storemon reports prune``: report jobs."""

from __future__ import annotations

import argparse
from pathlib import Path

from storemon.cli.data import run_data_status
from storemon.cli.paths import data_folder, user_path
from storemon.config import (
    DEFAULT_DB,
    METHODS,
    REPORTS_DIR,
)
from storemon.errors import StoremonError


def add_report(commands: argparse._SubParsersAction) -> None:
    """The ``report`` command: one report job."""
    report = commands.add_parser(
        "report", help="compute the uptime report (a job kept under reports/<id>/)"
    )
    source = report.add_mutually_exclusive_group()
    source.add_argument("--data", type=data_folder, help="folder of raw CSV exports")
    source.add_argument("--db", type=user_path, help=f"ingested database (default {DEFAULT_DB})")
    report.add_argument("--as-of", default=None, help="report as of this instant (ISO)")
    report.add_argument("--method", choices=METHODS, default="nearest", help="interpolation")
    report.add_argument("--out", type=user_path, default=None, help="CSV file to write")
    _add_partition_options(report)
    report.set_defaults(run=run_report)


def add_status(commands: argparse._SubParsersAction) -> None:
    """The ``status`` command: a report's status, or without an id how fresh the data is."""
    status = commands.add_parser(
        "status", help="print the status of a report, or without an id how fresh the data is"
    )
    status.add_argument(
        "report_id", nargs="?", help="the id printed by `storemon report` or the API"
    )
    status.add_argument(
        "--db", type=user_path, default=DEFAULT_DB, help="without an id: the database to describe"
    )
    status.set_defaults(run=run_status)


def run_report(args: argparse.Namespace) -> None:
    """``storemon report``: run the report notebook as a job; print its id and CSV path."""
    from storemon.jobs import describe_status, run_report_job

    source = args.data if args.data is not None else (args.db or DEFAULT_DB)
    if args.partitions is not None:
        run_partitioned_report(args, source)
        return
    # Printed once the CSV is written, while the notebook's last cells and the HTML follow.
    run_report_job(
        source,
        as_of=args.as_of,
        method=args.method,
        out=args.out,
        on_complete=lambda record: print(describe_status(record), flush=True),
    )


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
    reports = commands.add_parser("reports", help="manage the report folders")
    actions = reports.add_subparsers(dest="reports_command", required=True, metavar="ACTION")
    prune = actions.add_parser("prune", help="remove reports that ended long ago")
    prune.add_argument(
        "--older-than", required=True, help="age of the reports to remove: e.g. 12h, 30d, 2w"
    )
    prune.add_argument("--dry-run", action="store_true", help="only list what would go")
    prune.add_argument(
        "--reports-dir", type=user_path, default=REPORTS_DIR, help="the folder of reports"
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
