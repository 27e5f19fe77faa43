"""What runs after a report is Complete yields the CPU to the next report, on real processes.

Linux's autogroup scheduling shares the CPU between sessions whatever the nice values of their
threads, and every Jupyter kernel (and every runner of the API server) is a session of its own:
lowering a kernel's priority must lower its session's group, and never the caller's own group.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from storemon.jobs import process
from storemon.jobs.process import (
    lower_priority,
    own_group_niceness,
    set_priority,
    set_session_niceness,
)

OWN_GROUP = Path("/proc/self/autogroup")

# Linux shows a process's autogroup only when autogroup scheduling is on and the process is not in
# a CPU control group of its own (as in many containers, where the file is empty).
scheduled_by_autogroup = pytest.mark.skipif(
    not OWN_GROUP.exists() or len(OWN_GROUP.read_text().split()) != 3,
    reason="this process is not scheduled by autogroup",
)

SLEEPER = [sys.executable, "-c", "import time; time.sleep(60)"]


def group_nice(pid: int | str) -> int:
    return int(Path(f"/proc/{pid}/autogroup").read_text().split()[2])


@scheduled_by_autogroup
def test_a_session_of_its_own_is_lowered_as_a_whole_and_given_back() -> None:
    kernel = subprocess.Popen(SLEEPER, start_new_session=True)  # as a Jupyter kernel starts
    try:
        assert own_group_niceness(kernel.pid) == 0
        lower_priority(kernel.pid, 19)
        assert group_nice(kernel.pid) == 19
        assert os.getpriority(os.PRIO_PROCESS, kernel.pid) == 19
        lower_priority(kernel.pid, 10)  # never lowered: it stays the nicer
        assert group_nice(kernel.pid) == 19
        assert set_priority(kernel.pid, 0)  # handed out for a report: full priority again
        assert group_nice(kernel.pid) == 0
    finally:
        kernel.kill()
        kernel.wait()
    assert group_nice("self") == 0


@scheduled_by_autogroup
def test_a_process_of_our_own_session_leaves_our_group_alone() -> None:
    child = subprocess.Popen(SLEEPER)  # same session, same group as this process
    try:
        assert own_group_niceness(child.pid) is None
        lower_priority(child.pid, 19)
        assert os.getpriority(os.PRIO_PROCESS, child.pid) == 19  # its threads only
        assert group_nice(child.pid) == 0 and group_nice("self") == 0
    finally:
        child.kill()
        child.wait()


@scheduled_by_autogroup
def test_a_runner_lowers_its_own_session_only_when_it_leads_one() -> None:
    code = (
        "import sys; from pathlib import Path; from storemon.jobs.process import "
        "set_session_niceness as s; a = s(19); n = Path('/proc/self/autogroup').read_text(); "
        "b = s(0); print(a, n.split()[2], b, Path('/proc/self/autogroup').read_text().split()[2])"
    )
    leader = subprocess.run(
        [sys.executable, "-c", code], start_new_session=True, capture_output=True, text=True
    )
    assert leader.stdout.split() == ["True", "19", "True", "0"], leader.stderr
    if os.getsid(0) != os.getpid():  # a process in another's session changes nothing
        assert not set_session_niceness(19)
        assert group_nice("self") == 0


def test_without_autogroup_scheduling_only_threads_are_niced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In a container's control group Linux shows empty autogroup files: nothing fails."""
    proc = tmp_path / "proc"
    kernel = subprocess.Popen(SLEEPER, start_new_session=True)
    try:
        for pid in ("self", str(kernel.pid)):
            (proc / pid).mkdir(parents=True)
            (proc / pid / "autogroup").write_text("")
        (proc / str(kernel.pid) / "task").symlink_to(f"/proc/{kernel.pid}/task")
        monkeypatch.setattr(process, "PROC", proc)
        assert own_group_niceness(kernel.pid) is None
        lower_priority(kernel.pid, 19)
        assert os.getpriority(os.PRIO_PROCESS, kernel.pid) == 19
        assert set_priority(kernel.pid, 19)
        assert (proc / str(kernel.pid) / "autogroup").read_text() == ""  # nothing written
        if os.getsid(0) == os.getpid():
            assert not set_session_niceness(19)
    finally:
        kernel.kill()
        kernel.wait()
