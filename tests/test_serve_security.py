"""The dashboard server is safe by default (issue 10, item 2), on a real Voilà on 127.0.0.1.

With a token the dashboard asks for it, and its kernels never hold it in their environment or
the page; another site's page cannot make a browser start kernels; kernels are capped (the next
visitor gets 503 "busy" with Retry-After) and idle ones are culled; `storemon serve` refuses a
non-loopback address without a token unless told `--insecure`.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from live_servers import free_port, small_fleet, wait_for

from storemon.errors import StoremonError
from storemon.jobs.process import child_pids
from storemon.service.serve import check_exposure
from storemon.service.voila import KernelLimits, start_dashboard, stop_dashboard
from storemon.service.voila_server import is_cross_site

TOKEN = "s3cret-Token-42"

pytestmark = pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs Linux /proc")


class RecordingApi(BaseHTTPRequestHandler):
    """A stand-in API that records the Authorization header of every request."""

    seen: list[str | None] = []

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        type(self).seen.append(self.headers.get("Authorization"))
        body = json.dumps({"reports": []}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def recording_api() -> Iterator[tuple[str, list]]:
    RecordingApi.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), RecordingApi)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", RecordingApi.seen
    finally:
        server.shutdown()
        server.server_close()


def get(port: int, path: str, headers: dict[str, str] | None = None) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    connection.request("GET", path, headers={"Host": f"127.0.0.1:{port}", **(headers or {})})
    response = connection.getresponse()
    response.body = response.read()
    connection.close()
    return response


def kernels(voila_pid: int) -> list[int]:
    return child_pids(voila_pid)


def environ(pid: int) -> bytes:
    return Path(f"/proc/{pid}/environ").read_bytes()


def websocket_status(port: int, kernel_id: str, cookie: str, origin: str) -> int:
    key = base64.b64encode(os.urandom(16)).decode()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request(
        "GET",
        f"/api/kernels/{kernel_id}/channels",
        headers={
            "Host": f"127.0.0.1:{port}",
            "Connection": "Upgrade",
            "Upgrade": "websocket",
            "Sec-WebSocket-Key": key,
            "Sec-WebSocket-Version": "13",
            "Origin": origin,
            "Cookie": cookie,
        },
    )
    status = connection.getresponse().status
    connection.close()
    return status


@pytest.mark.slow
def test_dashboard_asks_for_the_token_and_never_hands_it_to_the_page_or_kernel(tmp_path: Path):
    port = free_port()
    with (
        recording_api() as (api_url, seen),
        open(tmp_path / "voila.log", "wb") as log,
    ):
        os.environ["STOREMON_API_TOKEN"] = TOKEN  # as `storemon serve` has it; must not leak
        try:
            process = start_dashboard(api_url, port=port, token=TOKEN, log=log.fileno())
        finally:
            del os.environ["STOREMON_API_TOKEN"]
        try:
            # No token: the login page, and no kernel.
            anonymous = get(port, "/")
            assert anonymous.status == 302 and "/login" in anonymous.headers["Location"]
            assert kernels(process.pid) == []
            # Logging in by URL sets the cookie and drops the token from the address.
            login = get(port, f"/?token={TOKEN}")
            assert login.status == 302 and login.headers["Location"] == "/"
            cookie = login.headers["Set-Cookie"].split(";")[0]
            assert kernels(process.pid) == []
            page = get(port, "/", {"Cookie": cookie})
            assert page.status == 200
            assert TOKEN.encode() not in page.body
            (kernel,) = wait_for(lambda: kernels(process.pid), 30, "the page's kernel")
            assert TOKEN.encode() not in environ(kernel)
            assert b"STOREMON_API_TOKEN_FILE=" in environ(kernel)
            # ... yet the dashboard's client reaches the API with it (read from the file).
            wait_for(lambda: seen, 60, "the dashboard's first API request")
            assert set(seen) == {f"Bearer {TOKEN}"}
            # Another site's page cannot use the visitor's login to open a kernel's websocket.
            kernel_id = re.search(rb'"kernelId": "([0-9a-f-]{36})"', page.body).group(1).decode()
            own = f"http://127.0.0.1:{port}"
            assert websocket_status(port, kernel_id, cookie, "http://evil.example") == 403
            assert websocket_status(port, kernel_id, cookie, own) == 101
        finally:
            assert stop_dashboard(process) == 0
    assert not process.runtime.exists()


@pytest.mark.slow
def test_cross_site_pages_are_refused_kernels_capped_and_culled(tmp_path: Path):
    port = free_port()
    limits = KernelLimits(max_kernels=2, cull_idle_seconds=4, cull_interval_seconds=1)
    with open(tmp_path / "voila.log", "wb") as log:
        process = start_dashboard(
            "http://127.0.0.1:9", port=port,
            log=log.fileno(), limits=limits, hostnames=("dash.example",),
        )  # fmt: skip
    try:
        # Another site's page (an iframe, a script, a fetch) gets 403 and starts no kernel;
        # neither does a page reached under another host name (DNS rebinding).
        for headers in (
            {"Sec-Fetch-Site": "cross-site"},
            {
                "Sec-Fetch-Site": "cross-site",
                "Sec-Fetch-Mode": "navigate",
                "Sec-Fetch-Dest": "iframe",
            },
            {
                "Sec-Fetch-Site": "same-site",
                "Sec-Fetch-Mode": "no-cors",
                "Sec-Fetch-Dest": "image",
            },
            {"Origin": "http://evil.example"},
            {"Origin": "null"},
            {"Host": "evil.example"},
        ):
            assert get(port, "/", headers).status == 403, headers
        assert kernels(process.pid) == []
        # Two visitors get a kernel each; the third is told to retry, and gets no kernel.
        assert get(port, "/").status == 200
        assert get(port, "/", {"Sec-Fetch-Site": "same-origin"}).status == 200
        assert len(kernels(process.pid)) == 2
        busy = get(port, "/")
        assert busy.status == 503 and busy.headers["Retry-After"] == "60"
        assert b"busy" in busy.body and b"retry" in busy.body.lower()
        assert len(kernels(process.pid)) == 2
        # Their pages never connected: the kernels are culled, and a visitor is served again.
        wait_for(lambda: kernels(process.pid) == [], 60, "idle kernels to be culled")
        assert get(port, "/").status == 200
        # A host name it was told about (a reverse proxy's) is served.
        assert get(port, "/", {"Host": f"dash.example:{port}"}).status == 200
    finally:
        assert stop_dashboard(process) == 0


@pytest.mark.parametrize(
    ("headers", "refused"),
    [
        ({}, False),
        ({"Sec-Fetch-Site": "same-origin", "Sec-Fetch-Mode": "navigate"}, False),
        ({"Sec-Fetch-Site": "none", "Sec-Fetch-Mode": "navigate"}, False),
        (
            {
                "Sec-Fetch-Site": "cross-site",
                "Sec-Fetch-Mode": "navigate",
                "Sec-Fetch-Dest": "document",
                "Sec-Fetch-User": "?1",
            },
            False,
        ),  # a person following a link from elsewhere
        ({"Origin": "http://127.0.0.1:8866"}, False),
        ({"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate"}, True),
        ({"Sec-Fetch-Site": "same-site", "Sec-Fetch-Dest": "iframe"}, True),
        ({"Origin": "http://127.0.0.1:9999"}, True),
    ],
)
def test_is_cross_site(headers: dict[str, str], refused: bool):
    assert is_cross_site(headers, "127.0.0.1:8866") is refused


def test_exposure_check():
    check_exposure("127.0.0.1", None)
    check_exposure("::1", None)
    check_exposure("localhost", None)
    check_exposure("0.0.0.0", "a-token")
    check_exposure("0.0.0.0", None, insecure=True)
    with pytest.raises(StoremonError, match="--insecure"):
        check_exposure("0.0.0.0", None)
    with pytest.raises(StoremonError, match="STOREMON_API_TOKEN"):
        check_exposure("192.168.1.10", "")


@pytest.mark.slow
@pytest.mark.parametrize(
    ("host", "pool", "says"),
    [
        ("0.0.0.0", "", "refusing to serve on 0.0.0.0 without a token"),
        ("127.0.0.1", "abc", "STOREMON_KERNEL_POOL must be a whole number of warm kernels"),
        ("127.0.0.1", "-1", "STOREMON_KERNEL_POOL must be a whole number of warm kernels"),
    ],
)
def test_serve_refuses_before_anything_starts(tmp_path: Path, host: str, pool: str, says: str):
    """An open address without a token, or a pool of kernels that is not a number: one
    sentence, and neither server started."""
    fleet = small_fleet(tmp_path / "raw", stores=5)
    api_port, dashboard_port = free_port(), free_port()
    environment = {k: v for k, v in os.environ.items() if k != "STOREMON_API_TOKEN"}
    environment["STOREMON_KERNEL_POOL"] = pool
    command = [
        sys.executable, "-m", "storemon.cli", "serve", "--host", host, "--data", str(fleet),
        "--port", str(api_port), "--dashboard-port", str(dashboard_port),
    ]  # fmt: skip
    server = subprocess.Popen(
        command, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        out, err = server.communicate(timeout=60)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    assert server.returncode == 1
    assert err.startswith(f"storemon: error: {says}"), err
    assert len(err.strip().splitlines()) == 1
    assert ("--insecure" if pool == "" else repr(pool)) in err
    assert "storemon dashboard on" not in out


def test_hostname_is_one_option_for_both_servers():
    from storemon.cli import build_parser

    args = build_parser().parse_args(
        ["serve", "--hostname", "api.example", "--dashboard-hostname", "dash.example"]
    )
    assert args.hostname == ["api.example", "dash.example"]


@pytest.mark.slow
def test_serve_on_every_interface_answers_its_names_with_the_token(tmp_path: Path):
    fleet = small_fleet(tmp_path / "raw", stores=5)
    api_port, dashboard_port = free_port(), free_port()
    token = "s3cret-token-0123456"
    environment = {
        **os.environ,
        "STOREMON_API_TOKEN": token,
        "STOREMON_REPORTS_DIR": str(tmp_path / "reports"),
    }
    command = [
        sys.executable, "-m", "storemon.cli", "serve", "--host", "0.0.0.0", "--data", str(fleet),
        "--port", str(api_port), "--dashboard-port", str(dashboard_port),
        "--hostname", "api.example",
    ]  # fmt: skip
    bearer = {"Authorization": f"Bearer {token}"}
    with open(tmp_path / "serve.log", "wb") as log:
        server = subprocess.Popen(command, env=environment, stdout=log, stderr=subprocess.STDOUT)
    try:

        def answers() -> bool:
            try:
                return get(api_port, "/reports", bearer).status == 200
            except OSError:
                return False

        wait_for(answers, 120, "storemon serve to answer")
        for host, headers, status in (
            (f"api.example:{api_port}", bearer, 200),
            (f"API.example:{api_port}", bearer, 200),
            (f"127.0.0.1:{api_port}", bearer, 200),
            (f"api.example:{api_port}", {}, 401),
            (f"other.example:{api_port}", bearer, 403),
        ):
            answer = get(api_port, "/reports", {**headers, "Host": host})
            assert answer.status == status, (host, headers, answer.body)
        rebound = get(api_port, "/reports", {**bearer, "Host": f"other.example:{api_port}"})
        assert b"does not answer to the host" in rebound.body
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(60)
