"""``storemon generate`` and ``storemon ingest``: make a data set and load it (or ``--watch``)."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from storemon.cli.paths import data_folder, user_path
from storemon.config import (
    DEFAULT_DB,
    DEFAULT_RETENTION_DAYS,
    RAW_DATA_DIR,
)
from storemon.errors import StoremonError


def add_generate(commands: argparse._SubParsersAction) -> None:
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


def add_ingest(commands: argparse._SubParsersAction) -> None:
    """The ``ingest`` command: load a folder of exports (once, or ``--watch``)."""
    ingest = commands.add_parser("ingest", help="load CSV exports into the database")
    ingest.add_argument(
        "--data", type=data_folder, default=RAW_DATA_DIR, help="folder of CSV exports"
    )
    ingest.add_argument("--db", type=user_path, default=DEFAULT_DB, help="database file")
    # living data (issue 11): a folder receiving drops, the hot window
    ingest.add_argument(
        "--watch", type=data_folder, metavar="DIR", help="keep loading DIR's new and grown files"
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


def run_data_status(db_path: Path) -> None:
    """``storemon status`` with no id: latest poll, last ingest and hot window of a database."""
    from storemon.engine.freshness import read_freshness

    lines = read_freshness(db_path).describe()
    print(f"data: {db_path}")
    for line in lines:
        print(f"  {line}")
