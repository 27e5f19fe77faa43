"""Issue 10, item 10: a report killed mid-run leaves no kernel connection file (it holds the
kernel's signing key) in the system's temp folder for long: the next runner removes it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from jobkit import alive, children
from live_servers import wait_for

from storemon import jobs
from storemon.jobs import scratch

pytestmark = pytest.mark.slow


def runner(job_dir: Path, env: dict[str, str]) -> subprocess.Popen:
    """``python -m storemon.jobs JOB_DIR``: one report in a process of its own."""
    return subprocess.Popen(
        [sys.executable, "-m", "storemon.jobs", str(job_dir)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def leftovers(temp: Path) -> list[Path]:
    """Kernel connection files anywhere under the temp folder."""
    return sorted(temp.rglob("*.json"))


def test_a_killed_report_leaves_no_connection_file_for_long(database: Path, tmp_path: Path):
    temp, reports = tmp_path / "tmp", tmp_path / "reports"
    temp.mkdir()
    env = {**os.environ, "TMPDIR": str(temp)}

    first = jobs.create_job(reports, database)
    process = runner(reports / first.report_id, env)
    kernels = wait_for(lambda: children(process.pid), 60, "the report's kernel")
    files = wait_for(lambda: leftovers(temp), 60, "its connection file")
    assert all(f.parent.name.startswith(scratch.PREFIX) for f in files), files
    os.killpg(process.pid, signal.SIGKILL)  # the runner and its kernel, no clean-up at all
    process.wait()
    for pid in kernels:
        if alive(pid):
            os.kill(pid, signal.SIGKILL)
    assert leftovers(temp), "a SIGKILL leaves the file until the next runner starts"

    second = jobs.create_job(reports, database)
    done = runner(reports / second.report_id, env)
    assert done.wait(timeout=300) == 0
    assert jobs.read_status(reports, second.report_id).status is jobs.ReportState.COMPLETE
    assert leftovers(temp) == []
    assert [p for p in temp.iterdir() if p.name.startswith(scratch.PREFIX)] == []
