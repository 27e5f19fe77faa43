"""``storemon generate`` and ``storemon ingest``: make a data set and load it (or ``--watch``)."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from storemon.cli.help import HelpFormatter, examples, require_data, require_exports
from storemon.cli.paths import data_folder, user_path
from storemon.config import (
    DEFAULT_DB,
    DEFAULT_RETENTION_DAYS,
    RAW_DATA_DIR,
)
from storemon.errors import StoremonError
from storemon.synthetic.generate import DEFAULT_DAYS, DEFAULT_STORES


def add_generate(commands: argparse._SubParsersAction) -> None:
    """The ``generate`` command: a synthetic data set."""
    generate = commands.add_parser(
        "generate",
        help="write a realistic synthetic fleet as CSV exports",
        description="Write a realistic synthetic fleet as the three CSV exports (polls, "
        "business hours, time zones), with the quirks of real ones. The polls end at the "
        "start of the current UTC hour, unless --end or --start pins them.",
        epilog=examples(
            "storemon generate                          # 14,092 stores, 8 days, into data/raw",
            "storemon generate --out exports --stores 200 --end 2024-11-06T00:00:00Z",
        ),
        formatter_class=HelpFormatter,
    )
    generate.add_argument(
        "--out", type=user_path, default=RAW_DATA_DIR, metavar="DIR", help="folder to write"
    )
    generate.add_argument(
        "--stores", type=int, default=DEFAULT_STORES, metavar="N", help="polled stores"
    )
    generate.add_argument(
        "--days", type=float, default=DEFAULT_DAYS, metavar="N", help="days of polls"
    )
    window = generate.add_mutually_exclusive_group()
    window.add_argument(
        "--end",
        default=None,
        metavar="INSTANT",
        help="end of the polls, ISO 8601, UTC when it has no offset (e.g. "
        "2024-11-06T00:00:00Z); default: the start of the current hour",
    )
    window.add_argument(
        "--start",
        default=None,
        metavar="INSTANT",
        help="first instant of the polls instead (ISO 8601)",
    )
    generate.add_argument(
        "--seed",
        type=int,
        default=0,
        metavar="N",
        help="random seed: the same options give the same bytes",
    )
    generate.add_argument(
        "--day-column",
        choices=("dayOfWeek", "day"),
        default="dayOfWeek",
        help="name of the weekday column (older exports say `day`)",
    )
    generate.set_defaults(run=run_generate)


def add_ingest(commands: argparse._SubParsersAction) -> None:
    """The ``ingest`` command: load a folder of exports (once, or ``--watch``)."""
    ingest = commands.add_parser(
        "ingest",
        help="load CSV exports into the database",
        description="Load a folder of CSV exports into the database: new polls are added, "
        "files already loaded are skipped, and every rejected row is kept with its reason.",
        epilog=examples(
            "storemon ingest                            # data/raw -> data/storemon.duckdb",
            "storemon ingest --data exports --db fleet.duckdb",
            "storemon ingest --watch data/drops --every 60   # hourly drops, until Ctrl-C",
        ),
        formatter_class=HelpFormatter,
    )
    ingest.add_argument(
        "--data",
        type=data_folder,
        default=RAW_DATA_DIR,
        metavar="DIR",
        help="folder of CSV exports",
    )
    ingest.add_argument(
        "--db", type=user_path, default=DEFAULT_DB, metavar="FILE", help="database file"
    )
    # living data: a folder receiving drops, the hot window
    ingest.add_argument(
        "--watch", type=data_folder, metavar="DIR", help="keep loading DIR's new and grown files"
    )
    ingest.add_argument(
        "--every",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="seconds between --watch rounds",
    )
    ingest.add_argument(
        "--settle",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="with --watch: a last line without a newline loads once its file has not changed "
        "for this long (an exporter that omits the final newline)",
    )
    ingest.add_argument(
        "--retention",
        type=int,
        default=None,
        metavar="DAYS",
        help="days of polls kept in the database; older go to its Parquet archive "
        f"(default STOREMON_RETENTION_DAYS, else {DEFAULT_RETENTION_DAYS})",
    )
    # a partial hours or zone export must be asked for
    ingest.add_argument(
        "--replace-snapshot",
        action="store_true",
        help="accept hours or zone files that drop more than half of the stores' rows held "
        "(a smaller fleet); without it such a load is refused",
    )
    ingest.set_defaults(run=run_ingest)


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
            end=args.end,
            seed=args.seed,
            day_column=args.day_column,
        )
    except ValueError as error:  # a bad --start, --end, --stores or --days
        raise StoremonError(f"cannot generate: {error}") from None
    elapsed = time.perf_counter() - started
    print(f"wrote {', '.join(str(p) for p in paths.values())} in {elapsed:.1f} s")


def run_ingest(args: argparse.Namespace) -> None:
    """``storemon ingest``: load a folder of exports into the database."""
    from storemon.engine.incremental import LoadOptions
    from storemon.engine.ingest import ingest, prepare_next_load
    from storemon.freshness import retention_days

    if args.retention is None:
        args.retention = retention_days()
    if args.retention < 1:
        raise StoremonError(f"--retention {args.retention}: give at least 1 day")
    if args.watch is not None:
        run_watch(args)
        return
    require_exports(args.data)
    started = time.perf_counter()
    options = LoadOptions(retention_days=args.retention, replace_snapshot=args.replace_snapshot)
    summary = ingest(
        args.data, args.db, progress=lambda line: print(line, flush=True), options=options
    )
    print(summary.render())
    print(f"database {args.db} updated in {time.perf_counter() - started:.1f} s")
    # As `--watch` does between rounds: the next run (from cron, say) then loads at once.
    started = time.perf_counter()
    if prepare_next_load(args.db):
        print(f"next load prepared in {time.perf_counter() - started:.1f} s (its spare file)")


def run_watch(args: argparse.Namespace) -> None:
    """``storemon ingest --watch DIR``: load new and grown files every ``--every`` seconds."""
    from storemon.engine.watch import Watcher

    if args.every <= 0:
        raise StoremonError(f"--every {args.every}: give a positive number of seconds")
    print(
        f"watching {args.watch} every {args.every:g} s into {args.db} (Ctrl-C stops)", flush=True
    )
    if args.settle < 0:
        raise StoremonError(f"--settle {args.settle}: give a number of seconds, 0 or more")
    watcher = Watcher(
        args.watch,
        args.db,
        args.retention,
        lambda line: print(line, flush=True),
        settle=args.settle,
    )
    watcher.run(args.every)


def run_data_status(db_path: Path) -> None:
    """``storemon status`` with no id: latest poll, last ingest and hot window of a database."""
    from storemon.config import RETENTION_VARIABLE
    from storemon.engine.freshness import read_freshness
    from storemon.freshness import retention_days

    setting = retention_days()  # a bad setting is an error here too, before anything is read
    require_data(db_path)
    freshness = read_freshness(db_path)
    print(f"data: {db_path}")
    for line in freshness.describe():
        print(f"  {line}")
    if setting != freshness.retention_days:
        print(f"  next ingest:  keeps {setting} days hot ({RETENTION_VARIABLE}={setting})")
