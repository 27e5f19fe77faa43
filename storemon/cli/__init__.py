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

from storemon.cli import data, reports, serve, trend
from storemon.errors import StoremonError


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the ``storemon`` command."""
    parser = argparse.ArgumentParser(
        prog="storemon", description="Store uptime reports over business hours."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    data.add_generate(commands)
    data.add_ingest(commands)
    reports.add_report(commands)
    trend.add_trend(commands)
    reports.add_status(commands)
    serve.add_serve(commands)
    reports.add_reports_commands(commands)
    return parser


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
