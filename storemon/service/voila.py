"""The dashboard's server: standalone Voilà on the dashboard notebook, next to the API.

Standalone Voilà (not a Jupyter server) only runs the notebook and lets its widgets talk to the
kernel: a visitor cannot run code of their own. The page uses storemon's template
(``storemon/dashboard/templates``), which requests nothing from other hosts. Voilà runs through
:mod:`storemon.service.voila_server` (kernel cap, cross-site refusal, death with its parent).

Each start gets a private runtime folder (mode 0700, removed on every exit path) holding Voilà's
configuration (``voila.json``: the login token, the host check), the API's token for the kernel
(``api-token``, mode 0600) and Voilà's connection files. The token is never on a command line
nor in the environment that Voilà hands its kernels: the kernel learns the API's URL
(``STOREMON_API_URL``) and the *path* of the token file (``STOREMON_API_TOKEN_FILE``): it reads
everything through the API, never the data itself. Nothing here imports the dashboard.
"""

from __future__ import annotations

import errno
import ipaddress
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from storemon.config import (
    API_URL_VARIABLE,
    DASHBOARD_CULL_IDLE_SECONDS,
    DASHBOARD_CULL_INTERVAL_SECONDS,
    DASHBOARD_NOTEBOOK,
    DEFAULT_DASHBOARD_KERNELS,
    PAGE_GATE_VARIABLE,
    PROJ_ROOT,
    TOKEN_FILE_VARIABLE,
    TOKEN_VARIABLE,
    VOILA_TEMPLATES_DIR,
)
from storemon.errors import StoremonError
from storemon.jobs.process import child_pids

TEMPLATE = "storemon"
DEFAULT_DASHBOARD_PORT = 8866
START_TIMEOUT_SECONDS = 60.0
STOP_GRACE_SECONDS = 15.0
RUNTIME_PREFIX = "storemon-voila-"
TOKEN_FILE = "api-token"
READY_FILE = "ready"  # written by the Voilà process once it listens
RUNTIME_VARIABLE = "STOREMON_VOILA_RUNTIME"  # the folder the Voilà process owns and removes
PARENT_VARIABLE = "STOREMON_VOILA_PARENT"  # the pid of the process Voilà must not outlive


@dataclass(frozen=True)
class KernelLimits:
    """How many dashboard kernels may run, and how soon a closed page's kernel is stopped.

    Args:
        max_kernels: Pages that may hold a kernel at once (0: no cap); the next visitor gets a
            "busy, retry in a minute" page (503).
        cull_idle_seconds: A kernel without a connected page, idle this long, is stopped.
        cull_interval_seconds: How often kernels are checked for that.
    """

    max_kernels: int = DEFAULT_DASHBOARD_KERNELS
    cull_idle_seconds: int = DASHBOARD_CULL_IDLE_SECONDS
    cull_interval_seconds: int = DASHBOARD_CULL_INTERVAL_SECONDS


class DashboardProcess(subprocess.Popen):
    """The Voilà process, with the runtime folder it owns (removed by :func:`stop_dashboard`)."""

    runtime: Path | None = None


def is_loopback(host: str) -> bool:
    """Tell whether ``host`` only accepts connections from this machine.

    Args:
        host: A host name or address.

    Returns:
        True for ``localhost`` and loopback addresses.
    """
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def bind_listener(host: str, port: int, what: str, option: str) -> socket.socket:
    """Bind ``host:port`` now, or say in one line that someone else holds it.

    Args:
        host: The address.
        port: The port.
        what: What would listen there (``API``, ``dashboard``), for the message.
        option: The option that chooses another port, for the message.

    Returns:
        The bound socket (not yet listening; close it to leave the port free).

    Raises:
        StoremonError: The port is taken, or the address cannot be bound.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((host, port))
    except OSError as error:
        listener.close()
        if error.errno == errno.EADDRINUSE:
            raise StoremonError(
                f"port {port} on {host} is taken by another program (an earlier `storemon "
                f"serve`?): stop it, or give the {what} another port with {option}"
            ) from None
        reason = error.strerror or error
        raise StoremonError(f"cannot serve the {what} on {host}:{port}: {reason}") from None
    return listener


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
    limits: KernelLimits = KernelLimits(),
    runtime: Path | None = None,
) -> list[str]:
    """The command line that serves the dashboard with standalone Voilà and storemon's guards.

    Args:
        host: Address to bind (the default accepts local connections only).
        port: Port to bind; Voilà fails rather than silently taking another one.
        notebook: The dashboard notebook.
        limits: The kernels' cap and idle culling.
        runtime: The runtime folder from :func:`make_runtime` (its ``voila.json`` is read and
            Voilà's connection files go there).

    Returns:
        The arguments, starting with this Python (run it with :func:`dashboard_environment`).
    """
    command = [
        sys.executable,
        "-m",
        "storemon.service.voila_server",
        str(notebook),
        "--no-browser",
        f"--port={port}",
        "--Voila.port_retries=0",
        f"--Voila.ip={host}",
        f"--template={TEMPLATE}",
        "--strip_sources=True",
        "--show_tracebacks=False",
        # warnings and errors only: `storemon serve` prints the URL itself
        "--Voila.log_level=WARN",
        "--VoilaConfiguration.multi_kernel_manager_class="
        "storemon.service.voila_server.CappedKernelManager",
        f"--CappedKernelManager.max_kernels={limits.max_kernels}",
        # A closed page's kernel is not always shut down by the page (its shutdown request can
        # be refused), so kernels without a connected page are culled after a few minutes.
        f"--MappingKernelManager.cull_idle_timeout={limits.cull_idle_seconds}",
        f"--MappingKernelManager.cull_interval={limits.cull_interval_seconds}",
        "--MappingKernelManager.cull_connected=False",
    ]
    if runtime is not None:
        command += [
            f"--Voila.config_file_paths={runtime}",
            f"--Voila.connection_dir_root={runtime}",
            # the store in which voila_server signs the dashboard notebook (trusted)
            f"--NotebookNotary.data_dir={runtime}",
        ]
    return command


def make_runtime(host: str, token: str | None, hostnames: tuple[str, ...] = ()) -> Path:
    """A private runtime folder for one Voilà process: its configuration and the API's token.

    ``voila.json`` sets Voilà's login token (the API's token, so that the dashboard asks for
    it too; none without one) and, on a loopback address, jupyter-server's host check (a page
    reached under another host name, as in DNS rebinding, is refused; ``hostnames`` are let
    through, e.g. the name a reverse proxy forwards).

    Args:
        host: The address Voilà binds.
        token: The API's token, or None.
        hostnames: Host names accepted besides ``localhost`` and loopback addresses.

    Returns:
        The folder (mode 0700; the files in it 0600).
    """
    runtime = Path(tempfile.mkdtemp(prefix=f"{RUNTIME_PREFIX}{os.getpid()}-"))
    settings = {
        "Voila": {
            "token": token or "",
            "tornado_settings": {
                "allow_remote_access": not is_loopback(host),
                "local_hostnames": ["localhost", *hostnames],
            },
        }
    }
    _write_private(runtime / "voila.json", json.dumps(settings))
    if token:
        _write_private(runtime / TOKEN_FILE, token)
    return runtime


def _write_private(path: Path, text: str) -> None:
    """Write ``text`` to a new file that only this user can read."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(text)


def dashboard_environment(
    api_url: str,
    base: dict[str, str] | None = None,
    runtime: Path | None = None,
) -> dict[str, str]:
    """The environment of the Voilà process, which Voilà hands on to its kernels.

    The API's token is taken out (the kernel reads it from the runtime folder's token file).

    Args:
        api_url: Base URL of the API, as the dashboard's kernel reaches it.
        base: The environment to extend (default this process's).
        runtime: The runtime folder from :func:`make_runtime`.

    Returns:
        The environment.
    """
    environment = dict(os.environ if base is None else base)
    environment.pop(TOKEN_VARIABLE, None)
    environment.pop(TOKEN_FILE_VARIABLE, None)
    environment[API_URL_VARIABLE] = api_url
    environment[PAGE_GATE_VARIABLE] = "1"  # pages of TEMPLATE tell when their widgets exist
    if runtime is not None:
        environment[RUNTIME_VARIABLE] = str(runtime)
        environment[PARENT_VARIABLE] = str(os.getpid())
        if (runtime / TOKEN_FILE).is_file():
            environment[TOKEN_FILE_VARIABLE] = str(runtime / TOKEN_FILE)
    # Voilà finds templates under <JUPYTER_PATH entry>/voila/templates/<name>.
    paths = [
        str(VOILA_TEMPLATES_DIR),
        *filter(None, environment.get("JUPYTER_PATH", "").split(":")),
    ]
    environment["JUPYTER_PATH"] = os.pathsep.join(paths)
    environment.setdefault("PYTHONUNBUFFERED", "1")
    return environment


def wait_until_ready(process: DashboardProcess, port: int, timeout: float) -> None:
    """Wait until this Voilà process listens (its ``ready`` file), not just anyone on the port.

    Args:
        process: From :func:`start_dashboard`.
        port: Its port, for the messages.
        timeout: Seconds to wait at most.

    Raises:
        StoremonError: The process exited or did not listen in time.
    """
    assert process.runtime is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise StoremonError(
                f"the dashboard server exited with code {process.returncode} before it listened "
                f"on port {port} (is the port taken?)"
            )
        if (process.runtime / READY_FILE).is_file():
            return
        time.sleep(0.1)
    raise StoremonError(f"the dashboard server did not listen on port {port} in {timeout:.0f} s")


def start_dashboard(
    api_url: str,
    host: str = "127.0.0.1",
    port: int = DEFAULT_DASHBOARD_PORT,
    token: str | None = None,
    log: int | None = None,
    timeout: float = START_TIMEOUT_SECONDS,
    limits: KernelLimits = KernelLimits(),
    hostnames: tuple[str, ...] = (),
) -> DashboardProcess:
    """Start Voilà on the dashboard notebook and wait until it listens.

    Voilà runs in a session of its own, so that Ctrl-C in a terminal reaches only the caller,
    which then stops it with :func:`stop_dashboard` (Voilà shuts its kernels down on SIGTERM).
    It also gets SIGTERM when the thread that started it ends (Linux), so call this from the
    main thread.

    Args:
        api_url: Base URL of the API, as the dashboard's kernel reaches it.
        host: Address to bind.
        port: Port to bind.
        token: The API's token, when it needs one; the dashboard then asks for it too.
        log: File descriptor for Voilà's output (default: inherited).
        timeout: Seconds to wait for Voilà to listen.
        limits: The kernels' cap and idle culling.
        hostnames: Host names the page may be reached under besides ``localhost`` and
            loopback addresses (behind a reverse proxy that keeps the ``Host`` header).

    Returns:
        The Voilà process.

    Raises:
        StoremonError: The port is taken, or Voilà did not start.
    """
    bind_listener(host, port, "dashboard", "--dashboard-port").close()
    runtime = make_runtime(host, token, hostnames)
    try:
        process = DashboardProcess(
            dashboard_command(host, port, limits=limits, runtime=runtime),
            env=dashboard_environment(api_url, runtime=runtime),
            cwd=PROJ_ROOT,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT if log is not None else None,
            start_new_session=True,
        )
    except BaseException:
        shutil.rmtree(runtime, ignore_errors=True)
        raise
    process.runtime = runtime
    try:
        wait_until_ready(process, port, timeout)
    except BaseException:
        stop_dashboard(process)
        raise
    return process


def stop_dashboard(process: subprocess.Popen, grace: float = STOP_GRACE_SECONDS) -> int | None:
    """Stop Voilà and its kernels: SIGTERM, then SIGKILL after ``grace``; remove its folder.

    Voilà shuts its kernels down on SIGTERM. The kernels run in sessions of their own, so any
    that outlive Voilà (it was killed, or could not stop one) are killed here by pid.

    Args:
        process: From :func:`start_dashboard`.
        grace: Seconds Voilà gets to shut its kernels down.

    Returns:
        Voilà's exit code.
    """
    try:
        return _stop(process, grace)
    finally:
        runtime = getattr(process, "runtime", None)
        if runtime is not None:
            shutil.rmtree(runtime, ignore_errors=True)


def _stop(process: subprocess.Popen, grace: float) -> int | None:
    """Stop Voilà, anything left in its process group, and its kernels."""
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
