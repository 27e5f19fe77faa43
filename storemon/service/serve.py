"""``storemon serve``: the HTTP API under uvicorn, stopped cleanly by Ctrl-C or SIGTERM."""

from __future__ import annotations

import ipaddress
import os
import sys
from pathlib import Path

import uvicorn

from storemon import jobs
from storemon.config import DEFAULT_DB, REPORTS_DIR, TOKEN_VARIABLE
from storemon.service.api import create_app
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
    shown_host = f"[{host}]" if ":" in host else host
    data = f"data {source}"
    require_source(source)
    if not Path(source).exists():
        data += " (not ingested yet: reports read the generated demo data set)"
    print(f"storemon API on http://{shown_host}:{port}/ (OpenAPI docs at /docs), {data}")
    server = uvicorn.Server(
        uvicorn.Config(app, host=host, port=port, log_level=log_level, lifespan="on")
    )
    server.run()
