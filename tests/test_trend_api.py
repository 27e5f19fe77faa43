"""A report's trend from the report itself: GET /reports/{id}/trend on a real server.

The fleet's points must be the sums of compute_trend's rows on the same data as of the report's
instant, a store's points its own rows; the trend is the report's snapshot (a later ingest does
not change it); until its files exist the answer is Running, and it sits behind the token.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx
import pandas as pd
import pytest
from live_servers import running_server, wait_for

from storemon import compute_trend, jobs
from storemon.dashboard.client import ApiClient
from storemon.engine.incremental import LoadOptions
from storemon.engine.ingest import ingest
from storemon.jobs.records import JobRecord, Parameters, ReportState, Stage
from storemon.jobs.trend_view import Trend
from storemon.service.app import create_app
from storemon.synthetic.generate import generate

slow = pytest.mark.slow


def make_history(folder: Path) -> Path:
    """30 stores polled over 17 days, 6 of them hot: the weekly trend reads the archive."""
    generate(folder / "raw", stores=30, days=17, start="2024-10-13T00:00:00Z", seed=11)
    database = folder / "storemon.duckdb"
    ingest(folder / "raw", database, options=LoadOptions(retention_days=6))
    return database


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_history(tmp_path_factory.mktemp("trend_api"))


def more_polls(database: Path, tmp_path: Path) -> None:
    """Ingest two more days of the same stores' polls (a new status file beside the others)."""
    generate(tmp_path / "later", stores=30, days=2, start="2024-10-30T00:00:00Z", seed=11)
    raw = database.parent / "raw"
    (raw / "store_status_later.csv").write_bytes(
        (tmp_path / "later/store_status.csv").read_bytes()
    )
    ingest(raw, database, options=LoadOptions(retention_days=6))


def trigger(client: httpx.Client, **params: str) -> str:
    answer = client.post("/trigger_report", params=params)
    assert answer.status_code == 202, answer.text
    return answer.json()["report_id"]


def complete(client: httpx.Client, report_id: str) -> dict:
    def done():
        record = client.get(
            "/get_report", params={"report_id": report_id}, headers={"Accept": "application/json"}
        ).json()
        return record if record["status"] != "Running" else None

    record = wait_for(done, 180, f"report {report_id}", every=0.3)
    assert record["status"] == "Complete", record
    return record


def trend(client: httpx.Client, report_id: str, **params: str) -> dict:
    """The trend once written (the answer is Running until then)."""

    def written():
        answer = client.get(f"/reports/{report_id}/trend", params=params)
        assert answer.status_code == 200, answer.text
        return answer.json() if "points" in answer.json() else None

    return wait_for(written, 120, f"the trend of {report_id}", every=0.3)


def expected_points(rows: pd.DataFrame) -> list[dict]:
    """Fleet points from a trend's rows: sums of hours, share, stores; newest first."""
    points = []
    for end, part in sorted(rows.groupby("period_end"), reverse=True):
        up = int((part["uptime"] * 100).round().sum())
        down = int((part["downtime"] * 100).round().sum())
        points.append(
            {
                "period_end": end.tz_convert(None).isoformat() + "Z",
                "uptime": up / 100,
                "downtime": down / 100,
                "uptime_share": round(up / (up + down), 4) if up + down else None,
                "stores": len(part),
            }
        )
    return points


@slow
def test_trend_is_the_reports_snapshot_for_the_fleet_and_each_store(tmp_path: Path) -> None:
    history = make_history(tmp_path / "data")
    with running_server(create_app(history, tmp_path / "reports")) as url:
        with httpx.Client(base_url=url, timeout=60) as client:
            report_id = trigger(client, method="carry_forward")
            record = complete(client, report_id)
            answers = {}
            for window, periods in (("week", 12), ("day", 28)):
                rows = compute_trend(history, record["now"], window, periods, "carry_forward")
                fleet = trend(client, report_id, window=window)
                Trend.model_validate(fleet)
                assert fleet == {"window": window, "points": expected_points(rows)}
                assert len(fleet["points"]) == (3 if window == "week" else 17)
                for store in sorted(rows["store_id"].unique())[:5]:
                    own = trend(client, report_id, window=window, store_id=store)
                    assert own["points"] == expected_points(rows[rows["store_id"] == store])
                answers[window] = fleet
            assert any(p["downtime"] for p in answers["day"]["points"])  # something to compare
            dashboard = ApiClient(url)  # what the dashboard reads back
            assert dashboard.trend(report_id, "day") == Trend.model_validate(answers["day"])
            store = str(rows["store_id"].iloc[0])
            assert dashboard.trend(report_id, "day", store).points[0].stores == 1

            more_polls(history, tmp_path)  # the database file is replaced
            for window, fleet in answers.items():
                assert trend(client, report_id, window=window) == fleet
            later = trigger(client, method="carry_forward")
            complete(client, later)
            assert trend(client, later) != answers["week"]  # the check above could fail


@slow
def test_running_unknown_and_bad_requests(history: Path, tmp_path: Path) -> None:
    with running_server(create_app(history, tmp_path / "reports")) as url:
        with httpx.Client(base_url=url, timeout=60) as client:
            report_id = trigger(client)
            assert ApiClient(url).trend(report_id) is None  # ask again later
            running = client.get(f"/reports/{report_id}/trend")
            assert running.status_code == 200 and running.json()["status"] == "Running"
            assert running.headers["x-report-status"] == "Running"
            complete(client, report_id)
            trend(client, report_id)

            unknown = str(uuid.uuid4())
            answer = client.get(f"/reports/{unknown}/trend")
            assert answer.status_code == 404
            assert answer.json() == {"detail": f"there is no report {unknown}"}
            answer = client.get("/reports/not-a-report/trend")
            assert answer.status_code == 400 and "is not a report id" in answer.json()["detail"]
            answer = client.get(f"/reports/{report_id}/trend", params={"store_id": "nowhere"})
            assert answer.status_code == 404
            detail = f"store 'nowhere' is not in this report ({report_id})"
            assert answer.json() == {"detail": detail}
            answer = client.get(f"/reports/{report_id}/trend", params={"window": "month"})
            assert answer.status_code == 422


def fabricated(reports: Path, html_ready: bool) -> str:
    """A Complete report's record without trend files (its notebook still writing, or ended)."""
    record = JobRecord(
        report_id=str(uuid.uuid4()),
        status=ReportState.COMPLETE,
        stage=Stage.DONE,
        parameters=Parameters(source="x.duckdb"),
        finished="2024-11-01T00:00:00.000Z",
        html_ready=html_ready,
    )
    (reports / record.report_id).mkdir(parents=True)
    jobs.store.save_record(reports / record.report_id, record)
    return record.report_id


def test_a_trend_being_written_is_running_then_missing_is_404(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    writing, ended = fabricated(reports, html_ready=False), fabricated(reports, html_ready=True)
    with running_server(create_app(tmp_path / "x.duckdb", reports)) as url:
        answer = httpx.get(f"{url}/reports/{writing}/trend", params={"window": "day"})
        assert answer.status_code == 200 and answer.json()["status"] == "Running"
        assert answer.headers["x-report-status"] == "Running"
        assert answer.headers["retry-after"] == "1"
        answer = httpx.get(f"{url}/reports/{ended}/trend")
        assert answer.status_code == 404
        assert answer.json() == {"detail": f"report {ended} keeps no week trend"}


def test_trend_needs_the_token_and_is_documented(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STOREMON_API_TOKEN", "s3cret-token-0123456")
    reports = tmp_path / "reports"
    ended = fabricated(reports, html_ready=True)
    with running_server(create_app(tmp_path / "x.duckdb", reports)) as url:
        answer = httpx.get(f"{url}/reports/{ended}/trend")
        assert answer.status_code == 401 and answer.headers["www-authenticate"] == "Bearer"
        good = {"Authorization": "Bearer s3cret-token-0123456"}
        assert httpx.get(f"{url}/reports/{ended}/trend", headers=good).status_code == 404
        schema = httpx.get(f"{url}/openapi.json", headers=good).json()
    operation = schema["paths"]["/reports/{report_id}/trend"]["get"]
    answer = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert {item["$ref"].rsplit("/", 1)[1] for item in answer["anyOf"]} == {
        "Trend",
        "ReportStatus",
    }
    assert {"400", "401", "404", "422"} <= set(operation["responses"])
    parameters = {p["name"]: p for p in operation["parameters"]}
    assert parameters["window"]["schema"]["enum"] == ["week", "day"]
    assert "store_id" in parameters
    example = schema["components"]["schemas"]["Trend"]["examples"][0]
    Trend.model_validate(example)
