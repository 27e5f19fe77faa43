"""Report retention (`storemon reports prune`) and report folders on a full disk (issue 10).

Pruning is checked against a brute-force answer from the fabricated records; a full disk is a
real 64 kB tmpfs (skipped where it cannot be mounted).
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from storemon import jobs
from storemon.errors import StoremonError
from storemon.jobs import JobRecord, Parameters, ReportState, Stage, process_identity
from storemon.jobs import store as job_store

NOW = datetime.now(timezone.utc)


def _stamp(age: timedelta) -> str:
    return (NOW - age).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _storemon(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "storemon.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def _fabricate(reports: Path) -> dict[str, JobRecord]:
    ages = {"1h": timedelta(hours=1), "3d": timedelta(days=3), "40d": timedelta(days=40)}
    records = {}
    for n, (label, age) in enumerate(ages.items()):
        for state in (ReportState.COMPLETE, ReportState.FAILED, ReportState.RUNNING):
            running = state is ReportState.RUNNING
            record = JobRecord(
                report_id=f"{n:02x}{len(records):06x}-0000-4000-8000-000000000000",
                status=state,
                stage=Stage.RUNNING if running else Stage.DONE,
                parameters=Parameters(source="x.duckdb"),
                created=_stamp(age + timedelta(minutes=5)),
                finished=None if running else _stamp(age),
                runner=process_identity() if running else None,
            )
            (reports / record.report_id).mkdir(parents=True)
            job_store.save_record(reports / record.report_id, record)
            records[f"{label}-{state.value}"] = record
    return records


@pytest.mark.slow
def test_prune_removes_what_ended_long_ago(tmp_path: Path):
    reports = tmp_path / "reports"
    records = _fabricate(reports)
    before = {p.name for p in reports.iterdir() if jobs.is_report_id(p.name)}
    dry = _storemon(
        "reports", "prune", "--older-than", "2d", "--dry-run", "--reports-dir", str(reports)
    )
    assert dry.returncode == 0, dry.stderr
    assert {p.name for p in reports.iterdir() if jobs.is_report_id(p.name)} == before
    assert "would remove 4 report(s)" in dry.stdout
    done = _storemon("reports", "prune", "--older-than", "30d", "--reports-dir", str(reports))
    assert done.returncode == 0, done.stderr
    # brute force: ended (Complete or Failed) more than 30 days ago
    expected = {
        r.report_id
        for r in records.values()
        if r.finished is not None and r.finished < _stamp(timedelta(days=30))
    }
    assert len(expected) == 2
    left = {p.name for p in reports.iterdir() if jobs.is_report_id(p.name)}
    assert left == before - expected
    assert all(r in done.stdout for r in expected) and "removed 2 report(s)" in done.stdout
    listed = {r.report_id for r in jobs.list_reports(reports, 100)}
    assert listed == left
    done = _storemon("reports", "prune", "--older-than", "2w", "--reports-dir", str(reports))
    assert "removed 0 report(s)" in done.stdout
    done = _storemon("reports", "prune", "--older-than", "30m", "--reports-dir", str(reports))
    assert done.returncode == 1 and done.stderr.startswith("storemon: error: '30m' is not an age")
    done = _storemon("reports", "prune", "--older-than", "30h", "--reports-dir", str(reports))
    assert "removed 2 report(s)" in done.stdout  # the 3-day-old ones; Running ones stay
    assert {r.report_id for r in records.values() if r.running} <= {
        p.name for p in reports.iterdir()
    }


@pytest.fixture
def full_disk(tmp_path: Path):
    where = tmp_path / "full"
    where.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(where)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        (where / "reports").mkdir()
        filler = where / "filler"
        handle = os.open(filler, os.O_WRONLY | os.O_CREAT)
        try:
            while os.write(handle, b"x" * 1024):
                pass
        except OSError:
            pass
        finally:
            os.close(handle)
        yield where / "reports"
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def test_no_space_for_a_new_report(full_disk: Path, database: Path):
    with pytest.raises(StoremonError, match="no space left on the device"):
        jobs.create_job(full_disk, database)
    assert list(full_disk.iterdir()) == []  # no folder without a record
    env = {**os.environ, "STOREMON_REPORTS_DIR": str(full_disk)}
    done = _storemon("report", "--db", str(database), env=env)
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("storemon: error: cannot create a report")
    assert "no space left" in lines[0] and "Traceback" not in done.stderr


def test_folders_without_a_good_record(tmp_path: Path):
    reports = tmp_path / "reports"
    empty = reports / "0b7c5f0e-2f4e-4c4a-9d1e-6a1f0c2b3d4e"
    empty.mkdir(parents=True)
    env = {**os.environ, "STOREMON_REPORTS_DIR": str(reports)}
    done = _storemon("status", empty.name, env=env)
    assert done.returncode == 1 and "there is no report" in done.stderr
    assert "Traceback" not in done.stderr
    damaged = reports / "1b7c5f0e-2f4e-4c4a-9d1e-6a1f0c2b3d4e"
    damaged.mkdir()
    (damaged / "status.json").write_text('{"report_id": ')
    done = _storemon("status", damaged.name, env=env)
    assert done.returncode == 0, done.stderr
    assert "Failed" in done.stdout and "cannot be read" in done.stdout
    assert [r.status for r in jobs.list_reports(reports)] == [ReportState.FAILED]
