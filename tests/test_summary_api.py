"""A report's headline: GET /reports/{id}/summary on a real server.

Its figures must be the issue's definitions computed here, independently, from the report's own
CSV; the extrapolated share is the report's data-quality reading (null until it has run); a
running report answers its record, an unknown one 404, and it sits behind the token.
"""

from __future__ import annotations

import uuid
from io import BytesIO
from pathlib import Path

import httpx
import pandas as pd
import pytest
from live_servers import api_server, small_fleet, wait_for

from storemon.analysis.reading import build_reading

pytestmark = pytest.mark.slow
TOKEN = "s3cret-token-0123456"


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return small_fleet(tmp_path_factory.mktemp("summary") / "raw", stores=30, seed=5)


def complete_report(client: httpx.Client) -> str:
    report_id = client.post("/trigger_report").json()["report_id"]

    def done() -> bool:
        record = client.get(
            "/get_report", params={"report_id": report_id}, headers={"Accept": "application/json"}
        ).json()
        assert record["status"] != "Failed", record
        return record["status"] == "Complete" and record["html_ready"]

    wait_for(done, 300, "the report and its data quality", every=0.3)
    return report_id


def test_summary_is_the_csv_summed_up(fleet: Path, tmp_path: Path):
    with api_server(fleet, tmp_path / "reports") as url, httpx.Client(base_url=url) as client:
        report_id = complete_report(client)
        report = pd.read_csv(
            BytesIO(client.get(f"/reports/{report_id}/report.csv").content),
            dtype={"store_id": str},
        )
        answer = client.get(f"/reports/{report_id}/summary")
        assert answer.status_code == 200, answer.text
        summary = answer.json()
        record = client.get(
            "/get_report", params={"report_id": report_id}, headers={"Accept": "application/json"}
        ).json()

        up, down = report["uptime_last_week"].sum(), report["downtime_last_week"].sum()
        assert summary["report_id"] == report_id and summary["now"] == record["now"]
        assert summary["stores"] == len(report)
        assert summary["uptime_share_last_week"] == round(100 * up / (up + down), 1)
        assert summary["uptime_last_week"] == pytest.approx(up, abs=0.01)
        assert summary["business_last_week"] == pytest.approx(up + down, abs=0.01)
        assert (
            summary["down_all_week"]
            == ((report["uptime_last_week"] == 0) & (report["downtime_last_week"] > 0)).sum()
        )
        assert (
            summary["down_last_hour"]
            == ((report["uptime_last_hour"] == 0) & (report["downtime_last_hour"] > 0)).sum()
        )
        assert (
            summary["closed_last_hour"]
            == ((report["uptime_last_hour"] + report["downtime_last_hour"]) == 0).sum()
        )
        # The extrapolated share is the report's own data-quality reading of the same data.
        extrapolated = build_reading(fleet).extrapolated
        assert summary["extrapolated_share_last_week"] == pytest.approx(
            extrapolated.loc["last_week", "extrapolated_share_pct"]
        )

        # Before the data-quality step has run, the share is null, the rest already there.
        (tmp_path / "reports" / report_id / "quality.json").unlink()
        later = client.get(f"/reports/{report_id}/summary").json()
        assert later["extrapolated_share_last_week"] is None
        assert later["down_all_week"] == summary["down_all_week"]

        # Every store's zone: one line per store of the CSV, the zone of its store view.
        zones = pd.read_csv(
            BytesIO(client.get(f"/reports/{report_id}/zones.csv").content), dtype=str
        )
        assert list(zones.columns) == ["store_id", "zone"]
        assert list(zones["store_id"]) == list(report["store_id"])
        for store, zone in zones.iloc[[0, -1]].itertuples(index=False):
            assert client.get(f"/reports/{report_id}/stores/{store}").json()["zone"] == zone

        unknown = client.get(f"/reports/{uuid.uuid4()}/summary")
        assert unknown.status_code == 404 and "there is no report" in unknown.json()["detail"]
        assert client.get("/reports/nope/summary").status_code == 400


def test_summary_of_a_running_report_is_its_record_and_needs_the_token(fleet, tmp_path):
    with api_server(fleet, tmp_path / "reports", token=TOKEN) as url:
        headers = {"Authorization": f"Bearer {TOKEN}"}
        with httpx.Client(base_url=url, headers=headers) as client:
            report_id = client.post("/trigger_report").json()["report_id"]
            answer = client.get(f"/reports/{report_id}/summary")
            assert answer.status_code == 200
            body = answer.json()
            if body.get("status") == "Running":  # it may already be done on a fast machine
                assert answer.headers["X-Report-Status"] == "Running"
                assert "stores" not in body
            zones = client.get(f"/reports/{report_id}/zones.csv")
            if zones.headers["X-Report-Status"] == "Running":
                assert zones.json()["status"] == "Running"
        with httpx.Client(base_url=url) as anonymous:
            assert anonymous.get(f"/reports/{report_id}/summary").status_code == 401
            assert anonymous.get(f"/reports/{report_id}/zones.csv").status_code == 401
