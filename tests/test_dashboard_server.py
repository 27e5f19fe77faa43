"""The dashboard and the API served together stop cleanly: no Voilà or kernel is left behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from jobkit import alive
from live_servers import free_port, small_fleet

from storemon.jobs.process import child_pids
from storemon.service.voila import dashboard_command, dashboard_environment

SERVE = (
    "import sys; from storemon.service.serve import serve_with_dashboard; "
    "serve_with_dashboard(port=int(sys.argv[1]), dashboard_port=int(sys.argv[2]), "
    "source=sys.argv[3], reports_dir=sys.argv[4], log_level='warning')"
)


def descendants(pid: int) -> set[int]:
    found, todo = set(), [pid]
    while todo:
        for child in child_pids(todo.pop()):
            found.add(child)
            todo.append(child)
    return found


def wait_until(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def test_command_binds_loopback_with_the_offline_template():
    command = dashboard_command(port=8899)
    assert "--Voila.ip=127.0.0.1" in command and "--port=8899" in command
    assert "--template=storemon" in command and "--Voila.port_retries=0" in command
    environment = dashboard_environment("http://127.0.0.1:8000", "data/x.duckdb", base={})
    assert environment["STOREMON_API_URL"] == "http://127.0.0.1:8000"
    assert Path(environment["STOREMON_SOURCE"]).is_absolute()
    template = Path(environment["JUPYTER_PATH"].split(os.pathsep)[0])
    page = template / "voila" / "templates" / "storemon" / "index.html.j2"
    assert page.is_file()


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to find the processes")
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_serve_stops_dashboard_and_kernels(tmp_path: Path, signum: int):
    fleet = small_fleet(tmp_path / "raw", stores=10, seed=2)
    api_port, dashboard_port = free_port(), free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-c",
            SERVE,
            str(api_port),
            str(dashboard_port),
            str(fleet),
            str(tmp_path / "reports"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_until(lambda: answers(f"http://127.0.0.1:{api_port}/reports"), 60, "the API")
        # Opening the page starts a kernel for it.
        assert answers(f"http://127.0.0.1:{dashboard_port}/")
        processes = descendants(server.pid)
        assert len(processes) >= 2  # Voilà and the page's kernel (plus the API's workers)
        server.send_signal(signum)
        output = server.communicate(timeout=60)[0].decode()
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
    assert "storemon dashboard stopped" in output
    wait_until(lambda: not any(alive(pid) for pid in processes), 20, "the children to end")
