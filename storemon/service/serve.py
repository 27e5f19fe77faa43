"""``storemon serve``: the HTTP API under uvicorn and, next to it, the dashboard's Voilà process.

:func:`serve_with_dashboard` is ``storemon serve``: Voilà in a child process, the API in this one;
Ctrl-C or SIGTERM stops the API (and its running reports), then Voilà (and its kernels). This
process never imports the dashboard (ipywidgets, matplotlib): Voilà's kernels do.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import signal
import sys
from pathlib import Path

import uvicorn

from storemon import jobs
from storemon.config import DEFAULT_DB, REPORTS_DIR, TOKEN_VARIABLE
from storemon.errors import StoremonError
from storemon.service.app import create_app
from storemon.service.voila import (
    DEFAULT_DASHBOARD_PORT,
    start_dashboard,
    stop_dashboard,
    url_host,
)
from storemon.synthetic.demo import require_source


def _is_loopback(host: str) -> bool:
    """Tell whether ``host`` only accepts connections from this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    source: str | Path = DEFAULT_DB,
    reports_dir: str | Path = REPORTS_DIR,
    workers: int = jobs.DEFAULT_WORKERS,
    max_queue: int = jobs.DEFAULT_MAX_QUEUE,
    log_level: str = "info",
) -> None:
    """Run the API until Ctrl-C or SIGTERM, then stop the running reports and their kernels.

    uvicorn turns either signal into a graceful shutdown: open requests finish, then the app's
    lifespan stops the job queue (running reports become Failed "stopped"; waiting ones too).

    Args:
        host: Address to bind; the default accepts local connections only.
        port: Port to bind.
        source: The data every report reads (ingested database or CSV folder).
        reports_dir: The folder of report folders.
        workers: Reports run at once.
        max_queue: Reports that may wait before a trigger is refused (429).
        log_level: uvicorn's log level.
    """
    if not _is_loopback(host) and not os.environ.get(TOKEN_VARIABLE):
        print(
            f"storemon: warning: serving on {host} without {TOKEN_VARIABLE}: anyone who can "
            "reach this address can trigger and read reports",
            file=sys.stderr,
        )
    app = create_app(source, reports_dir, workers=workers, max_queue=max_queue)
    data = f"data {source}"
    require_source(source)
    if not Path(source).exists():
        data += " (not ingested yet: reports read the generated demo data set)"
    print(f"storemon API on http://{url_host(host)}:{port}/ (OpenAPI docs at /docs), {data}")
    server = uvicorn.Server(
        uvicorn.Config(app, host=host, port=port, log_level=log_level, lifespan="on")
    )
    server.run()


def _raise_system_exit(signum: int, frame: object) -> None:
    """SIGTERM handler: leave through ``finally`` blocks (exit code 128 + 15)."""
    raise SystemExit(128 + signum)


def serve_with_dashboard(
    host: str = "127.0.0.1",
    port: int = 8000,
    dashboard_port: int = DEFAULT_DASHBOARD_PORT,
    source: str | Path = DEFAULT_DB,
    reports_dir: str | Path = REPORTS_DIR,
    workers: int = jobs.DEFAULT_WORKERS,
    max_queue: int = jobs.DEFAULT_MAX_QUEUE,
    log_level: str = "info",
) -> None:
    """``storemon serve``: the dashboard (Voilà) and the API, until Ctrl-C or SIGTERM.

    Args:
        host: Address both servers bind (the default accepts local connections only).
        port: The API's port.
        dashboard_port: The dashboard's port.
        source: The data every report reads (ingested database or CSV folder).
        reports_dir: The folder of report folders.
        workers: Reports run at once.
        max_queue: Reports that may wait before a trigger is refused.
        log_level: uvicorn's log level.

    Raises:
        StoremonError: The dashboard did not start.
    """
    # The kernel reaches the API over loopback when the API listens on every interface.
    api_host = "127.0.0.1" if host in ("0.0.0.0", "") else ("::1" if host == "::" else host)
    api_url = f"http://{url_host(api_host)}:{port}"
    # uvicorn handles SIGTERM itself while it runs, then raises it again once it has shut down;
    # with Python's default action the process would die there, before Voilà is stopped.
    previous = signal.signal(signal.SIGTERM, _raise_system_exit)
    dashboard = None
    try:
        dashboard = start_dashboard(
            api_url, source, host, dashboard_port, token=os.environ.get(TOKEN_VARIABLE)
        )
        print(f"storemon dashboard on http://{url_host(host)}:{dashboard_port}/", flush=True)
        serve(host, port, source, reports_dir, workers, max_queue, log_level)
    finally:
        if dashboard is not None:
            stop_dashboard(dashboard)
            print("storemon dashboard stopped", flush=True)
        signal.signal(signal.SIGTERM, previous)


def main(argv: list[str] | None = None) -> int:
    """Serve the dashboard alone, next to an API that already runs (``python -m ...``).

    Args:
        argv: The arguments (default ``sys.argv[1:]``).

    Returns:
        The exit code: 0 after Ctrl-C or SIGTERM.
    """
    parser = argparse.ArgumentParser(
        prog="python -m storemon.service.serve",
        description="Serve the storemon dashboard next to a running API.",
    )
    parser.add_argument("--api-url", default="http://127.0.0.1:8000", help="the running API")
    parser.add_argument("--source", default=str(DEFAULT_DB), help="the data the API reads")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind")
    parser.add_argument("--port", type=int, default=DEFAULT_DASHBOARD_PORT, help="port to bind")
    args = parser.parse_args(argv)
    previous = signal.signal(signal.SIGTERM, _raise_system_exit)
    try:
        dashboard = start_dashboard(args.api_url, args.source, args.host, args.port)
    except StoremonError as error:
        print(f"storemon: error: {error}", file=sys.stderr)
        return 1
    print(f"storemon dashboard on http://{url_host(args.host)}:{args.port}/", flush=True)
    try:
        dashboard.wait()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        stop_dashboard(dashboard)
        signal.signal(signal.SIGTERM, previous)
    return 0


if __name__ == "__main__":
    sys.exit(main())
