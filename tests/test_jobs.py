"""Report jobs: real papermill runs in real runner processes, their records and their failures."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from jobkit import add_export, alive, children, expected_csv, make_database
from live_servers import wait_for

from storemon import jobs
from storemon.engine.report import open_source, report_from_connection, write_report_csv
from storemon.errors import StoremonError
from storemon.jobs import JobRecord, ReportState, Stage


def record(reports: Path, report_id: str) -> dict:
    return json.loads((reports / report_id / "status.json").read_text())


def wait_until_running(reports: Path, report_id: str) -> dict:
    return wait_for(
        lambda: (status := record(reports, report_id))["stage"] == "running" and status,
        60,
        f"report {report_id} to start",
    )


def wait_until_done(manager: jobs.JobManager, report_id: str, timeout: float = 120) -> JobRecord:
    return wait_for(
        lambda: not (record := manager.status(report_id)).running and record,
        timeout,
        f"report {report_id} to finish",
    )


@pytest.mark.slow
def test_report_job_answers_once_the_csv_is_written(
    database: Path, expected: bytes, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """``storemon report`` prints at Complete: before the notebook's last cells and the HTML."""
    reports, out = tmp_path / "reports", tmp_path / "out.csv"
    seen = {}

    def at_complete(done: JobRecord) -> None:
        folder = reports / done.report_id
        seen["record"] = done.status, record(reports, done.report_id)["status"]
        seen["csv"], seen["out"] = (folder / "report.csv").read_bytes(), out.read_bytes()
        seen["html"] = (folder / "report.html").exists()
        seen["notebook"] = (folder / "report.ipynb").exists()
        print(f"answered {done.report_id}")

    status = jobs.run_report_job(database, out=out, reports_dir=reports, on_complete=at_complete)

    assert seen["record"] == (ReportState.COMPLETE, "Complete")
    assert seen["csv"] == expected and seen["out"] == expected
    assert seen["html"] is False and seen["notebook"] is False  # both came after
    assert status.html_ready is True and (reports / status.report_id / "report.html").exists()
    # The answer went to this process's stdout, not into the job's log.
    assert f"answered {status.report_id}" in capfd.readouterr().out
    assert "answered" not in (reports / status.report_id / "runner.log").read_text()


@pytest.mark.slow
def test_report_job_in_process(database: Path, expected: bytes, tmp_path: Path) -> None:
    reports, out = tmp_path / "reports", tmp_path / "copy" / "out.csv"

    status = jobs.run_report_job(database, out=out, reports_dir=reports)

    assert status.status is ReportState.COMPLETE and status.stage is Stage.DONE
    assert status.error is None and status.html_ready is True
    assert jobs.is_report_id(status.report_id)
    folder = reports / status.report_id
    assert sorted(p.name for p in folder.iterdir()) == [
        "quality.json",
        "report.csv",
        "report.html",
        "report.ipynb",
        "runner.log",
        "status.json",
        "store_weeks",
        "summary.json",
        "trend",
    ]
    assert sorted(p.name for p in (folder / "trend").iterdir()) == ["day.parquet", "week.parquet"]
    assert (folder / "report.csv").read_bytes() == expected
    assert out.read_bytes() == expected
    assert status.stores == len(expected.splitlines()) - 1
    assert status.now == json.loads((folder / "summary.json").read_text())["now"]
    assert status.created <= status.started <= status.finished
    assert record(reports, status.report_id) == status.to_json()
    executed = nbformat.read(folder / "report.ipynb", as_version=4)
    assert executed.metadata.papermill.parameters["report_id"] == status.report_id
    html = (folder / "report.html").read_text()
    assert "Fleet uptime, last week" in html and "uptime share (%)" in html
    assert "Fleet uptime, week by week" in html and "change (points)" in html and "<img" in html
    assert "build_reading" not in html and "<script" not in html  # no code, nothing fetched
    assert "compute_reading" not in html and "add_data_quality" not in html

    assert jobs.report_status(status.report_id, reports) == status
    described = jobs.describe_status(status, reports).splitlines()
    assert described[0] == f"report {status.report_id}: Complete"
    assert described[-1] == f"  csv: {folder / 'report.csv'}"
    assert f"{status.stores:,} stores as of {status.now}" in described[-2]
    with pytest.raises(StoremonError, match="not a report id"):
        jobs.report_status("../" + status.report_id, reports)
    with pytest.raises(StoremonError, match="no report"):
        jobs.report_status("0b7c5f0e-2f4e-4c4a-9d1e-6a1f0c2b3d4e", reports)


def test_bad_parameters_are_refused_before_any_job(database: Path, tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    with pytest.raises(StoremonError, match="not a valid instant"):
        jobs.create_job(reports, database, as_of="yesterday")
    with pytest.raises(StoremonError, match="unknown"):
        jobs.create_job(reports, database, method="mean")
    assert not reports.exists() or not any(reports.iterdir())


@pytest.mark.slow
def test_a_queued_record_on_disk(database: Path, tmp_path: Path) -> None:
    """``status.json`` keeps its keys, their order and its words (readers outside storemon)."""
    reports = tmp_path / "reports"
    created = jobs.create_job(reports, database, as_of="2024-11-04T06:30:00", method="nearest")
    on_disk = record(reports, created.report_id)
    assert list(on_disk) == [
        "report_id", "status", "stage", "parameters", "created", "started", "finished",
        "now", "stores", "demo_data", "html_ready", "error", "owner", "runner",
        "data_latest_poll", "data_last_ingest", "data_age_seconds",
    ]  # fmt: skip
    assert on_disk["status"] == "Running" and on_disk["stage"] == "queued"
    assert on_disk["parameters"] == {
        "source": str(database),
        "as_of": "2024-11-04T06:30:00Z",
        "method": "nearest",
    }
    assert list(on_disk["owner"]) == ["pid", "start", "host"]
    assert on_disk["owner"]["pid"] == os.getpid() and on_disk["runner"] is None
    assert JobRecord.model_validate(on_disk) == created
    assert jobs.read_status(reports, created.report_id) == created  # this process lives
    assert jobs.progress(reports, created) is None  # not started


def test_process_identity_tells_a_live_process_from_a_gone_or_replaced_one() -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        identity = jobs.process_identity(child.pid)
        assert identity.pid == child.pid and identity.start is not None
        assert jobs.process_alive(identity) and alive(child.pid)
        assert child.pid in children(os.getpid())
        # the same pid with another start time: a later process that reuses the pid
        assert not jobs.process_alive(identity.model_copy(update={"start": identity.start - 1}))
    finally:
        child.kill()
        child.wait()
    assert not jobs.process_alive(identity) and not alive(child.pid)
    assert child.pid not in children(os.getpid())
    assert jobs.process_alive(identity.model_copy(update={"host": "another-machine"}))


def test_a_running_record_whose_runner_is_gone_reads_failed(tmp_path: Path) -> None:
    """Reconciliation in process: a record says Running, its runner's pid no longer runs it."""
    from conftest import FIXTURES

    from storemon.jobs.records import utc_now
    from storemon.jobs.store import save_record

    reports = tmp_path / "reports"
    queued = jobs.create_job(reports, FIXTURES / "export_2024")
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        runner = jobs.process_identity(child.pid)
        running = queued.model_copy(
            update={"stage": Stage.RUNNING, "runner": runner, "started": utc_now()}
        )
        save_record(reports / queued.report_id, running)
        assert jobs.read_status(reports, queued.report_id) == running  # its runner lives
        # the same pid, started at another time: another process, not the runner
        reused = running.model_copy(
            update={"runner": runner.model_copy(update={"start": runner.start + 1})}
        )
        save_record(reports / queued.report_id, reused)
        assert jobs.read_status(reports, queued.report_id).status is ReportState.FAILED
        save_record(reports / queued.report_id, running)
    finally:
        child.kill()
        child.wait()
    status = jobs.read_status(reports, queued.report_id)
    assert status.status is ReportState.FAILED and status.stage is Stage.DONE
    assert status.error == (
        f"the report process (pid {child.pid}) ended before it finished: it was killed or the "
        "machine restarted"
    )
    assert record(reports, queued.report_id)["status"] == "Failed"  # recorded for good
    assert [r.status for r in jobs.list_reports(reports)] == [ReportState.FAILED]


@pytest.mark.slow
def test_failed_report_says_why(database: Path, tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    with pytest.raises(StoremonError, match="before the data starts") as failure:
        jobs.run_report_job(database, as_of="2001-01-01T00:00:00Z", reports_dir=reports)
    (folder,) = reports.iterdir()
    assert folder.name in str(failure.value)
    status = record(reports, folder.name)
    assert status["status"] == "Failed"
    assert status["error"].startswith("no store has a poll at or before 2001-01-01")
    assert "Traceback" not in status["error"]
    assert (folder / "report.ipynb").exists()  # shows where it failed
    assert not (folder / "report.csv").exists()


@pytest.mark.slow
def test_killed_runner_reads_failed_and_its_kernel_goes(database: Path, tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    manager = jobs.JobManager(database, reports, workers=1)
    manager.start()
    try:
        report_id = manager.submit().report_id
        runner = wait_until_running(reports, report_id)["runner"]["pid"]
        kernels = wait_for(lambda: children(runner), 60, "the kernel to start")

        os.kill(runner, signal.SIGKILL)

        status = wait_until_done(manager, report_id)
        assert status.status is ReportState.FAILED
        assert "ended before it finished" in status.error
        assert wait_for(lambda: not any(map(alive, kernels)), 20, "the orphan kernel to exit")
        # the worker gets a new runner: the next report runs
        next_report = manager.submit().report_id
        assert wait_until_done(manager, next_report).status is ReportState.COMPLETE
    finally:
        manager.shutdown()


@pytest.mark.slow
def test_dead_processes_read_as_failed_by_a_later_reader(database: Path, tmp_path: Path) -> None:
    """What a restarted server sees after a crash: queued and running jobs whose process died."""
    reports = tmp_path / "reports"
    # A server that queued a job and died before running it.
    queued = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from storemon.jobs import create_job; "
            "print(create_job(sys.argv[1], sys.argv[2]).report_id)",
            str(reports),
            str(database),
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    # A runner killed in the middle of its report (no server around to notice).
    running = jobs.create_job(reports, database).report_id
    runner = subprocess.Popen(
        [sys.executable, "-m", "storemon.jobs", str(reports / running)], start_new_session=True
    )
    wait_until_running(reports, running)
    runner.kill()
    runner.wait()
    assert record(reports, running)["status"] == "Running"  # nobody recorded the death

    assert jobs.read_status(reports, queued).error == (
        "the server that queued this report stopped before the report could start"
    )
    status = jobs.read_status(reports, running)
    assert status.status is ReportState.FAILED
    assert f"(pid {runner.pid}) ended before it finished" in status.error
    assert record(reports, running)["status"] == "Failed"  # recorded for good
    assert [s.report_id for s in jobs.list_reports(reports)] == [running, queued]


@pytest.mark.slow
def test_queue_is_bounded_and_shutdown_stops_everything(database: Path, tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    manager = jobs.JobManager(database, reports, workers=1, max_queue=2)
    manager.start()
    accepted, refusal = [], None
    try:
        for _ in range(5):
            try:
                accepted.append(manager.submit(method="carry_forward").report_id)
            except jobs.QueueFullError as error:
                refusal = error
                break
        assert refusal is not None and "waiting" in str(refusal)
        assert len(accepted) in (2, 3)  # 2 waiting, plus 1 if the worker took one already
        runner = wait_until_running(reports, accepted[0])["runner"]["pid"]
        kernels = wait_for(lambda: children(runner), 60, "the kernel to start")
    finally:
        manager.shutdown()

    for report_id in accepted:
        status = jobs.read_status(reports, report_id)
        if status.status is ReportState.COMPLETE:  # published its CSV before the stop
            assert report_id == accepted[0] and (reports / report_id / "report.csv").exists()
            continue
        assert status.status is ReportState.FAILED and status.error == jobs.STOPPED
        assert not (reports / report_id / "report.csv").exists()
    assert not alive(runner)
    assert wait_for(lambda: not any(map(alive, kernels)), 10, "the kernel to be shut down")
    with pytest.raises(jobs.QueueFullError, match="stopping"):
        manager.submit()


@pytest.mark.slow
def test_ingest_while_reports_run(database: Path, expected: bytes, tmp_path: Path) -> None:
    """Every report reads one snapshot: the data before the load or after it, never a mix."""
    reports = tmp_path / "reports"
    manager = jobs.JobManager(database, reports, workers=2)
    manager.start()
    try:
        during = [manager.submit().report_id for _ in range(4)]
        wait_until_running(reports, during[0])
        add_export(database, tmp_path)  # the same file the reports read, replaced by ingest
        after = manager.submit().report_id
        statuses = [wait_until_done(manager, report_id) for report_id in [*during, after]]
    finally:
        manager.shutdown()

    new = expected_csv(database, tmp_path)
    assert new != expected
    assert [s.status for s in statuses] == [ReportState.COMPLETE] * 5
    outputs = [(reports / s.report_id / "report.csv").read_bytes() for s in statuses]
    assert all(output in (expected, new) for output in outputs)
    assert outputs[-1] == new  # triggered after the load


def test_a_report_keeps_the_snapshot_it_opened(tmp_path: Path) -> None:
    """What the report notebook relies on: an ingest meanwhile does not change what it reads."""
    database = make_database(tmp_path)
    before = expected_csv(database, tmp_path / "before")
    with open_source(database) as con:
        add_export(database, tmp_path)
        report = report_from_connection(con, None, "nearest")
    write_report_csv(report, tmp_path / "during.csv")
    assert (tmp_path / "during.csv").read_bytes() == before
    assert expected_csv(database, tmp_path / "after") != before
