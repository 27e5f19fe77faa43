"""The HTTP API on a real uvicorn server on 127.0.0.1, with real report jobs behind it."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from jobkit import alive, children
from live_servers import free_port, running_server, wait_for
from schemathesis.checks import not_a_server_error

from storemon import jobs
from storemon.files import write_json_atomic
from storemon.jobs.records import ReportView
from storemon.service.app import create_app

# Real reports (papermill) and extra servers take more than a couple of seconds.
slow = pytest.mark.slow

UNKNOWN = "0b7c5f0e-2f4e-4c4a-9d1e-6a1f0c2b3d4e"


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("reports")


@pytest.fixture(scope="module")
def base_url(database: Path, reports: Path):
    with running_server(create_app(database, reports, workers=2, max_queue=40)) as url:
        yield url


@pytest.fixture
def client(base_url: str):
    with httpx.Client(base_url=base_url, timeout=30) as session:
        yield session


def poll(client: httpx.Client, report_id: str, timeout: float = 180) -> dict:
    """GET /get_report as JSON until the report is no longer Running (and its HTML is there)."""

    def finished():
        body = client.get(
            "/get_report", params={"report_id": report_id}, headers={"Accept": "application/json"}
        ).json()
        # issue 8: a Complete report's HTML copy follows it (html_ready); status.json changes then
        return body["status"] != "Running" and body.get("html_ready") is not False and body

    return wait_for(finished, timeout, f"report {report_id}", every=0.5)


def report_folders(reports: Path) -> set[str]:
    return {p.name for p in reports.iterdir()}


@slow
def test_twenty_concurrent_triggers(
    client: httpx.Client, base_url: str, reports: Path, expected: bytes
) -> None:
    started = time.monotonic()
    with ThreadPoolExecutor(20) as pool:
        responses = list(
            pool.map(lambda _: httpx.post(f"{base_url}/trigger_report", timeout=30), range(20))
        )
    assert [r.status_code for r in responses] == [202] * 20
    ids = [r.json()["report_id"] for r in responses]
    assert len(set(ids)) == 20 and all(uuid.UUID(i).version == 4 for i in ids)
    assert responses[0].headers["location"].endswith(f"/get_report?report_id={ids[0]}")

    finals = [poll(client, report_id, timeout=400) for report_id in ids]
    wall = time.monotonic() - started
    print(f"\n20 concurrent reports complete in {wall:.1f} s")
    assert [f["status"] for f in finals] == ["Complete"] * 20, [f.get("error") for f in finals]
    bodies = set()
    for report_id in ids:
        response = client.get("/get_report", params={"report_id": report_id})
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/csv")
        assert response.headers["x-report-status"] == "Complete"
        assert response.headers["content-disposition"] == (
            f'attachment; filename="report-{report_id}.csv"'
        )
        bodies.add(response.content)
    assert bodies == {expected}  # identical, and byte for byte the engine's report

    # JSON for clients that ask for it, with a working csv_url and html_url
    body = client.get(
        "/get_report", params={"report_id": ids[0]}, headers={"Accept": "application/json"}
    ).json()
    assert body["stores"] == len(expected.splitlines()) - 1
    assert body["now"] and body["method"] == "nearest" and body["as_of"] is None
    assert client.get(body["csv_url"]).content == expected
    html = client.get(body["html_url"])
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in html.headers["content-security-policy"]
    assert "Needs attention" in html.text and "reading." not in html.text  # no code
    assert "Fleet uptime, last week" in html.text  # the headline, as the dashboard shows it

    listed = client.get("/reports", params={"limit": 50}).json()["reports"]
    assert {r["report_id"] for r in listed} >= set(ids)
    created = [r["created"] for r in listed]
    assert created == sorted(created, reverse=True)


@slow
def test_running_report_reads_running(client: httpx.Client) -> None:
    report_id = client.post("/trigger_report", json={"method": "carry_forward"}).json()[
        "report_id"
    ]
    response = client.get("/get_report", params={"report_id": report_id})
    assert response.status_code == 200
    body = response.json()
    assert body["report_id"] == report_id and body["status"] == "Running"
    assert body["stage"] in ("queued", "running")
    assert response.headers["x-report-status"] == "Running"
    assert poll(client, report_id)["status"] == "Complete"


@slow
def test_failed_report_gives_its_reason(client: httpx.Client) -> None:
    report_id = client.post("/trigger_report", params={"as_of": "2001-01-01T00:00:00Z"}).json()[
        "report_id"
    ]
    body = poll(client, report_id)
    assert body["status"] == "Failed"
    assert body["error"].startswith("no store has a poll at or before 2001-01-01")
    response = client.get("/get_report", params={"report_id": report_id})
    assert response.status_code == 200 and response.json()["status"] == "Failed"
    assert response.headers["x-report-status"] == "Failed"
    assert client.get(f"/reports/{report_id}/report.csv").status_code == 409


def test_unknown_and_malformed_ids(client: httpx.Client, reports: Path) -> None:
    around, inside = set(reports.parent.iterdir()), report_folders(reports)
    missing = client.get("/get_report", params={"report_id": UNKNOWN})
    assert missing.status_code == 404
    assert missing.json() == {"detail": f"there is no report {UNKNOWN}"}
    malformed = [
        "abc",
        "../status.json",
        "../../../../etc/passwd",
        "/etc/passwd",
        f"{UNKNOWN}/../../x",
        str(uuid.uuid1()),  # a UUID, but not a report id (version 1)
        UNKNOWN.upper(),
        "{" + UNKNOWN + "}",
        UNKNOWN.replace("-", ""),
        "",
    ]
    for bad in malformed:
        response = client.get("/get_report", params={"report_id": bad})
        assert response.status_code == 400, bad
        assert "is not a report id" in response.json()["detail"]
    # percent-encoded traversal, sent as is
    for raw in ("..%2F..%2Fetc%2Fpasswd", "%2e%2e%2f%2e%2e%2fetc%2fpasswd", "%2Fetc%2Fpasswd"):
        response = client.get(f"/get_report?report_id={raw}")
        assert response.status_code == 400, raw
        assert "root:" not in response.text
    for path in (
        "/reports/..%2F..%2Fetc%2Fpasswd/report.csv",
        "/reports/%2e%2e/report.csv",
        "/reports/abc/report.csv",
        f"/reports/{UNKNOWN}/report.html",
    ):
        response = client.get(path)
        assert response.status_code in (400, 404), path
        assert isinstance(response.json()["detail"], str) and "root:" not in response.text
    # nothing was created or removed next to the reports folder or inside it
    assert set(reports.parent.iterdir()) == around and report_folders(reports) == inside


def test_wrong_methods_and_parameters(client: httpx.Client, reports: Path) -> None:
    before = report_folders(reports)
    assert client.get("/trigger_report").status_code == 405
    assert client.post("/get_report", params={"report_id": UNKNOWN}).status_code == 405
    assert client.delete("/reports").status_code == 405
    checks = [
        ({"params": {"method": "mean"}}, "method"),
        ({"json": {"method": "mean"}}, "method"),
        ({"json": {"method": 3}}, "method"),
        ({"json": {"as_of": "next tuesday"}}, "not a valid instant"),
        ({"params": {"as_of": "2024-13-45"}}, "not a valid instant"),
        ({"json": {"colour": "red"}}, "colour"),
        ({"content": b"{not json", "headers": {"content-type": "application/json"}}, "JSON"),
    ]
    for request, words in checks:
        response = client.post("/trigger_report", **request)
        assert response.status_code == 422, request
        detail = response.json()["detail"]
        assert isinstance(detail, str) and words in detail, detail
    conflict = client.post(
        "/trigger_report", params={"method": "nearest"}, json={"method": "carry_forward"}
    )
    assert conflict.status_code == 400 and "twice" in conflict.json()["detail"]
    missing = client.get("/get_report")
    assert missing.status_code == 422 and "report_id" in missing.json()["detail"]
    assert client.get("/reports", params={"limit": 0}).status_code == 422
    assert report_folders(reports) == before  # nothing was queued


@pytest.mark.slow
def test_token_is_required_when_set(
    database: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STOREMON_API_TOKEN", "s3cret-token-0123456")
    with running_server(create_app(database, tmp_path / "reports")) as url:
        for headers in (
            {},
            {"Authorization": "Bearer wrong"},
            {"Authorization": "Bearer s3cret-token-0123456-and-more"},
            {"Authorization": "Basic czNjcmV0LXRva2Vu"},
            {"Authorization": "s3cret-token-0123456"},
        ):
            for method, path in (
                ("POST", "/trigger_report"),
                ("GET", f"/get_report?report_id={UNKNOWN}"),
                ("GET", "/reports"),
                ("GET", f"/reports/{UNKNOWN}/report.csv"),
            ):
                response = httpx.request(method, url + path, headers=headers)
                assert response.status_code == 401, (headers, path)
                assert response.headers["www-authenticate"] == "Bearer"
                assert "token" in response.json()["detail"]
        good = {"Authorization": "Bearer s3cret-token-0123456"}
        assert httpx.get(f"{url}/reports", headers=good).json() == {"reports": []}
        response = httpx.get(f"{url}/get_report", params={"report_id": UNKNOWN}, headers=good)
        assert response.status_code == 404
        assert httpx.get(f"{url}/get_report?report_id=..%2F", headers=good).status_code == 400
    assert not (tmp_path / "reports").exists() or not any((tmp_path / "reports").iterdir())


@slow
def test_restarted_server_serves_old_reports(database: Path, expected: bytes, tmp_path: Path):
    reports = tmp_path / "reports"
    with running_server(create_app(database, reports, workers=1)) as url:
        with httpx.Client(base_url=url, timeout=30) as client:
            done = client.post("/trigger_report").json()["report_id"]
            assert poll(client, done)["status"] == "Complete"
            cut = [client.post("/trigger_report").json()["report_id"] for _ in range(2)]
            wait_for(
                lambda: (
                    json.loads((reports / cut[0] / "status.json").read_text())["stage"]
                    == "running"
                ),
                60,
                "the report to start",
            )
    # stopped with one report running and one waiting; a new server on the same folder:
    with running_server(create_app(database, reports, workers=1)) as url:
        with httpx.Client(base_url=url, timeout=30) as client:
            assert client.get("/get_report", params={"report_id": done}).content == expected
            for report_id in cut:
                response = client.get("/get_report", params={"report_id": report_id})
                if response.headers["content-type"].startswith("text/csv"):
                    # Complete is published with the CSV, which may have come before the stop;
                    # only the running report can have got that far, and then its CSV is whole
                    assert report_id == cut[0] and response.content == expected
                else:
                    body = response.json()
                    assert body["status"] == "Failed" and body["error"] == jobs.STOPPED
            listed = [r["report_id"] for r in client.get("/reports").json()["reports"]]
            assert listed == [*reversed(cut), done]


@slow
def test_sigterm_stops_serve_and_its_jobs(database: Path, tmp_path: Path) -> None:
    reports, port = tmp_path / "reports", free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from storemon.service.serve import serve; "
            "serve(port=int(sys.argv[1]), source=sys.argv[2], reports_dir=sys.argv[3])",
            str(port),
            str(database),
            str(reports),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        url = f"http://127.0.0.1:{port}"

        def up():
            try:
                return httpx.get(f"{url}/reports").status_code == 200
            except httpx.TransportError:
                return False

        wait_for(up, 60, "storemon serve to answer")
        ids = [httpx.post(f"{url}/trigger_report").json()["report_id"] for _ in range(3)]
        runner = wait_for(
            lambda: json.loads((reports / ids[0] / "status.json").read_text())["runner"],
            60,
            "a report to start",
        )["pid"]
        kernels = wait_for(lambda: children(runner), 60, "its kernel")
        runners = children(server.pid)
        # two computing and a spare; the other spares start once a report has its outcome
        assert len(runners) in (3, 2 + jobs.SPARE_RUNNERS)

        server.send_signal(signal.SIGTERM)
        output, _ = server.communicate(timeout=60)
    finally:
        if server.poll() is None:
            server.kill()
    assert "Application shutdown complete" in output
    assert "Traceback" not in output, output
    statuses = [jobs.read_status(reports, report_id) for report_id in ids]
    assert not any(s.running for s in statuses)
    # a running report is stopped, unless it published its CSV (Complete) before the signal
    assert all(s.error == jobs.STOPPED or s.status is jobs.ReportState.COMPLETE for s in statuses)
    assert statuses[2].error == jobs.STOPPED  # it was waiting for a worker
    assert wait_for(lambda: not any(map(alive, runners + kernels)), 10, "no orphan processes")


def snapshot(paths: list[Path]) -> list[tuple[bytes, int, int]]:
    """What would change if a file were written: its bytes, mtime and inode (atomic writes)."""
    return [(p.read_bytes(), p.stat().st_mtime_ns, p.stat().st_ino) for p in paths]


def fabricate(reports: Path, database: Path, **changes) -> str:
    """A Running job record outside the server's queue (no worker will touch it)."""
    record = jobs.create_job(reports, database).model_copy(update=changes)
    write_json_atomic(reports / record.report_id / jobs.STATUS_FILE, record.to_json())
    return record.report_id


@slow
def test_reads_never_write_a_record(database: Path, tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    with running_server(create_app(database, reports, workers=1)) as url:
        with httpx.Client(base_url=url, timeout=30) as client:
            complete = client.post("/trigger_report").json()["report_id"]
            assert poll(client, complete)["status"] == "Complete"
            me = jobs.process_identity()  # the server runs in this process
            queued = fabricate(reports, database)
            running = fabricate(
                reports, database, stage=jobs.Stage.RUNNING, started=jobs.utc_now(), runner=me
            )
            # a queued report whose server is gone: the first read records it Failed, once
            orphan = fabricate(
                reports, database, owner=me.model_copy(update={"start": me.start + 1})
            )
            first = client.get("/get_report", params={"report_id": orphan}).json()
            assert first["status"] == "Failed" and "stopped before" in first["error"]
            ids = [complete, queued, running, orphan]
            paths = [reports / report_id / jobs.STATUS_FILE for report_id in ids]
            before = snapshot(paths)
            for _ in range(3):
                time.sleep(0.05)  # a write now would get a later mtime
                for report_id in ids:
                    for accept in ("application/json", "text/csv", "*/*"):
                        response = client.get(
                            "/get_report",
                            params={"report_id": report_id},
                            headers={"Accept": accept},
                        )
                        assert response.status_code == 200
                    for output in ("report.csv", "report.html"):
                        response = client.get(f"/reports/{report_id}/{output}")
                        assert response.status_code == (200 if report_id == complete else 409)
                assert client.get("/reports").status_code == 200
            assert snapshot(paths) == before
            states = {
                r["report_id"]: r["status"] for r in client.get("/reports").json()["reports"]
            }
            assert states == {
                complete: "Complete",
                queued: "Running",
                running: "Running",
                orphan: "Failed",
            }


def test_api_process_imports_no_dashboard() -> None:
    code = (
        "import sys, storemon.service.serve, storemon.service.app; "
        "print(' '.join(m for m in sys.argv[1:] if m in sys.modules))"
    )
    heavy = ["ipywidgets", "matplotlib", "storemon.dashboard", "storemon.analysis"]
    # storemon.service.routes is imported: it shows that the check reports what it finds
    result = subprocess.run(
        [sys.executable, "-c", code, "storemon.service.routes", *heavy],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.split() == ["storemon.service.routes"]


# --- schemathesis: the OpenAPI document, fuzzed; no request may get a 5xx --------------------


@pytest.fixture(scope="module")
def fuzzed_url(database: Path, tmp_path_factory: pytest.TempPathFactory):
    reports = tmp_path_factory.mktemp("fuzzed")
    # one worker and a short queue: most generated triggers are politely refused (429)
    with running_server(create_app(database, reports, workers=1, max_queue=2)) as url:
        yield url


@slow
def test_openapi_fuzz_has_no_server_errors(fuzzed_url: str) -> None:
    schema = schemathesis.openapi.from_url(f"{fuzzed_url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 10
    seen: dict[str, set[int]] = {}
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=30,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def fuzz(case) -> None:
            response = case.call_and_validate(checks=[not_a_server_error])
            seen.setdefault(case.operation.label, set()).add(response.status_code)

        fuzz()
    assert all(code < 500 for codes in seen.values() for code in codes), seen
    assert len(seen) == 10


def test_openapi_documents_the_endpoints(base_url: str) -> None:
    document = httpx.get(f"{base_url}/openapi.json").json()
    assert set(document["paths"]) == {
        "/trigger_report",
        "/get_report",
        "/reports",
        "/reports/{report_id}/report.csv",
        "/reports/{report_id}/report.html",
        "/data",
        "/reports/{report_id}/stores/{store_id}",
        "/reports/{report_id}/trend",
        "/reports/{report_id}/summary",
        "/reports/{report_id}/zones.csv",
    }
    responses = document["paths"]["/get_report"]["get"]["responses"]
    assert {"200", "400", "404"} <= set(responses)
    # the record's schema is the one the JSON answer points to, with every field of the view
    name = responses["200"]["content"]["application/json"]["schema"]["$ref"].split("/")[-1]
    schema = document["components"]["schemas"][name]
    assert set(schema["properties"]) == set(ReportView.model_fields)
    # this server has no token: it documents no bearer scheme and asks for none
    assert "securitySchemes" not in document["components"]
    assert httpx.get(f"{base_url}/reports").status_code == 200
