"""API edges (issue 10, item 11), each against a real server on 127.0.0.1.

as_of is an ISO instant or nothing; the same instant spelled twice is one; echoed values and
request sizes are capped; /docs and /redoc fetch nothing from other hosts; a token is printable
ASCII and a non-ASCII header never crashes the check; GET /reports reads the index, not every
folder (counted with an audit hook on ``open``).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import sys
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest
from live_servers import api_server

from storemon.errors import StoremonError
from storemon.jobs import JobRecord, Parameters, ReportState, Stage, process_identity
from storemon.jobs.index import INDEX_FILE
from storemon.service.app import create_app

FIFTY_MB = 50 * 1024 * 1024
BASE = datetime(2026, 1, 1)


@pytest.fixture(scope="module")
def api(database: Path, tmp_path_factory: pytest.TempPathFactory):
    with api_server(database, tmp_path_factory.mktemp("reports")) as url:
        with httpx.Client(base_url=url, timeout=60) as client:
            yield client


@pytest.mark.parametrize("word", ["now", "today", "NOW", "2024-11-05", "tomorrow 12:00"])
def test_as_of_words_and_bare_dates_are_refused(api: httpx.Client, word: str):
    for request in ({"params": {"as_of": word}}, {"json": {"as_of": word}}):
        response = api.post("/trigger_report", **request)
        assert response.status_code == 422, (request, response.text)
        assert "is not a valid instant" in response.json()["detail"]
        assert "date and a time" in response.json()["detail"]


@pytest.mark.parametrize("as_of", ["0001-01-03T00:00:00Z", "1999-12-31T23:59:59+00:00"])
def test_as_of_before_any_poll_is_refused(api: httpx.Client, as_of: str):
    before = api.get("/reports").json()["reports"]
    for request in ({"params": {"as_of": as_of}}, {"json": {"as_of": as_of}}):
        response = api.post("/trigger_report", **request)
        assert response.status_code == 422, (request, response.text)
        assert "is before 2000-01-01: no poll is that old" in response.json()["detail"]
    assert api.get("/reports").json()["reports"] == before  # nothing was queued


def test_same_instant_spelled_differently_is_given_once(api: httpx.Client):
    response = api.post(
        "/trigger_report",
        params={"as_of": "2024-11-05T12:00:00+00:00"},
        json={"as_of": "2024-11-05T12:00:00Z"},
    )
    assert response.status_code == 202, response.text
    record = api.get(
        "/get_report",
        params={"report_id": response.json()["report_id"]},
        headers={"Accept": "application/json"},
    ).json()
    assert record["as_of"] == "2024-11-05T12:00:00Z"
    # two different instants are still refused
    response = api.post(
        "/trigger_report",
        params={"as_of": "2024-11-05T12:00:00+01:00"},
        json={"as_of": "2024-11-05T12:00:00Z"},
    )
    assert response.status_code == 400
    assert "given twice" in response.json()["detail"]


def test_echoed_values_are_capped(api: httpx.Client):
    long_value = "x" * 10_000  # under the body cap: refused for what it is, shown cut
    response = api.post("/trigger_report", json={"as_of": long_value})
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert len(detail) < 300 and "10,000 characters" in detail
    response = api.post("/trigger_report", json={"y" * 5000: 1})
    assert response.status_code == 422 and len(response.json()["detail"]) < 300


def test_a_huge_body_is_refused_whole(api: httpx.Client):
    body = json.dumps({"as_of": "x" * FIFTY_MB})
    response = api.post(
        "/trigger_report", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert len(response.content) < 300
    assert "larger than 65,536 bytes" in response.json()["detail"]


def test_a_huge_body_without_length_is_refused(api: httpx.Client):
    def chunks():
        for _ in range(64):
            yield b"x" * 4096

    response = api.post(
        "/trigger_report", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert "larger than" in response.json()["detail"]


def test_a_huge_query_is_refused(api: httpx.Client):
    response = api.post("/trigger_report", params={"as_of": "x" * 9000})
    assert response.status_code == 414
    assert "query string" in response.json()["detail"] and len(response.content) < 300


@pytest.mark.parametrize(
    "token",
    ["s3cret", "pässwörd-long-enough-1234", "with space in it 1234", "tab\tin-the-token-1234"],
)
def test_tokens_that_cannot_be_sent_are_refused_at_start(tmp_path: Path, token: str):
    with pytest.raises(StoremonError, match="printable ASCII") as error:
        create_app(tmp_path, tmp_path / "reports", token=token)
    assert token not in str(error.value)


@pytest.mark.slow
def test_non_ascii_header_is_refused_not_crashed(database: Path, tmp_path: Path):
    token = "A-good-token-0123456789"
    with api_server(database, tmp_path / "reports", token=token) as url:
        host, port = url.removeprefix("http://").split(":")
        for value in (b"Bearer " + "é".encode() * 8, b"Bearer \xe9\xff"):
            with socket.create_connection((host, int(port)), timeout=30) as sock:
                sock.sendall(
                    f"GET /reports HTTP/1.1\r\nHost: {host}:{port}\r\n".encode()
                    + b"Connection: close\r\nAuthorization: "
                    + value
                    + b"\r\n\r\n"
                )
                answer = b""
                while chunk := sock.recv(65536):
                    answer += chunk
            assert answer.startswith(b"HTTP/1.1 401"), answer[:200]
        good = httpx.get(f"{url}/reports", headers={"Authorization": f"Bearer {token}"})
        assert good.status_code == 200


# --- GET /reports from the index: files read, counted -------------------------------------

_opened: list[str] = []
_counting: list[Path] = []


def _audit(event: str, args: tuple) -> None:
    if event == "open" and _counting and isinstance(args[0], (str, bytes, os.PathLike)):
        path = os.fsdecode(args[0])
        if path.startswith(str(_counting[0])):
            _opened.append(path)


sys.addaudithook(_audit)


def _fabricate(reports: Path, count: int, running: set[int], first: int = 0) -> list[JobRecord]:
    """Write ``count`` report folders directly (as an older storemon would: no index)."""
    records = []
    for n in range(first, first + count):
        record = JobRecord(
            report_id=f"{n:08x}-0000-4000-8000-000000000000",
            status=ReportState.RUNNING if n in running else ReportState.COMPLETE,
            stage=Stage.RUNNING if n in running else Stage.DONE,
            parameters=Parameters(source="x.duckdb"),
            created=(BASE + timedelta(seconds=n)).isoformat(timespec="milliseconds") + "Z",
            started="2026-01-01T00:00:00.000Z",
            finished=None if n in running else "2026-01-02T00:00:00.000Z",
            runner=process_identity() if n in running else None,
        )
        (reports / record.report_id).mkdir(parents=True)
        (reports / record.report_id / "status.json").write_text(json.dumps(record.to_json()))
        records.append(record)
    return records


def _listed(client: httpx.Client, reports: Path, limit: int) -> tuple[list[str], list[str]]:
    _opened.clear()
    _counting[:] = [reports]
    try:
        body = client.get("/reports", params={"limit": limit}).json()
    finally:
        _counting.clear()
    # a file opened is counted once (an open can raise the audit event at two levels)
    return [r["report_id"] for r in body["reports"]], sorted(set(_opened))


@pytest.mark.slow
def test_recent_reports_come_from_the_index(database: Path, tmp_path: Path):
    reports = tmp_path / "reports"
    records = _fabricate(reports, 5000, running={4998})
    newest = lambda: sorted(  # noqa: E731 - the brute-force answer, from the folders
        (p.name for p in reports.iterdir() if p.name.endswith("0000")),
        key=lambda i: json.loads((reports / i / "status.json").read_text())["created"],
        reverse=True,
    )
    with api_server(database, reports) as url, httpx.Client(base_url=url, timeout=60) as api:
        first, opened_first = _listed(api, reports, 20)
        assert first == newest()[:20]
        assert len(opened_first) >= 5000  # the index was built from every folder, once
        again, opened = _listed(api, reports, 20)
        assert again == first
        # only the one Running report among the listed is read again (record and progress)
        assert {Path(p).parent.name for p in opened} == {records[4998].report_id}
        assert len(opened) <= 2
        # stale index: a folder removed and one added behind its back
        shutil.rmtree(reports / records[4999].report_id)
        (extra,) = _fabricate(reports, 1, running=set(), first=6000)
        after, opened = _listed(api, reports, 20)
        assert after == newest()[:20]
        assert after[0] == extra.report_id and records[4999].report_id not in after
        assert len(opened) <= 3  # the new folder's record; the Running one's record, progress
        # a damaged index file is rebuilt
        (reports / INDEX_FILE).write_bytes(b"not a database" * 100)
        for suffix in ("-wal", "-shm"):
            Path(f"{reports / INDEX_FILE}{suffix}").unlink(missing_ok=True)
        rebuilt, _ = _listed(api, reports, 20)
        assert rebuilt == newest()[:20]


# --- /docs and /redoc offline ----------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize(
    ("page", "shows"), [("/docs", ".swagger-ui .info"), ("/redoc", ".redoc-wrap")]
)
def test_docs_pages_fetch_nothing_from_other_hosts(api: httpx.Client, page: str, shows: str):
    from browser_kit import CHROMIUM, CHROMIUM_ARGS

    playwright_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip("no chromium")
    base = str(api.base_url).rstrip("/")
    requested: list[str] = []
    fetched: list[str] = []
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context()
            context.on("request", lambda request: requested.append(request.url))
            # what left the browser and was answered (a request the page's policy blocks fails)
            context.on("requestfinished", lambda request: fetched.append(request.url))
            browser_page = context.new_page()
            browser_page.goto(base + page, wait_until="networkidle")
            browser_page.wait_for_selector(shows, timeout=30_000)
            assert "storemon" in browser_page.inner_text("body")
        finally:
            browser.close()
    # nothing asked for elsewhere, not even ReDoc's footer logo (this server gives it)
    assert set(requested) == set(fetched), set(requested) - set(fetched)
    local = [url for url in fetched if not url.startswith("blob:")]
    assert local and all(url.startswith(base + "/") for url in local), fetched
    assert any("/docs-assets/" in url for url in requested)


# --- the OpenAPI page: its home, its examples ---------------------------------------------


def test_home_leads_to_the_docs(api: httpx.Client):
    response = api.get("/", follow_redirects=False)
    assert response.status_code == 307 and response.headers["location"] == "/docs"
    assert api.get("/", follow_redirects=True).url.path == "/docs"


def test_each_error_status_shows_its_own_examples_as_the_server_words_them(
    api: httpx.Client, database: Path, tmp_path: Path
):
    from storemon.jobs.manager import DEFAULT_MAX_QUEUE
    from storemon.service.models import ERROR_EXAMPLES, EXAMPLE_ID

    document = api.get("/openapi.json").json()
    shown = 0
    for operations in document["paths"].values():
        for operation in operations.values():
            for status, answer in operation["responses"].items():
                if int(status) < 400:
                    continue
                examples = answer["content"]["application/json"]["examples"]
                details = {example["value"]["detail"] for example in examples.values()}
                assert details == set(ERROR_EXAMPLES[int(status)].values()), status
                shown += 1
    assert shown >= 20
    # what the server answers, word for word
    said = {
        400: api.get("/get_report", params={"report_id": "../etc/passwd"}),
        404: api.get("/get_report", params={"report_id": EXAMPLE_ID}),
        422: api.post("/trigger_report", params={"as_of": "yesterday"}),
    }
    for status, response in said.items():
        assert response.status_code == status
        assert response.json()["detail"] in ERROR_EXAMPLES[status].values()
    more_422 = [api.post("/trigger_report", params={"method": "mean"}), api.get("/get_report")]
    assert {r.json()["detail"] for r in more_422} < set(ERROR_EXAMPLES[422].values())
    running = api.post("/trigger_report").json()["report_id"]
    not_complete = api.get(f"/reports/{running}/report.csv").json()["detail"]
    assert not_complete.replace(running, EXAMPLE_ID) in ERROR_EXAMPLES[409].values()
    with api_server(database, tmp_path / "reports", token="s3cret-token-of-16") as url:
        refused = httpx.post(f"{url}/trigger_report").json()["detail"]
    assert refused in ERROR_EXAMPLES[401].values()
    full = create_app(database, tmp_path / "full", max_queue=DEFAULT_MAX_QUEUE).state.jobs
    full._waiting.extend(["x"] * DEFAULT_MAX_QUEUE)  # a queue that is full
    full._threads = ["a worker"]
    with pytest.raises(StoremonError) as refusal:
        full.submit(None, "nearest")
    assert str(refusal.value) in ERROR_EXAMPLES[429].values()
