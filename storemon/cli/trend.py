"""``storemon trend``: every store's uptime and downtime over the last N weeks or days, as CSV."""

from __future__ import annotations

import argparse

from storemon.cli.paths import user_path
from storemon.config import DEFAULT_DB, METHODS, TREND_WINDOWS
from storemon.errors import StoremonError


def add_trend(commands: argparse._SubParsersAction) -> None:
    """The ``trend`` command: a trend written to a CSV file."""
    trend = commands.add_parser(
        "trend",
        help="write each store's uptime and downtime in each of the last N weeks or days",
        description="Write each store's uptime and downtime (hours) in each of the last N weeks "
        "or days: each row is what the report as of that period's end gives the store for its "
        "last week or day (docs/report.md, Trends).",
    )
    source = trend.add_mutually_exclusive_group()
    source.add_argument("--data", type=user_path, help="folder of raw CSV exports")
    source.add_argument("--db", type=user_path, help=f"ingested database (default {DEFAULT_DB})")
    trend.add_argument(
        "--as-of", default=None, help="end of the newest period (ISO); default the latest poll"
    )
    trend.add_argument(
        "--window", choices=TREND_WINDOWS, default="week", help="period length (default week)"
    )
    trend.add_argument(
        "--periods", type=int, default=12, metavar="N", help="how many periods (default 12)"
    )
    trend.add_argument(
        "--method", choices=METHODS, default="nearest", help="interpolation (default nearest)"
    )
    trend.add_argument("--store", default=None, metavar="ID", help="only this store's rows")
    trend.add_argument("--out", type=user_path, required=True, help="CSV file to write")
    trend.set_defaults(run=run_trend)


def run_trend(args: argparse.Namespace) -> None:
    """``storemon trend``: compute the trend, write its CSV, print what it holds."""
    from storemon.engine.trend import compute_trend, write_trend_csv

    source = args.data if args.data is not None else (args.db or DEFAULT_DB)
    trend = compute_trend(
        source, as_of=args.as_of, window=args.window, periods=args.periods, method=args.method
    )
    if args.store is not None:
        trend = trend[trend["store_id"] == args.store.strip()]
        if trend.empty:
            raise StoremonError(
                f"store {args.store!r} is not in this trend (no poll of it at or before "
                f"{trend.attrs['now']}Z)"
            )
    write_trend_csv(trend, args.out)
    periods = trend["period_end"].nunique()
    print(
        f"{trend['store_id'].nunique():,} store(s) x {periods} {args.window}(s) ending "
        f"{trend.attrs['now']}Z: {args.out}"
    )
