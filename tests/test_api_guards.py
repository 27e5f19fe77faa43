"""The API's own checks: host names, other sites' pages, the token, HEAD, report ids, dead runners.

Most run in process (httpx's ASGI transport: no server, no job queue), so they are fast and each
check is seen alone; the host and site rules run again on a real server on 127.0.0.1 with raw
``Host`` headers, as a DNS-rebinding page or another site's script would send them.
"""

from __future__ import annotations

import hmac
import http.client
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from conftest import FIXTURES
from live_servers import in_process, running_server

from storemon import cli
from storemon.files import write_json_atomic
from storemon.jobs import JobRecord, Parameters, ReportState, Stage, process_identity
from storemon.jobs.store import STATUS_FILE
from storemon.service.app import create_app

SOURCE = FIXTURES / "export_2024"
TOKEN = "s3cret-token-0123456"
UNKNOWN = "0b7c5f0e-2f4e-4c4a-9d1e-6a1f0c2b3d4e"
LISTED = "api.example"
GET_PATHS = (
    "/reports",
    f"/get_report?report_id={UNKNOWN}",
    f"/reports/{UNKNOWN}/report.csv",
    f"/reports/{UNKNOWN}/stores/1",
    "/data",
)


@pytest.fixture
def reports(tmp_path: Path) -> Path:
    return tmp_path / "reports"


@pytest.fixture
def app(reports: Path):
    return create_app(SOURCE, reports, hostnames=(LISTED,), kernel_pool=0, token="")


def report_folders(reports: Path) -> list[str]:
    return sorted(p.name for p in reports.iterdir()) if reports.is_dir() else []


# --------------------------------------------------------------------------- host names


@pytest.mark.parametrize(
    "host",
    [
        "evil.example",
        "attacker.example:8000",  # DNS rebinding: the attacker's name, resolved to 127.0.0.1
        "localhost.attacker.example",
        "127.0.0.1.nip.io:8000",
        "api.example.attacker.example",
        "user@127.0.0.1:8000",
        "127.0.0.1:port",
        "",
    ],
)
def test_a_host_name_not_listed_is_refused(app, reports: Path, host: str):
    for method, path in (*(("GET", p) for p in GET_PATHS), ("POST", "/trigger_report")):
        answer = in_process(app, method, path, headers={"Host": host})
        assert answer.status_code == 403, (host, path, answer.text)
        detail = answer.json()["detail"]
        assert "does not answer to the host" in detail and "--hostname" in detail
    assert report_folders(reports) == []


@pytest.mark.parametrize(
    "host",
    ["127.0.0.1:8000", "localhost:8000", "LOCALHOST", "[::1]:8000", "10.0.0.5:8000", LISTED,
     "API.Example:443"],
)  # fmt: skip
def test_loopback_ip_addresses_and_listed_names_are_answered(app, host: str):
    answer = in_process(app, "GET", "/reports", headers={"Host": host})
    assert answer.status_code == 200 and answer.json() == {"reports": []}


# --------------------------------------------------------------------------- other sites


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "http://evil.example"},
        {"Origin": "http://127.0.0.1:8866"},  # the dashboard's page: another origin
        {"Origin": "null"},
        {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors"},
        {"Sec-Fetch-Site": "same-site", "Sec-Fetch-Dest": "iframe"},
    ],
)
def test_another_sites_page_is_refused(app, reports: Path, headers: dict[str, str]):
    for method, path in (("POST", "/trigger_report"), *(("GET", p) for p in GET_PATHS)):
        answer = in_process(app, method, path, headers=headers)  # a POST without a body too
        assert answer.status_code == 403, (headers, path)
        assert "another site's page" in answer.json()["detail"]
    assert report_folders(reports) == []  # nothing was queued


@pytest.mark.parametrize(
    "headers",
    [
        {},  # a program: curl, the dashboard's own client
        {"Origin": "http://127.0.0.1:8000"},  # the API's own page (/docs)
        {"Sec-Fetch-Site": "same-origin", "Sec-Fetch-Mode": "cors"},
        {"Sec-Fetch-Site": "none", "Sec-Fetch-Mode": "navigate"},  # typed in the address bar
        {  # a person following a link from elsewhere
            "Sec-Fetch-Site": "cross-site",
            "Sec-Fetch-Mode": "navigate",
            "Sec-Fetch-Dest": "document",
            "Sec-Fetch-User": "?1",
        },
    ],
)
def test_same_origin_people_and_programs_are_answered(app, headers: dict[str, str]):
    assert in_process(app, "GET", "/reports", headers=headers).status_code == 200


# --------------------------------------------------------------------------- HEAD


@pytest.mark.parametrize(
    "path",
    [*GET_PATHS, "/get_report?report_id=abc", "/openapi.json", "/docs", "/redoc", "/nowhere"],
)
def test_head_is_answered_wherever_get_is(app, path: str):
    get, head = in_process(app, "GET", path), in_process(app, "HEAD", path)
    assert head.status_code == get.status_code, path
    for name in ("content-type", "content-length"):
        assert head.headers.get(name) == get.headers.get(name), (path, name)
    assert head.content == b""


def test_head_is_refused_where_get_is(app):
    for method in ("GET", "HEAD"):
        answer = in_process(app, method, "/trigger_report")
        assert answer.status_code == 405 and answer.headers["allow"] == "POST"


# --------------------------------------------------------------------------- report ids


@pytest.mark.parametrize(
    "spelled",
    [UNKNOWN.upper(), "{" + UNKNOWN + "}", f"urn:uuid:{UNKNOWN}", UNKNOWN.replace("-", ""),
     f" {UNKNOWN} "],
)  # fmt: skip
def test_a_report_id_has_one_spelling(app, spelled: str, capsys: pytest.CaptureFixture):
    canonical = f"is not a report id as written: a report id is written in lower case with hyphens and nothing around it, as in {UNKNOWN}"  # noqa: E501
    for answer in (
        in_process(app, "GET", "/get_report", params={"report_id": spelled}),
        in_process(app, "GET", f"/reports/{quote(spelled, safe='')}/report.csv"),
        in_process(app, "GET", f"/reports/{quote(spelled, safe='')}/stores/1"),
    ):
        assert answer.status_code == 400, spelled
        assert canonical in answer.json()["detail"]
    assert cli.main(["status", spelled]) == 1
    assert canonical in capsys.readouterr().err
    # the spelling the server gives is the one it answers to
    answer = in_process(app, "GET", "/get_report", params={"report_id": UNKNOWN})
    assert answer.status_code == 404 and answer.json() == {
        "detail": f"there is no report {UNKNOWN}"
    }


# --------------------------------------------------------------------------- the token


def test_the_token_is_checked_in_constant_time(reports: Path, monkeypatch: pytest.MonkeyPatch):
    app = create_app(SOURCE, reports, token=TOKEN, kernel_pool=0)
    compared = []

    def compare_digest(given: bytes, expected: bytes) -> bool:
        compared.append((given, expected))
        return real(given, expected)

    real = hmac.compare_digest
    monkeypatch.setattr(hmac, "compare_digest", compare_digest)
    wrong = (
        {},
        {"Authorization": ""},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer wrong"},
        {"Authorization": f"Bearer {TOKEN[:-1]}"},
        {"Authorization": f"Bearer {TOKEN}x"},
        {"Authorization": f"Bearer {TOKEN.upper()}"},
        {"Authorization": f"Basic {TOKEN}"},
        {"Authorization": TOKEN},
    )
    for headers in wrong:
        for method, path in (("POST", "/trigger_report"), *(("GET", p) for p in GET_PATHS)):
            answer = in_process(app, method, path, headers=headers)
            assert answer.status_code == 401, (headers, path)
            assert answer.headers["www-authenticate"] == "Bearer"
            assert answer.json()["detail"] == (
                "this API needs a token: send the header Authorization: Bearer <token>"
            )
    right = {"Authorization": f"Bearer {TOKEN}"}
    compared.clear()
    assert in_process(app, "GET", "/reports", headers=right).json() == {"reports": []}
    assert compared == [(TOKEN.encode(), TOKEN.encode())]  # through hmac.compare_digest
    answer = in_process(app, "GET", "/get_report", params={"report_id": UNKNOWN}, headers=right)
    assert answer.status_code == 404
    # the documentation holds no data: readable without the token
    assert in_process(app, "GET", "/openapi.json").status_code == 200
    assert report_folders(reports) == []


# --------------------------------------------------------------------------- a dead runner


def gone_process() -> object:
    """The identity of a process that ran and has exited (its pid is free)."""
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    identity = process_identity(child.pid)
    child.kill()
    child.wait()
    return identity


def write_running(reports: Path, runner: object, stage: Stage = Stage.RUNNING) -> str:
    report_id = str(uuid.uuid4())
    record = JobRecord(
        report_id=report_id,
        stage=stage,
        parameters=Parameters(source=str(SOURCE)),
        started="2026-01-01T00:00:00.000Z" if stage is Stage.RUNNING else None,
        owner=process_identity() if stage is Stage.RUNNING else runner,
        runner=runner if stage is Stage.RUNNING else None,
    )
    write_json_atomic(reports / report_id / STATUS_FILE, record.to_json())
    return report_id


def test_a_report_whose_runner_died_reads_failed_through_the_api(app, reports: Path):
    dead = gone_process()
    running = write_running(reports, dead)
    queued = write_running(reports, dead, Stage.QUEUED)
    alive = write_running(reports, process_identity())  # this process runs it: still Running
    json = {"Accept": "application/json"}
    answer = in_process(app, "GET", "/get_report", params={"report_id": running}, headers=json)
    assert answer.json()["status"] == "Failed"
    assert answer.json()["error"] == (
        f"the report process (pid {dead.pid}) ended before it finished: it was killed or the "
        "machine restarted"
    )
    answer = in_process(app, "GET", "/get_report", params={"report_id": queued}, headers=json)
    assert answer.json()["error"] == (
        "the server that queued this report stopped before the report could start"
    )
    listed = {
        r["report_id"]: r["status"] for r in in_process(app, "GET", "/reports").json()["reports"]
    }
    assert listed == {running: "Failed", queued: "Failed", alive: "Running"}
    on_disk = JobRecord.model_validate_json((reports / running / STATUS_FILE).read_text())
    assert on_disk.status is ReportState.FAILED and on_disk.stage is Stage.DONE  # recorded


# --------------------------------------------------------------------------- a real server


def raw(port: int, method: str, path: str, headers: dict[str, str]) -> http.client.HTTPResponse:
    """One request with exactly these headers (``Host`` included), as a browser would send it."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
    for name, value in headers.items():
        connection.putheader(name, value)
    connection.endheaders()
    answer = connection.getresponse()
    answer.body = answer.read()
    connection.close()
    return answer


def test_rebinding_and_cross_site_requests_on_a_real_server(reports: Path):
    app = create_app(SOURCE, reports, hostnames=(LISTED,), kernel_pool=0, workers=1, token="")
    with running_server(app) as url:
        port = int(url.rsplit(":", 1)[1])
        own = f"127.0.0.1:{port}"
        rebound = raw(port, "GET", "/reports", {"Host": f"attacker.example:{port}"})
        assert rebound.status == 403 and b"does not answer to the host" in rebound.body
        for host in (own, f"localhost:{port}", f"{LISTED}:{port}"):
            assert raw(port, "GET", "/reports", {"Host": host}).status == 200, host
        # a script on another site posting without a body, and a DNS-rebinding page's own post
        for headers in (
            {"Host": own, "Origin": "http://attacker.example"},
            {"Host": f"attacker.example:{port}", "Origin": f"http://attacker.example:{port}"},
        ):
            refused = raw(port, "POST", "/trigger_report", {**headers, "Content-Length": "0"})
            assert refused.status == 403, headers
        # the API's own page passes the check (and is then told what is wrong with its request)
        same = {"Host": own, "Origin": f"http://{own}", "Content-Length": "0"}
        assert raw(port, "POST", "/trigger_report?method=mean", same).status == 422
        head = raw(port, "HEAD", "/reports", {"Host": own})
        assert head.status == 200 and head.body == b"" and head.getheader("content-length")
    assert report_folders(reports) == []
