"""Real servers on 127.0.0.1 for the tests: uvicorn in a thread, free ports, waiting, and data.

The one home of the tests' server harness: :func:`running_server` serves any app,
:func:`api_server` the storemon API, :func:`wait_for` polls a condition, :func:`free_port` names
a port for a server started some other way (a subprocess).
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import uvicorn

from storemon.service.app import create_app
from storemon.synthetic.generate import PINNED_END, generate

T = TypeVar("T")

# Debian's Chromium, as the browser tests and the dashboard benchmark launch it (Playwright).
CHROMIUM = os.environ.get("STOREMON_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def wait_for(condition: Callable[[], T], timeout: float, what: str, every: float = 0.2) -> T:
    """Poll ``condition`` until it returns something truthy; fail after ``timeout`` seconds.

    Args:
        condition: Called until its result is truthy.
        timeout: Seconds to wait at most.
        what: What is waited for, for the failure message.
        every: Seconds between two calls.

    Returns:
        The first truthy result.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(every)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def small_fleet(out_dir: Path, stores: int = 40, seed: int = 7) -> Path:
    """Generate a small realistic export folder (8 days, with a polling hole) and return it."""
    generate(out_dir, stores=stores, days=8, seed=seed, end=PINNED_END)
    return out_dir


@contextmanager
def running_server(app) -> Iterator[str]:
    """Serve ``app`` with uvicorn on a free 127.0.0.1 port in a thread; yield its base URL.

    The socket is bound here and handed to uvicorn, so no other process can take the port
    between choosing and binding it. Leaving the block shuts the server down the way Ctrl-C
    does (lifespan shutdown included: an API's running reports' kernels are shut down).
    """
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [listener]}, name="storemon-test-server", daemon=True
    )
    thread.start()
    try:
        wait_for(
            lambda: server.started or not thread.is_alive(), 30, "the server to start", every=0.05
        )
        assert server.started, "the server did not start"
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(60)
        listener.close()
        assert not thread.is_alive(), "the server did not stop"


@contextmanager
def api_server(source: Path, reports_dir: Path, token: str | None = None) -> Iterator[str]:
    """Run the storemon API on a free port of 127.0.0.1; yield its base URL.

    The app's lifespan starts its job queue and, on exit, stops it, exactly as under
    ``storemon serve``.
    """
    with running_server(create_app(source, reports_dir, token=token or "")) as url:
        yield url
