"""The ``storemon`` command line: generate, ingest, report, trend, status, serve, reports prune.

One module per group of commands (:mod:`storemon.cli.data`, :mod:`storemon.cli.reports`,
:mod:`storemon.cli.trend`, :mod:`storemon.cli.serve`); each adds its parsers and the functions
they run. A path typed on the command line is relative to the working directory, as in every
command-line tool: :func:`storemon.cli.paths.user_path` makes it absolute while the arguments are
parsed, before anything else sees it (the library reads a relative path as relative to the
storemon home, see :mod:`storemon.config`).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from storemon import __version__
from storemon.cli import data, reports, serve, trend
from storemon.cli.help import HelpFormatter
from storemon.errors import StoremonError


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the ``storemon`` command."""
    parser = argparse.ArgumentParser(
        prog="storemon",
        description="Store uptime reports over business hours: how long each store was up and "
        "down while open, in the last hour, day and week.",
        epilog="Start with `make demo` in a checkout, or: storemon generate, storemon ingest, "
        "storemon report, storemon serve.\nEach command explains itself: storemon COMMAND --help",
        formatter_class=HelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"storemon {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")

    data.add_generate(commands)
    data.add_ingest(commands)
    reports.add_report(commands)
    trend.add_trend(commands)
    reports.add_status(commands)
    serve.add_serve(commands)
    reports.add_reports_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``storemon`` command; a user error is one line on stderr and exit code 1.

    A bare ``storemon`` prints the help (the commands) and exits with code 2.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:  # a bare `storemon`: what it can do
        parser.print_help()
        return 2
    try:
        args.run(args)
    except StoremonError as error:
        print(f"storemon: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("storemon: interrupted", file=sys.stderr)
        return 130
    return 0
