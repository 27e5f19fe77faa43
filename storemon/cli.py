"""The ``storemon`` command line: generate, ingest, report, status, serve.

A path typed on the command line is relative to the working directory, as in every command-line
tool: :func:`user_path` makes it absolute while the arguments are parsed, before anything else
sees it (the library reads a relative path as relative to the storemon home, see
:mod:`storemon.config`).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from storemon.config import (
    DASHBOARD_KERNELS_VARIABLE,
    DEFAULT_DASHBOARD_KERNELS,
    DEFAULT_DB,
    DEFAULT_RETENTION_DAYS,
    METHODS,
    RAW_DATA_DIR,
    REPORTS_DIR,
    TOKEN_VARIABLE,
)
from storemon.errors import StoremonError


def user_path(text: str) -> Path:
    """The absolute path of a path typed by the user: relative to the working directory.

    Args:
        text: The path as typed (``~`` is expanded).

    Returns:
        The absolute path, symbolic links kept as typed.
    """
    return Path(text).expanduser().absolute()


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the ``storemon`` command."""
    parser = argparse.ArgumentParser(
        prog="storemon", description="Store uptime reports over business hours."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    _add_generate(commands)
    _add_ingest(commands)
    _add_report(commands)
    _add_status(commands)
    _add_serve(commands)
    _add_reports_commands(commands)
    return parser


def _add_generate(commands: argparse._SubParsersAction) -> None:
    """The ``generate`` command: a synthetic data set."""
    generate = commands.add_parser("generate", help="write a realistic synthetic data set")
    generate.add_argument("--out", type=user_path, default=RAW_DATA_DIR, help="folder to write")
    generate.add_argument("--stores", type=int, default=14092, help="number of stores")
    generate.add_argument("--days", type=float, default=8, help="days of polls")
    generate.add_argument("--start", default=None, help="first instant (ISO, UTC)")
    generate.add_argument("--seed", type=int, default=0, help="random seed")
    generate.add_argument(
        "--day-column",
        choices=("dayOfWeek", "day"),
        default="dayOfWeek",
        help="name of the weekday column (older exports say `day`)",
    )
    generate.set_defaults(run=run_generate)


def _add_ingest(commands: argparse._SubParsersAction) -> None:
    """The ``ingest`` command: load a folder of exports (once, or ``--watch``)."""
    ingest = commands.add_parser("ingest", help="load CSV exports into the database")
    ingest.add_argument(
        "--data", type=user_path, default=RAW_DATA_DIR, help="folder of CSV exports"
    )
    ingest.add_argument("--db", type=user_path, default=DEFAULT_DB, help="database file")
    # living data (issue 11): a folder receiving drops, the hot window
    ingest.add_argument(
        "--watch", type=user_path, metavar="DIR", help="keep loading DIR's new and grown files"
    )
    ingest.add_argument(
        "--every", type=float, default=60.0, help="seconds between --watch rounds (default 60)"
    )
    ingest.add_argument(
        "--retention",
        type=int,
        default=None,
        help="days of polls kept in the database; older go to its Parquet archive "
        f"(default STOREMON_RETENTION_DAYS, else {DEFAULT_RETENTION_DAYS})",
    )
    # issue 10 (ingestsafe): a partial hours or zone export must be asked for
    ingest.add_argument(
        "--replace-snapshot",
        action="store_true",
        help="accept hours or zone files that drop more than half of the stores' rows held "
        "(a smaller fleet); without it such a load is refused",
    )
    ingest.set_defaults(run=run_ingest)


def _add_report(commands: argparse._SubParsersAction) -> None:
    """The ``report`` command: one report job."""
    report = commands.add_parser(
        "report", help="compute the uptime report (a job kept under reports/<id>/)"
    )
    source = report.add_mutually_exclusive_group()
    source.add_argument("--data", type=user_path, help="folder of raw CSV exports")
    source.add_argument("--db", type=user_path, help=f"ingested database (default {DEFAULT_DB})")
    report.add_argument("--as-of", default=None, help="report as of this instant (ISO)")
    report.add_argument("--method", choices=METHODS, default="nearest", help="interpolation")
    report.add_argument("--out", type=user_path, default=None, help="CSV file to write")
    _add_partition_options(report)
    report.set_defaults(run=run_report)


def _add_serve(commands: argparse._SubParsersAction) -> None:
    """The ``serve`` command: the API and the dashboard."""
    serve = commands.add_parser("serve", help="start the dashboard and the HTTP API")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default loopback)")
    serve.add_argument("--port", type=int, default=8000, help="API port")
    serve.add_argument("--dashboard-port", type=int, default=8866, help="dashboard port")
    serve_source = serve.add_mutually_exclusive_group()
    serve_source.add_argument("--data", type=user_path, help="folder of raw CSV exports")
    serve_source.add_argument(
        "--db", type=user_path, help=f"ingested database (default {DEFAULT_DB})"
    )
    # Serving safely (issue 10): refuse an open non-loopback address; cap the dashboard kernels.
    serve.add_argument(
        "--insecure",
        action="store_true",
        help=f"serve a non-loopback --host without {TOKEN_VARIABLE}: anyone who reaches it can "
        "use it (prefer a token behind a TLS reverse proxy)",
    )
    serve.add_argument(
        "--dashboard-kernels",
        type=int,
        default=None,
        metavar="N",
        help="dashboard pages open at once, each with a kernel (default "
        f"{DASHBOARD_KERNELS_VARIABLE} or {DEFAULT_DASHBOARD_KERNELS}); the next visitor is asked "
        "to retry",
    )
    serve.add_argument(
        "--dashboard-hostname",
        action="append",
        default=[],
        metavar="NAME",
        help="a host name the dashboard answers to besides localhost (the name a reverse proxy "
        "forwards); repeatable",
    )
    serve.set_defaults(run=run_serve)


def _add_status(commands: argparse._SubParsersAction) -> None:
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


def run_generate(args: argparse.Namespace) -> None:
    """``storemon generate``: write a synthetic data set."""
    from storemon.synthetic.generate import generate

    print(f"generating {args.stores:,} stores over {args.days:g} days into {args.out} ...")
    started = time.perf_counter()
    try:
        paths = generate(
            args.out,
            stores=args.stores,
            days=args.days,
            start=args.start,
            seed=args.seed,
            day_column=args.day_column,
        )
    except ValueError as error:  # a bad --start, --stores or --days
        raise StoremonError(f"cannot generate: {error}") from None
    elapsed = time.perf_counter() - started
    print(f"wrote {', '.join(str(p) for p in paths.values())} in {elapsed:.1f} s")


def run_ingest(args: argparse.Namespace) -> None:
    """``storemon ingest``: load a folder of exports into the database."""
    from storemon.engine.incremental import LoadOptions
    from storemon.engine.ingest import ingest
    from storemon.freshness import retention_days

    if args.retention is None:
        args.retention = retention_days()
    if args.retention < 1:
        raise StoremonError(f"--retention {args.retention}: give at least 1 day")
    if args.watch is not None:
        run_watch(args)
        return
    started = time.perf_counter()
    options = LoadOptions(retention_days=args.retention, replace_snapshot=args.replace_snapshot)
    summary = ingest(
        args.data, args.db, progress=lambda line: print(line, flush=True), options=options
    )
    print(summary.render())
    print(f"database {args.db} updated in {time.perf_counter() - started:.1f} s")


def run_watch(args: argparse.Namespace) -> None:
    """``storemon ingest --watch DIR``: load new and grown files every ``--every`` seconds."""
    from storemon.engine.watch import Watcher

    if args.every <= 0:
        raise StoremonError(f"--every {args.every}: give a positive number of seconds")
    print(
        f"watching {args.watch} every {args.every:g} s into {args.db} (Ctrl-C stops)", flush=True
    )
    watcher = Watcher(args.watch, args.db, args.retention, lambda line: print(line, flush=True))
    watcher.run(args.every)


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


def run_data_status(db_path: Path) -> None:
    """``storemon status`` with no id: latest poll, last ingest and hot window of a database."""
    from storemon.engine.freshness import read_freshness

    lines = read_freshness(db_path).describe()
    print(f"data: {db_path}")
    for line in lines:
        print(f"  {line}")


def run_serve(args: argparse.Namespace) -> None:
    """``storemon serve``: start the dashboard and the API until Ctrl-C or SIGTERM."""
    from storemon.service.serve import serve_with_dashboard
    from storemon.synthetic.demo import require_source

    source = args.data if args.data is not None else (args.db or DEFAULT_DB)
    require_source(source)  # before anything starts
    serve_with_dashboard(
        host=args.host,
        port=args.port,
        dashboard_port=args.dashboard_port,
        source=source,
        insecure=args.insecure,
        dashboard_kernels=dashboard_kernels(args.dashboard_kernels),
        hostnames=tuple(args.dashboard_hostname),
    )


def dashboard_kernels(option: int | None) -> int:
    """The dashboard's kernel cap: ``--dashboard-kernels``, else its variable, else the default.

    Args:
        option: The option's value, None when not given.

    Returns:
        A positive number of kernels.

    Raises:
        StoremonError: Not a positive whole number.
    """
    text = str(option) if option is not None else os.environ.get(DASHBOARD_KERNELS_VARIABLE)
    if text is None or not text.strip():
        return DEFAULT_DASHBOARD_KERNELS
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise StoremonError(
            f"the dashboard's kernel cap must be a whole number of at least 1, not {text!r} "
            f"(--dashboard-kernels or {DASHBOARD_KERNELS_VARIABLE})"
        )
    return value


# --- storemon report --partitions N (issue 9) --------------------------------------------------


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


# --- end of storemon report --partitions ------------------------------------------------------


# --- storemon reports prune -------------------------------------------------------------------


def _add_reports_commands(commands: argparse._SubParsersAction) -> None:
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


# --- end of storemon reports prune ------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``storemon`` command; a user error is one line on stderr and exit code 1."""
    args = build_parser().parse_args(argv)
    try:
        args.run(args)
    except StoremonError as error:
        print(f"storemon: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("storemon: interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
