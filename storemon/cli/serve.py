"""``storemon serve``: the dashboard and the HTTP API."""

from __future__ import annotations

import argparse
import os

from storemon.cli.help import HelpFormatter, examples, require_data
from storemon.cli.paths import data_folder, user_path
from storemon.config import (
    DASHBOARD_KERNELS_VARIABLE,
    DEFAULT_DASHBOARD_KERNELS,
    DEFAULT_DB,
    TOKEN_VARIABLE,
    kernel_pool_setting,
)
from storemon.errors import StoremonError


def add_serve(commands: argparse._SubParsersAction) -> None:
    """The ``serve`` command: the API and the dashboard."""
    serve = commands.add_parser(
        "serve",
        help="start the dashboard and the HTTP API",
        description="Start the dashboard (Voilà) and the HTTP API on this machine, until Ctrl-C: "
        "trigger reports, follow them and read them in a browser or over HTTP.",
        epilog=examples(
            "storemon serve           # dashboard on :8866, API on :8000 (docs at /docs)",
            "STOREMON_API_TOKEN=... storemon serve --host 0.0.0.0    # other machines: a token",
        ),
        formatter_class=HelpFormatter,
    )
    serve.add_argument("--host", default="127.0.0.1", metavar="ADDRESS", help="address to bind")
    serve.add_argument("--port", type=int, default=8000, help="API port")
    serve.add_argument(
        "--dashboard-port", type=int, default=8866, metavar="PORT", help="dashboard port"
    )
    serve_source = serve.add_mutually_exclusive_group()
    serve_source.add_argument(
        "--data", type=data_folder, metavar="DIR", help="serve this folder of CSV exports"
    )
    serve_source.add_argument(
        "--db", type=user_path, default=DEFAULT_DB, metavar="FILE", help="ingested database"
    )
    # Serving safely: refuse an open non-loopback address; cap the dashboard kernels.
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
        "--hostname",
        "--dashboard-hostname",
        dest="hostname",
        action="append",
        default=[],
        metavar="NAME",
        help="a host name the API and the dashboard answer to besides localhost and IP "
        "addresses: the name a reverse proxy forwards, or this machine's name with --host "
        "0.0.0.0; repeatable (--dashboard-hostname is the older spelling)",
    )
    serve.set_defaults(run=run_serve)


def run_serve(args: argparse.Namespace) -> None:
    """``storemon serve``: start the dashboard and the API until Ctrl-C (exit 0) or SIGTERM."""
    from storemon.service.serve import serve_with_dashboard

    source = require_data(args.data if args.data is not None else args.db)  # before any start
    kernel_pool_setting()  # a bad STOREMON_KERNEL_POOL is refused before any start, too
    try:
        serve_with_dashboard(
            host=args.host,
            port=args.port,
            dashboard_port=args.dashboard_port,
            source=source,
            insecure=args.insecure,
            dashboard_kernels=dashboard_kernels(args.dashboard_kernels),
            hostnames=tuple(args.hostname),
        )
    except KeyboardInterrupt:  # Ctrl-C is how a server is stopped: a normal end (exit 0)
        print("storemon stopped", flush=True)


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
