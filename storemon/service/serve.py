"""``storemon serve``: the HTTP API under uvicorn and, next to it, the dashboard's Voilà process.

:func:`serve_with_dashboard` is ``storemon serve``: Voilà in a child process, the API in this one;
Ctrl-C or SIGTERM stops the API (and its running reports), then Voilà (and its kernels); if this
process is killed outright, Linux sends Voilà SIGTERM (:mod:`storemon.service.voila_server`).
Safe by default: a port someone else holds, or a non-loopback address without a token (unless
``insecure``), is refused before anything starts. This process never imports the dashboard
(ipywidgets, matplotlib): Voilà's kernels do.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import sys
from pathlib import Path

import uvicorn

from storemon import jobs
from storemon.config import DEFAULT_DASHBOARD_KERNELS, DEFAULT_DB, REPORTS_DIR, TOKEN_VARIABLE
from storemon.errors import StoremonError
from storemon.service.app import create_app
from storemon.service.voila import (
    DEFAULT_DASHBOARD_PORT,
    KernelLimits,
    bind_listener,
    is_loopback,
    start_dashboard,
    stop_dashboard,
    url_host,
)
from storemon.synthetic.demo import require_source


def check_exposure(host: str, token: str | None, insecure: bool = False) -> None:
    """Refuse to serve beyond this machine without a token, unless told ``insecure``.

    Args:
        host: The address to bind.
        token: The API's token (``STOREMON_API_TOKEN``), or None.
        insecure: Serve anyway (a warning is printed).

    Raises:
        StoremonError: A non-loopback ``host``, no token and not ``insecure``.
    """
    if is_loopback(host) or token or insecure:
        return
    raise StoremonError(
        f"refusing to serve on {host} without a token: anyone who reaches it could trigger and "
        f"read reports and start dashboard kernels. Set {TOKEN_VARIABLE} (the API and the "
        "dashboard then ask for it), or pass --insecure to serve it open anyway"
    )


def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    source: str | Path = DEFAULT_DB,
    reports_dir: str | Path = REPORTS_DIR,
    workers: int = jobs.DEFAULT_WORKERS,
    max_queue: int = jobs.DEFAULT_MAX_QUEUE,
    log_level: str = "info",
    listener: socket.socket | None = None,
    hostnames: tuple[str, ...] = (),
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
        listener: The API's socket, bound already (default: bound here).
        hostnames: Host names the API answers to besides ``localhost`` and IP addresses (the
            name ``host`` binds is one too).

    Raises:
        StoremonError: The port is taken.
    """
    if not is_loopback(host) and not os.environ.get(TOKEN_VARIABLE):
        print(
            f"storemon: warning: serving on {host} without {TOKEN_VARIABLE}: anyone who can "
            "reach this address can trigger and read reports",
            file=sys.stderr,
        )
    if listener is None:
        listener = bind_listener(host, port, "API", "--port")
    app = create_app(
        source, reports_dir, workers=workers, max_queue=max_queue, hostnames=(*hostnames, host)
    )
    data = f"data {source}"
    require_source(source)
    if not Path(source).exists():
        data += " (not ingested yet: reports read the generated demo data set)"
    print(f"storemon API on http://{url_host(host)}:{port}/ (OpenAPI docs at /docs), {data}")
    server = uvicorn.Server(
        uvicorn.Config(app, host=host, port=port, log_level=log_level, lifespan="on")
    )
    server.run(sockets=[listener])


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
    log_level: str = "warning",
    insecure: bool = False,
    dashboard_kernels: int = DEFAULT_DASHBOARD_KERNELS,
    hostnames: tuple[str, ...] = (),
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
        log_level: uvicorn's log level (default: warnings and errors, no access log).
        insecure: Serve a non-loopback ``host`` without a token.
        dashboard_kernels: Dashboard pages that may hold a kernel at once.
        hostnames: Host names the dashboard and the API answer to besides ``localhost`` (a
            proxy's; the API answers to IP addresses too).

    Raises:
        StoremonError: Refused (exposure, a port taken) or the dashboard did not start.
    """
    token = os.environ.get(TOKEN_VARIABLE) or None
    check_exposure(host, token, insecure)
    listener = bind_listener(host, port, "API", "--port")
    # The kernel reaches the API over loopback when the API listens on every interface.
    api_host = "127.0.0.1" if host in ("0.0.0.0", "") else ("::1" if host == "::" else host)
    api_url = f"http://{url_host(api_host)}:{port}"
    # uvicorn handles SIGTERM itself while it runs, then raises it again once it has shut down;
    # with Python's default action the process would die there, before Voilà is stopped.
    previous = signal.signal(signal.SIGTERM, _raise_system_exit)
    dashboard = None
    try:
        dashboard = start_dashboard(
            api_url,
            host,
            dashboard_port,
            token=token,
            limits=KernelLimits(dashboard_kernels),
            hostnames=hostnames,
        )
        login = " (it asks for the API's token)" if token else ""
        url = f"http://{url_host(host)}:{dashboard_port}/"
        print(f"storemon dashboard on {url}{login}", flush=True)
        serve(host, port, source, reports_dir, workers, max_queue, log_level, listener, hostnames)
    finally:
        listener.close()
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
    parser.add_argument("--host", default="127.0.0.1", help="address to bind")
    parser.add_argument("--port", type=int, default=DEFAULT_DASHBOARD_PORT, help="port to bind")
    parser.add_argument("--insecure", action="store_true", help="serve beyond loopback openly")
    args = parser.parse_args(argv)
    previous = signal.signal(signal.SIGTERM, _raise_system_exit)
    token = os.environ.get(TOKEN_VARIABLE) or None
    try:
        check_exposure(args.host, token, args.insecure)
        dashboard = start_dashboard(args.api_url, args.host, args.port, token=token)
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
