"""Real servers on 127.0.0.1 for the dashboard tests: the API (uvicorn in a thread) and data."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn

from storemon.service.app import create_app
from storemon.synthetic.generate import generate


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def small_fleet(out_dir: Path, stores: int = 40, seed: int = 7) -> Path:
    """Generate a small realistic export folder (8 days, with a polling hole) and return it."""
    generate(out_dir, stores=stores, days=8, seed=seed)
    return out_dir


@contextmanager
def api_server(source: Path, reports_dir: Path, token: str | None = None) -> Iterator[str]:
    """Run the storemon API on a free port of 127.0.0.1; yield its base URL.

    The app's lifespan starts its job queue and, on exit, stops it (running reports' kernels
    are shut down), exactly as under ``storemon serve``.
    """
    port = free_port()
    app = create_app(source, reports_dir, token=token or "")
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, name="storemon-test-api", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the API server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=60)
