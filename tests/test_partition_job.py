"""Report jobs in partitions (issue 9): ``STOREMON_PARTITIONS`` on real papermill jobs.

Real components: an ingested database, the API on a real uvicorn server whose report kernels
inherit the setting, a ``distributed.LocalCluster`` of 2 worker processes (reached by its address,
or started by the report itself), and the one-process job as the independent check: the same CSV
bytes, every store's view the same, the same data-quality reading.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import duckdb
import httpx
import pandas as pd
import pytest
from live_servers import running_server, wait_for
from partition_kit import ingested_fleet, local_cluster

from storemon import cli, jobs
from storemon.analysis.reading import build_reading
from storemon.config import PARTITIONS_VARIABLE, SCHEDULER_VARIABLE
from storemon.engine.partition import job_partitions
from storemon.errors import StoremonError
from storemon.service.app import create_app
from storemon.synthetic.generate import PINNED_END, generate

slow = pytest.mark.slow


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """120 generated stores, 8 days, ingested."""
    return ingested_fleet(tmp_path_factory.mktemp("fleet"), stores=120, seed=11)


@pytest.fixture(scope="module")
def scheduler() -> str:
    """A LocalCluster of 2 worker processes, reached by its address like a remote one."""
    with local_cluster() as address:
        yield address


def _trigger_and_wait(client: httpx.Client, **params: str) -> tuple[str, str]:
    """Trigger a report, wait until it completes; return its id and its CSV text."""
    answer = client.post("/trigger_report", params=params)
    assert answer.status_code == 202, answer.text
    report_id = answer.json()["report_id"]

    def done():
        got = client.get("/get_report", params={"report_id": report_id})
        return got if got.headers["x-report-status"] != "Running" else None

    got = wait_for(done, 240, f"report {report_id}", every=0.3)
    assert got.headers["x-report-status"] == "Complete", got.text
    return report_id, got.text


def _views(client: httpx.Client, report_id: str, csv_text: str) -> dict[str, dict]:
    """Every store's view of a report, its report_id left out (the rest must match)."""
    views = {}
    for row in csv.DictReader(io.StringIO(csv_text)):
        answer = client.get(f"/reports/{report_id}/stores/{row['store_id']}")
        assert answer.status_code == 200, answer.text
        views[row["store_id"]] = {k: v for k, v in answer.json().items() if k != "report_id"}
    return views


def _serve_reports(database: Path, reports: Path, monkeypatch, runs: list, **env: str) -> None:
    """Run the API with the environment ``env`` (its kernels inherit it); trigger ``runs``."""
    for name in (PARTITIONS_VARIABLE, SCHEDULER_VARIABLE):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with running_server(create_app(database, reports)) as url:
        with httpx.Client(base_url=url, timeout=60) as client:
            for params, results in runs:
                report_id, text = _trigger_and_wait(client, **params)
                results.append((report_id, text, _views(client, report_id, text)))


@slow
def test_a_partitioned_job_gives_the_same_csv_and_store_views(
    database: Path, scheduler: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    params = [{"method": "nearest"}, {"method": "carry_forward", "as_of": "2024-11-05T10:00:00Z"}]
    single: list = []
    parted: list = []
    _serve_reports(database, tmp_path / "one", monkeypatch, [(p, single) for p in params])
    env = {PARTITIONS_VARIABLE: "2", SCHEDULER_VARIABLE: scheduler}
    _serve_reports(database, tmp_path / "two", monkeypatch, [(p, parted) for p in params], **env)
    for (one_id, one_csv, one_views), (two_id, two_csv, two_views) in zip(
        single, parted, strict=True
    ):
        assert two_csv == one_csv and one_csv.count("\n") == 121  # every store, byte for byte
        assert two_views == one_views  # every store's view, all its spans and polls
        weeks = tmp_path / "two" / two_id / "store_weeks"
        assert sorted(p.name for p in weeks.iterdir()) == ["part=0", "part=1", "stores.parquet"]
        assert not list((tmp_path / "one" / one_id / "store_weeks").glob("part=*"))
        bytes_one = (tmp_path / "one" / one_id / "report.csv").read_bytes()
        assert (tmp_path / "two" / two_id / "report.csv").read_bytes() == bytes_one


@slow
def test_a_partitioned_job_starts_its_own_local_cluster(
    database: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    single: list = []
    parted: list = []
    _serve_reports(database, tmp_path / "one", monkeypatch, [({}, single)])
    env = {PARTITIONS_VARIABLE: "3"}
    _serve_reports(database, tmp_path / "three", monkeypatch, [({}, parted)], **env)
    assert parted[0][1] == single[0][1]
    assert parted[0][2] == single[0][2]
    weeks = tmp_path / "three" / parted[0][0] / "store_weeks"
    assert len(list(weeks.glob("part=*"))) == 3


@slow
def test_the_data_quality_reading_is_the_same_in_partitions(
    database: Path, scheduler: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(PARTITIONS_VARIABLE, raising=False)
    one = build_reading(database)
    monkeypatch.setenv(PARTITIONS_VARIABLE, "2")
    monkeypatch.setenv(SCHEDULER_VARIABLE, scheduler)
    two = build_reading(database)
    assert two.report.equals(one.report)
    for name in ("overview", "fleet", "top_downtime", "rejects", "coverage", "extrapolated"):
        assert getattr(two, name).equals(getattr(one, name)), name
    assert (one.extrapolated["extrapolated_hours"] > 0).any()  # something to compare


@slow
def test_a_failing_partition_fails_the_job_with_its_reason_and_no_csv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    generate(tmp_path / "raw", stores=40, days=12, seed=4, end=PINNED_END)
    database = tmp_path / "storemon.duckdb"
    argv = ["ingest", "--data", str(tmp_path / "raw"), "--db", str(database), "--retention", "2"]
    assert cli.main(argv) == 0
    files = sorted((tmp_path / "archive").rglob("*.parquet"))
    last = (
        duckdb.connect()
        .sql(f"select max(timestamp_utc) from read_parquet('{files[-1]}')")
        .fetchall()
    )
    as_of = (pd.Timestamp(last[0][0]) - pd.Timedelta(hours=3)).isoformat()
    files[-1].unlink()  # an archived day the week needs is gone (e.g. storage not mounted)
    monkeypatch.setenv(PARTITIONS_VARIABLE, "2")
    reports = tmp_path / "reports"
    with pytest.raises(StoremonError, match="partition"):
        jobs.run_report_job(database, as_of=as_of, reports_dir=reports)
    (folder,) = reports.iterdir()
    status = json.loads((folder / "status.json").read_text())
    assert status["status"] == "Failed"
    assert "partition" in status["error"] and files[-1].name in status["error"]
    assert "Traceback" not in status["error"]
    assert not (folder / "report.csv").exists()
    assert not (folder / "store_weeks" / "stores.parquet").exists()


def test_the_setting_is_read_and_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PARTITIONS_VARIABLE, raising=False)
    monkeypatch.delenv(SCHEDULER_VARIABLE, raising=False)
    assert job_partitions() == (0, None)
    monkeypatch.setenv(PARTITIONS_VARIABLE, " 8 ")
    monkeypatch.setenv(SCHEDULER_VARIABLE, "tcp://10.0.0.5:8786")
    assert job_partitions() == (8, "tcp://10.0.0.5:8786")
    for bad in ("-1", "two", "65", "1.5"):
        monkeypatch.setenv(PARTITIONS_VARIABLE, bad)
        with pytest.raises(StoremonError, match=PARTITIONS_VARIABLE):
            job_partitions()
