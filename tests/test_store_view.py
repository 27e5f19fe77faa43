"""A store's view from the report itself: GET /reports/{id}/stores/{store} on a real server.

Every store's six numbers must be its CSV row, and the spans the view lists must give those
numbers again when recomputed here in plain Python (integer nanoseconds, half-up rounding), with
no DuckDB involved. The view is the report's snapshot: a later ingest does not change it.
"""

from __future__ import annotations

import csv
import io
import uuid
from pathlib import Path
from urllib.parse import quote

import httpx
import pandas as pd
import pytest
from jobkit import add_export, make_database
from live_servers import api_server, running_server, wait_for

from storemon.jobs.store_view import StoreView
from storemon.service.app import create_app

slow = pytest.mark.slow
HOUR_NS = 3_600_000_000_000
WINDOWS = {"hour": (HOUR_NS, 600_000_000), "day": (24 * HOUR_NS, 36_000_000_000)}
WINDOWS["week"] = (7 * 24 * HOUR_NS, 36_000_000_000)  # unit: a hundredth of a minute / an hour


def ns(text: str) -> int:
    """An ISO instant of the API as integer nanoseconds since the epoch (exactly)."""
    return pd.Timestamp(text).value


def spans_ns(spans: list[dict]) -> list[tuple[int, int, str | None]]:
    return [(ns(s["start"]), ns(s["end"]), s.get("status")) for s in spans]


def overlap(spans: list[tuple[int, int, str | None]], lo: int, hi: int) -> int:
    return sum(max(0, min(b, hi) - max(a, lo)) for a, b, _ in spans)


def hundredths(value_ns: int, unit_ns: int) -> str:
    """Half-up to hundredths of the unit, as the CSV writes it (docs/report.md)."""
    h = (value_ns + unit_ns // 2) // unit_ns
    return f"{h // 100}.{h % 100:02d}"


def intersect(business: list, status: list) -> list[tuple[int, int, str | None]]:
    pieces = []
    for b_lo, b_hi, _ in business:
        for s_lo, s_hi, word in status:
            lo, hi = max(b_lo, s_lo), min(b_hi, s_hi)
            if lo < hi:
                pieces.append((lo, hi, word))
    return sorted(pieces)


def recompute(view: dict) -> dict[str, str]:
    """The six numbers from the view's lists alone, independently of the engine."""
    now = ns(view["now"])
    business = spans_ns(view["business"])
    counted = spans_ns(view["counted"])
    down_spans = [s for s in counted if s[2] == "inactive"]
    up_spans = [s for s in counted if s[2] == "active"]
    numbers = {}
    for window, (length, unit) in WINDOWS.items():
        total = overlap(business, now - length, now)
        down = overlap(down_spans, now - length, now)
        # counted covers business time exactly: up is what is not down.
        assert overlap(up_spans, now - length, now) == total - down
        numbers[f"uptime_last_{window}"] = hundredths(total - down, unit)
        numbers[f"downtime_last_{window}"] = hundredths(down, unit)
    return numbers


def check_shape(view: dict) -> None:
    """The lists' own rules: ordered, inside the window, status covering it, counted = both."""
    lo, hi = ns(view["week_start"]), ns(view["now"])
    assert hi - lo == 7 * 24 * HOUR_NS
    status = spans_ns(view["status"])
    assert status[0][0] == lo and status[-1][1] == hi
    assert all(a[1] == b[0] and a[2] != b[2] for a, b in zip(status, status[1:], strict=False))
    business = spans_ns(view["business"])
    assert all(lo <= a < b <= hi for a, b, _ in business)
    assert all(a[1] <= b[0] for a, b in zip(business, business[1:], strict=False))
    assert spans_ns(view["counted"]) == intersect(business, status)
    times = [ns(p["time"]) for p in view["polls"]]
    assert times == sorted(times) and all(lo <= t <= hi for t in times)
    if any(p["in_hours"] for p in view["polls"]):
        assert all(p["observed"] == p["in_hours"] for p in view["polls"])


def complete(client: httpx.Client, report_id: str) -> str:
    """Wait for a report to complete; return its CSV text."""

    def done():
        answer = client.get("/get_report", params={"report_id": report_id})
        return answer if answer.headers["x-report-status"] != "Running" else None

    answer = wait_for(done, 180, f"report {report_id}", every=0.3)
    assert answer.headers["x-report-status"] == "Complete", answer.text
    return answer.text


def trigger(client: httpx.Client, **params: str) -> str:
    answer = client.post("/trigger_report", params=params)
    assert answer.status_code == 202, answer.text
    return answer.json()["report_id"]


@pytest.fixture(scope="module")
def server(database: Path, tmp_path_factory: pytest.TempPathFactory):
    with running_server(create_app(database, tmp_path_factory.mktemp("reports"))) as url:
        with httpx.Client(base_url=url, timeout=60) as client:
            yield client


@slow
@pytest.mark.parametrize("method", ["nearest", "carry_forward"])
def test_every_store_view_is_its_csv_row_and_its_spans_give_it(server: httpx.Client, method):
    report_id = trigger(server, method=method)
    rows = list(csv.DictReader(io.StringIO(complete(server, report_id))))
    assert len(rows) > 30
    inactive_seen = False
    for row in rows:
        answer = server.get(f"/reports/{report_id}/stores/{row['store_id']}")
        assert answer.status_code == 200, answer.text
        view = answer.json()
        StoreView.model_validate(view)
        assert (view["report_id"], view["store_id"], view["method"]) == (
            report_id,
            row["store_id"],
            method,
        )
        numbers = {name: f"{view[name]:.2f}" for name in row if name != "store_id"}
        assert numbers == {name: value for name, value in row.items() if name != "store_id"}
        assert recompute(view) == numbers, row["store_id"]
        check_shape(view)
        inactive_seen |= any(s["status"] == "inactive" for s in view["counted"])
    assert inactive_seen  # the data has downtime, so the check above had something to check


@slow
def test_unknown_report_or_store_malformed_id_and_running(server: httpx.Client):
    unknown = str(uuid.uuid4())
    answer = server.get(f"/reports/{unknown}/stores/1")
    assert answer.status_code == 404
    assert answer.json() == {"detail": f"there is no report {unknown}"}
    answer = server.get("/reports/not-a-report/stores/1")
    assert answer.status_code == 400 and "is not a report id" in answer.json()["detail"]

    report_id = trigger(server)
    running = server.get(f"/reports/{report_id}/stores/1")
    record = server.get("/get_report", params={"report_id": report_id}).json()
    assert running.status_code == 200 and running.json()["status"] == "Running"
    assert running.headers["x-report-status"] == "Running"
    assert set(running.json()) == set(record)  # the same answer as /get_report
    assert running.json()["report_id"] == report_id

    complete(server, report_id)
    answer = server.get(f"/reports/{report_id}/stores/no-such-store")
    assert answer.status_code == 404
    detail = f"store 'no-such-store' is not in this report ({report_id})"
    assert answer.json() == {"detail": detail}


def test_openapi_documents_the_store_view(server: httpx.Client):
    schema = server.get("/openapi.json").json()
    operation = schema["paths"]["/reports/{report_id}/stores/{store_id}"]["get"]
    answer = operation["responses"]["200"]["content"]["application/json"]["schema"]
    refs = {item["$ref"].rsplit("/", 1)[1] for item in answer["anyOf"]}
    assert refs == {"StoreView", "ReportStatus"}
    assert {"404", "400", "401"} <= set(operation["responses"])
    fields = schema["components"]["schemas"]["StoreView"]["properties"]
    assert {"business", "polls", "status", "counted", "zone", "uptime_last_week"} <= set(fields)


@slow
def test_view_is_the_reports_snapshot_after_an_ingest(tmp_path: Path):
    database = make_database(tmp_path / "data")
    with running_server(create_app(database, tmp_path / "reports")) as url:
        with httpx.Client(base_url=url, timeout=60) as client:
            first = trigger(client)
            stores = [r["store_id"] for r in csv.DictReader(io.StringIO(complete(client, first)))]
            before = {s: client.get(f"/reports/{first}/stores/{s}").json() for s in stores}

            add_export(database, tmp_path)  # a day more of polls, renamed over the file

            after = {s: client.get(f"/reports/{first}/stores/{s}").json() for s in stores}
            assert after == before
            # The new data does change the next report: the check above could fail.
            second = trigger(client)
            complete(client, second)
            fresh = client.get(f"/reports/{second}/stores/{stores[0]}").json()
            assert fresh["now"] != before[stores[0]]["now"]
            assert fresh["polls"] != before[stores[0]]["polls"]


@slow
def test_store_view_needs_the_token(database: Path, tmp_path: Path):
    with api_server(database, tmp_path / "reports", token="s3cret-token-0123456") as url:
        path = f"{url}/reports/{uuid.uuid4()}/stores/1"
        assert httpx.get(path).status_code == 401
        authorised = httpx.get(path, headers={"Authorization": "Bearer s3cret-token-0123456"})
        assert authorised.status_code == 404


# Store ids are opaque strings: a `/`, `%`, `?`, `#`, a space or `..` is part of one.
AWKWARD_IDS = ("chain/042", "east/west/7", "a b?c#d&e=f", "x%2Fy", "..", "plain-1")


def awkward_export(folder: Path) -> Path:
    """Two days of hourly polls of stores whose ids hold URL characters, open 24x7 in UTC."""
    folder.mkdir(parents=True)
    start = pd.Timestamp("2024-10-14T00:00:00Z")
    with open(folder / "store_status.csv", "w", newline="") as out:
        rows = csv.writer(out)
        rows.writerow(["store_id", "timestamp_utc", "status"])
        for n, store in enumerate(AWKWARD_IDS):
            for hour in range(48):
                status = "inactive" if (hour + n) % 5 == 0 else "active"
                rows.writerow([store, (start + pd.Timedelta(hours=hour)).isoformat(), status])
    (folder / "menu_hours.csv").write_text("store_id,dayOfWeek,start_time_local,end_time_local\n")
    with open(folder / "timezones.csv", "w", newline="") as out:
        rows = csv.writer(out)
        rows.writerow(["store_id", "timezone_str"])
        rows.writerows([store, "UTC"] for store in AWKWARD_IDS)
    return folder


def complete_report(source: Path, reports: Path) -> str:
    """A report folder as a finished job leaves it, written by the notebook's own functions."""
    from storemon.analysis.reading import add_data_quality, compute_reading, write_outputs
    from storemon.files import write_json_atomic
    from storemon.jobs import JobRecord, Parameters, ReportState, Stage

    report_id = str(uuid.uuid4())
    reading = add_data_quality(compute_reading(source, out_dir=reports / report_id))
    write_outputs(reading, reports, report_id)
    record = JobRecord(
        report_id=report_id,
        status=ReportState.COMPLETE,
        stage=Stage.DONE,
        parameters=Parameters(source=str(source)),
        started="2026-01-01T00:00:00.000Z",
        finished="2026-01-01T00:00:01.000Z",
        now=reading.now,
        stores=len(reading.report),
    )
    write_json_atomic(reports / report_id / "status.json", record.to_json())
    return report_id


def path_segment(text: str) -> str:
    """A store id as one segment of a path; dots too, or an HTTP client reads `..` as "up"."""
    return quote(text, safe="").replace(".", "%2E")


def test_a_store_id_with_a_slash_is_served(tmp_path: Path):
    from storemon.dashboard.client import ApiClient

    source = awkward_export(tmp_path / "raw")
    reports = tmp_path / "reports"
    report_id = complete_report(source, reports)
    rows = {r["store_id"]: r for r in csv.DictReader(open(reports / report_id / "report.csv"))}
    assert set(rows) == set(AWKWARD_IDS)  # every store is in the report
    app = create_app(source, reports, kernel_pool=0, workers=1)
    with running_server(app) as url, httpx.Client(base_url=url, timeout=60) as client:
        dashboard = ApiClient(url)
        for store in AWKWARD_IDS:
            view = dashboard.store_view(report_id, store)  # the dashboard's own quoting
            assert view.store_id == store
            answer = client.get(f"/reports/{report_id}/stores/{path_segment(store)}")
            assert answer.status_code == 200, (store, answer.text)
            view = answer.json()
            assert view["store_id"] == store and recompute(view) == {
                name: value for name, value in rows[store].items() if name != "store_id"
            }
        # a `/` written as is reaches the same store
        assert client.get(f"/reports/{report_id}/stores/chain/042").json()["store_id"] == (
            "chain/042"
        )
        missing = client.get(f"/reports/{report_id}/stores/chain/043")
        assert missing.status_code == 404
        assert missing.json() == {
            "detail": f"store 'chain/043' is not in this report ({report_id})"
        }


@slow
def test_a_real_report_job_serves_its_awkward_store_ids(tmp_path: Path):
    from storemon.dashboard.client import ApiClient

    source = awkward_export(tmp_path / "raw")
    with running_server(create_app(source, tmp_path / "reports")) as url:
        with httpx.Client(base_url=url, timeout=60) as client:
            report_id = trigger(client)
            rows = list(csv.DictReader(io.StringIO(complete(client, report_id))))
        assert {row["store_id"] for row in rows} == set(AWKWARD_IDS)
        dashboard = ApiClient(url)
        for row in rows:
            view = dashboard.store_view(report_id, row["store_id"])
            assert view.store_id == row["store_id"]
            assert f"{view.uptime_last_week:.2f}" == row["uptime_last_week"]
