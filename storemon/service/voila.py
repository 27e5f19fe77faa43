"""The dashboard's server: standalone Voilà on the dashboard notebook, next to the API.

Standalone Voilà (not a Jupyter server) only runs the notebook and lets its widgets talk to the
kernel: a visitor cannot run code of their own. The page uses storemon's template
(``storemon/dashboard/templates``), which requests nothing from other hosts. Voilà hands the
kernel its environment, which is how the notebook learns the API's URL (``STOREMON_API_URL``),
its token (``STOREMON_API_TOKEN``) and the data the reports read (``STOREMON_SOURCE``, for
timelines).

This module starts the Voilà process, waits for it to listen and stops it with its kernels;
:mod:`storemon.service.serve` runs it next to the API. Nothing here imports the dashboard.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from storemon.config import (
    API_URL_VARIABLE,
    DASHBOARD_NOTEBOOK,
    DEFAULT_DB,
    PROJ_ROOT,
    SOURCE_VARIABLE,
    TOKEN_VARIABLE,
    VOILA_TEMPLATES_DIR,
)
from storemon.errors import StoremonError
from storemon.jobs.process import child_pids

TEMPLATE = "storemon"
DEFAULT_DASHBOARD_PORT = 8866
START_TIMEOUT_SECONDS = 60.0
STOP_GRACE_SECONDS = 15.0
CULL_IDLE_SECONDS = 900  # a dashboard kernel nobody looks at for 15 minutes is stopped


def url_host(host: str) -> str:
    """A host as written in a URL.

    Args:
        host: A host name or address.

    Returns:
        The host, an IPv6 address in brackets.
    """
    return f"[{host}]" if ":" in host else host


def dashboard_command(
    host: str = "127.0.0.1",
    port: int = DEFAULT_DASHBOARD_PORT,
    notebook: str | Path = DASHBOARD_NOTEBOOK,
) -> list[str]:
    """The command line that serves the dashboard with standalone Voilà.

    Args:
        host: Address to bind (the default accepts local connections only).
        port: Port to bind; Voilà fails rather than silently taking another one.
        notebook: The dashboard notebook.

    Returns:
        The arguments, starting with this Python (run it with :func:`dashboard_environment`).
    """
    return [
        sys.executable,
        "-m",
        "voila",
        str(notebook),
        "--no-browser",
        f"--port={port}",
        "--Voila.port_retries=0",
        f"--Voila.ip={host}",
        f"--template={TEMPLATE}",
        "--strip_sources=True",
        "--show_tracebacks=False",
        # A closed page's kernel is not always shut down by the page (its shutdown request can
        # be refused), so kernels without a connected page are culled after a while.
        f"--MappingKernelManager.cull_idle_timeout={CULL_IDLE_SECONDS}",
        "--MappingKernelManager.cull_interval=60",
        "--MappingKernelManager.cull_connected=False",
    ]


def dashboard_environment(
    api_url: str,
    source: str | Path = DEFAULT_DB,
    token: str | None = None,
    base: dict[str, str] | None = None,
) -> dict[str, str]:
    """The environment of the Voilà process: where the API and the data are, and the template.

    Args:
        api_url: Base URL of the API, as the dashboard's kernel reaches it.
        source: The data the API's reports read (for store timelines).
        token: The API's token, when it needs one (default: ``STOREMON_API_TOKEN`` of ``base``).
        base: The environment to extend (default this process's).

    Returns:
        The environment.
    """
    environment = dict(os.environ if base is None else base)
    environment[API_URL_VARIABLE] = api_url
    environment[SOURCE_VARIABLE] = str(Path(source).absolute())
    if token:
        environment[TOKEN_VARIABLE] = token
    # Voilà finds templates under <JUPYTER_PATH entry>/voila/templates/<name>.
    paths = [
        str(VOILA_TEMPLATES_DIR),
        *filter(None, environment.get("JUPYTER_PATH", "").split(":")),
    ]
    environment["JUPYTER_PATH"] = os.pathsep.join(paths)
    environment.setdefault("PYTHONUNBUFFERED", "1")
    return environment


def wait_for_port(host: str, port: int, timeout: float, process: subprocess.Popen) -> None:
    """Wait until ``host:port`` accepts connections (without asking Voilà for a page).

    Args:
        host: The address.
        port: The port.
        timeout: Seconds to wait at most.
        process: The server process; its early exit is an error.

    Raises:
        StoremonError: The process exited or the port did not open in time.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise StoremonError(
                f"the dashboard server exited with code {process.returncode} before it listened "
                f"on port {port} (is the port taken?)"
            )
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise StoremonError(f"the dashboard server did not listen on port {port} in {timeout:.0f} s")


def start_dashboard(
    api_url: str,
    source: str | Path = DEFAULT_DB,
    host: str = "127.0.0.1",
    port: int = DEFAULT_DASHBOARD_PORT,
    token: str | None = None,
    log: int | None = None,
    timeout: float = START_TIMEOUT_SECONDS,
) -> subprocess.Popen:
    """Start Voilà on the dashboard notebook and wait until it listens.

    Voilà runs in a session of its own, so that Ctrl-C in a terminal reaches only the caller,
    which then stops it with :func:`stop_dashboard` (Voilà shuts its kernels down on SIGTERM).

    Args:
        api_url: Base URL of the API, as the dashboard's kernel reaches it.
        source: The data the API's reports read (for store timelines).
        host: Address to bind.
        port: Port to bind.
        token: The API's token, when it needs one.
        log: File descriptor for Voilà's output (default: inherited).
        timeout: Seconds to wait for Voilà to listen.

    Returns:
        The Voilà process.

    Raises:
        StoremonError: Voilà did not start.
    """
    process = subprocess.Popen(
        dashboard_command(host, port),
        env=dashboard_environment(api_url, source, token),
        cwd=PROJ_ROOT,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT if log is not None else None,
        start_new_session=True,
    )
    try:
        wait_for_port(host, port, timeout, process)
    except BaseException:
        stop_dashboard(process)
        raise
    return process


def stop_dashboard(process: subprocess.Popen, grace: float = STOP_GRACE_SECONDS) -> int | None:
    """Stop Voilà and its kernels: SIGTERM, then SIGKILL after ``grace``.

    Voilà shuts its kernels down on SIGTERM. The kernels run in sessions of their own, so any
    that outlive Voilà (it was killed, or could not stop one) are killed here by pid.

    Args:
        process: From :func:`start_dashboard`.
        grace: Seconds Voilà gets to shut its kernels down.

    Returns:
        Voilà's exit code.
    """
    kernels = child_pids(process.pid) if process.poll() is None else []
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(grace)
        except subprocess.TimeoutExpired:
            pass
    # Anything left in Voilà's process group goes too.
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    code = process.wait()
    for pid in kernels:
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    return code
