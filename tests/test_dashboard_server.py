"""The dashboard and the API served together stop cleanly: no Voilà or kernel is left behind."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from jobkit import alive
from live_servers import free_port, small_fleet

from storemon.jobs.process import child_pids
from storemon.service.voila import dashboard_command, dashboard_environment, make_runtime

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


def cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


# How long a dashboard page may take to answer: Voilà runs its notebook first.
PAGE_SECONDS = 60


def wait_until(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def answers(url: str, timeout: float = 2) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status == 200
    except OSError:
        return False


def test_command_binds_loopback_with_the_offline_template():
    command = dashboard_command(port=8899)
    assert "--Voila.ip=127.0.0.1" in command and "--port=8899" in command
    assert "--template=storemon" in command and "--Voila.port_retries=0" in command
    environment = dashboard_environment("http://127.0.0.1:8000", base={"STOREMON_API_TOKEN": "x"})
    assert environment["STOREMON_API_URL"] == "http://127.0.0.1:8000"
    assert "STOREMON_API_TOKEN" not in environment  # the kernel reads the token from a file
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
        # Opening the page starts a kernel for it; Voilà answers once the page's notebook ran,
        # which takes seconds on a busy machine.
        assert answers(f"http://127.0.0.1:{dashboard_port}/", timeout=PAGE_SECONDS)
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


def start_serve(tmp_path: Path, api_port: int, dashboard_port: int) -> subprocess.Popen:
    fleet = small_fleet(tmp_path / "raw", stores=10, seed=2)
    command = [
        sys.executable, "-m", "storemon.cli", "serve", "--data", str(fleet),
        "--port", str(api_port), "--dashboard-port", str(dashboard_port),
    ]  # fmt: skip
    environment = {**os.environ, "STOREMON_REPORTS_DIR": str(tmp_path / "reports")}
    environment["TMPDIR"] = str(tmp_path / "tmp")
    (tmp_path / "tmp").mkdir(exist_ok=True)
    return subprocess.Popen(
        command,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def kill_group(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to find the processes")
def test_sigkill_of_serve_takes_voila_and_kernels_with_it(tmp_path: Path):
    api_port, dashboard_port = free_port(), free_port()
    server = start_serve(tmp_path, api_port, dashboard_port)
    try:
        wait_until(lambda: answers(f"http://127.0.0.1:{api_port}/reports"), 60, "the API")
        # a page: Voilà starts a kernel, and answers once the page's notebook ran
        assert answers(f"http://127.0.0.1:{dashboard_port}/", timeout=PAGE_SECONDS)
        processes = descendants(server.pid)
        voila = [pid for pid in child_pids(server.pid) if b"voila" in cmdline(pid)]
        assert len(voila) == 1 and child_pids(voila[0])  # Voilà and the page's kernel
        os.kill(server.pid, signal.SIGKILL)
        server.wait()
        started = time.monotonic()
        wait_until(lambda: not any(alive(pid) for pid in processes), 20, "the children to end")
        print(f"children gone {time.monotonic() - started:.1f} s after SIGKILL of serve")
        assert not listening(dashboard_port)
        assert list((tmp_path / "tmp").iterdir()) == []  # runtime and connection folders
    finally:
        for pid in descendants(server.pid) if server.poll() is None else []:
            os.kill(pid, signal.SIGKILL)
        kill_group(server)


@pytest.mark.slow
@pytest.mark.parametrize("taken", ["api", "dashboard"])
def test_serve_refuses_a_port_someone_else_holds(tmp_path: Path, taken: str):
    api_port, dashboard_port = free_port(), free_port()
    holder = socket.socket()
    holder.bind(("127.0.0.1", api_port if taken == "api" else dashboard_port))
    holder.listen()
    server = start_serve(tmp_path, api_port, dashboard_port)
    try:
        out, err = server.communicate(timeout=60)
    finally:
        kill_group(server)
        holder.close()
    port = api_port if taken == "api" else dashboard_port
    assert server.returncode == 1
    assert err.startswith(f"storemon: error: port {port} on 127.0.0.1 is taken by another program")
    assert len(err.strip().splitlines()) == 1
    assert "storemon dashboard on" not in out and "storemon API on" not in out
    assert not listening(api_port if taken == "dashboard" else dashboard_port)  # nothing started
    assert list((tmp_path / "tmp").iterdir()) == []


@pytest.mark.slow
def test_failed_voila_start_leaves_no_folder_in_the_temp_folder(tmp_path: Path):
    """Voilà itself cannot bind (someone took the port after the check): nothing is left."""
    port = free_port()
    temp = tmp_path / "tmp"
    temp.mkdir()
    holder = socket.socket()
    holder.bind(("127.0.0.1", port))
    holder.listen()
    runtime = make_runtime("127.0.0.1", "a-token")
    environment = dashboard_environment("http://127.0.0.1:9", runtime=runtime)
    environment["TMPDIR"] = str(temp)
    try:
        voila = subprocess.run(
            dashboard_command(port=port, runtime=runtime),
            env=environment,
            capture_output=True,
            timeout=120,
        )
    finally:
        holder.close()
        shutil.rmtree(runtime, ignore_errors=True)
    assert voila.returncode == 1, voila.stderr.decode()[-2000:]
    assert not runtime.exists()  # removed by the Voilà process itself, connection files too
    assert list(temp.iterdir()) == []


@pytest.mark.slow
def test_a_normal_serve_says_its_urls_and_nothing_else_and_ctrl_c_ends_it_cleanly(
    tmp_path: Path,
):
    """A page open in a real browser (a kernel, its websocket), then Ctrl-C: no library noise.

    Voilà's trust warning, ipykernel's unencrypted-TCP warning and tornado's websocket ping
    timeout warning are gone at their source; Ctrl-C is a normal stop (exit 0).
    """
    from browser_kit import CHROMIUM, CHROMIUM_ARGS, WAIT_MS

    playwright_api = pytest.importorskip("playwright.sync_api")

    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (make browser installs it)")
    api_port, dashboard_port = free_port(), free_port()
    server = start_serve(tmp_path, api_port, dashboard_port)
    try:
        wait_until(lambda: answers(f"http://127.0.0.1:{api_port}/reports"), 60, "the API")
        with playwright_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page()
            page.goto(f"http://127.0.0.1:{dashboard_port}/", timeout=WAIT_MS)
            page.get_by_role("button", name="Trigger report").wait_for(timeout=WAIT_MS)
            time.sleep(2)  # the widgets' websocket open a while
            browser.close()
        os.killpg(server.pid, signal.SIGINT)  # Ctrl-C reaches the terminal's process group
        out, err = server.communicate(timeout=60)
    finally:
        kill_group(server)
    assert server.returncode == 0, err
    assert out.splitlines() == [
        f"storemon dashboard on http://127.0.0.1:{dashboard_port}/",
        f"storemon API on http://127.0.0.1:{api_port}/ (OpenAPI docs at /docs), data "
        f"{tmp_path / 'raw'}",
        "storemon dashboard stopped",
        "storemon stopped",
    ]
    assert err == ""
