"""Processes seen through Linux ``/proc``: identity, liveness, children and priority, in one place.

A record names the process responsible for a report by pid *and* start time, because a pid is
reused once its process is gone: a later process with the same pid is not the one recorded.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from functools import cache
from pathlib import Path

from storemon.jobs.records import ProcessIdentity

PROC = Path("/proc")
# States of a process that has exited and only waits to be reaped (man 5 proc, field 3).
_GONE_STATES = ("Z", "X")
GROUP_NICE_ATTEMPTS = 3


def _stat_fields(stat: Path) -> list[str] | None:
    """The fields of a ``/proc/<pid>/stat`` file from field 3 (state) on, None if it is gone."""
    try:
        text = stat.read_text()
    except OSError:
        return None
    # The command name (field 2) may hold spaces and parentheses: split after the last ")".
    return text[text.rindex(")") + 2 :].split()


def start_ticks(pid: int) -> int | None:
    """The start time of process ``pid`` in clock ticks since boot.

    Args:
        pid: A process id.

    Returns:
        The start time, or None when the process is gone, exited, or ``/proc`` is missing.
    """
    fields = _stat_fields(PROC / str(pid) / "stat")
    if fields is None or fields[0] in _GONE_STATES:
        return None
    return int(fields[19])


def pid_alive(pid: int) -> bool:
    """Tell whether process ``pid`` exists and has not exited (a zombie counts as gone).

    Args:
        pid: A process id.

    Returns:
        True while the process runs.
    """
    return start_ticks(pid) is not None


def child_pids(pid: int) -> list[int]:
    """The pids of the direct children of process ``pid`` (empty where there is no ``/proc``).

    Args:
        pid: A process id.

    Returns:
        The children's pids, in no particular order.
    """
    children = []
    for stat in PROC.glob("[0-9]*/stat"):
        fields = _stat_fields(stat)
        if fields is not None and int(fields[1]) == pid:
            children.append(int(stat.parent.name))
    return children


def process_identity(pid: int | None = None) -> ProcessIdentity:
    """Describe a process so that it can later be told alive, dead, or replaced by another.

    Args:
        pid: The process id; default this process.

    Returns:
        Its pid, start time in ticks (None off Linux) and host name.
    """
    pid = os.getpid() if pid is None else pid
    return ProcessIdentity(pid=pid, start=start_ticks(pid), host=socket.gethostname())


def process_alive(identity: ProcessIdentity | None) -> bool:
    """Tell whether the process ``identity`` describes still runs.

    A process on another host cannot be checked from here and counts as alive.

    Args:
        identity: From :func:`process_identity`.

    Returns:
        False when the process is gone or its pid now belongs to another process.
    """
    if identity is None or identity.host != socket.gethostname():
        return True
    if PROC.is_dir():
        start = start_ticks(identity.pid)
        return start is not None and start == identity.start
    try:
        os.kill(identity.pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def own_group_niceness(pid: int) -> int | None:
    """The nice value of the scheduling group of ``pid``, when that group is not this process's.

    With the kernel's autogroup scheduling (``/proc/sys/kernel/sched_autogroup_enabled``), each
    session is a group that gets its fair share of the CPU whatever the nice values of its
    threads, which count only inside the group. A Jupyter kernel starts its own session, so a
    nice value on its threads alone does not make it yield to another kernel: its group's nice
    value (``/proc/<pid>/autogroup``) does.

    Args:
        pid: A process.

    Returns:
        The group's nice value; None without autogroup scheduling, for a process of this
        process's own group (whose value would slow this process too), or one that is gone.
    """
    theirs = _autogroup(pid)
    ours = _autogroup("self")
    if theirs is None or ours is None or theirs[0] == ours[0]:
        return None
    return theirs[1]


def _autogroup(pid: int | str) -> tuple[str, int] | None:
    """The name and nice value of the autogroup a process is scheduled in.

    Returns:
        None when the process is gone, or is not scheduled by autogroup: autogroup scheduling
        off, or the process in a control group of its own (a container), where Linux shows an
        empty ``/proc/<pid>/autogroup``.
    """
    try:
        fields = (PROC / str(pid) / "autogroup").read_text().split()
    except OSError:
        return None
    if len(fields) != 3 or not fields[2].lstrip("-").isdigit():
        return None
    return fields[0], int(fields[2])


def _write_group_niceness(path: Path, niceness: int) -> None:
    """Write a scheduling group's nice value, trying again while Linux says to wait.

    Linux lets a process without ``CAP_SYS_ADMIN`` change one only every 100 ms (``EAGAIN``
    sooner).

    Raises:
        OSError: Not allowed, or the process is gone.
    """
    for attempt in range(GROUP_NICE_ATTEMPTS):
        try:
            path.write_text(str(niceness))
            return
        except BlockingIOError:
            if attempt == GROUP_NICE_ATTEMPTS - 1:
                raise
            time.sleep(0.11)


def _set_group_niceness(pid: int, niceness: int) -> None:
    """Give the scheduling group of ``pid`` the nice value ``niceness``, if it has its own.

    Nothing for a process of this process's group (see :func:`own_group_niceness`).

    Raises:
        PermissionError: Lowering the value is not allowed.
    """
    if own_group_niceness(pid) in (None, niceness):
        return
    try:
        _write_group_niceness(PROC / str(pid) / "autogroup", niceness)
    except PermissionError:
        raise
    except OSError:
        pass  # gone meanwhile, or busy


def lower_priority(pid: int, niceness: int = 10) -> None:
    """Make every thread of a process yield the CPU to others (``nice`` ``niceness``).

    Linux keeps a nice value per thread, and a thread started earlier (e.g. DuckDB's workers)
    keeps the one it had: each thread of ``/proc/<pid>/task`` is set, and so is the process's
    scheduling group when it has one of its own (a kernel's session). Raising niceness needs no
    privilege; a process or thread gone meanwhile is skipped.

    Args:
        pid: The process.
        niceness: The nice value to set (never lowered: a thread already nicer keeps its own).
    """
    try:
        tids = [int(task.name) for task in (PROC / str(pid) / "task").iterdir()]
    except OSError:
        return
    for tid in tids:
        try:
            if os.getpriority(os.PRIO_PROCESS, tid) < niceness:
                os.setpriority(os.PRIO_PROCESS, tid, niceness)
        except OSError:
            pass
    group = own_group_niceness(pid)
    if group is not None and group < niceness:
        try:
            _set_group_niceness(pid, niceness)
        except PermissionError:
            pass


def set_priority(pid: int, niceness: int) -> bool:
    """Set every thread of a process, and its own scheduling group, to nice ``niceness``.

    Args:
        pid: The process.
        niceness: The nice value.

    Returns:
        False when not allowed (lowering the value needs ``CAP_SYS_NICE`` or ``RLIMIT_NICE``).
    """
    try:
        tids = [int(task.name) for task in (PROC / str(pid) / "task").iterdir()]
    except OSError:
        return True  # gone: nothing to do
    for tid in tids:
        try:
            os.setpriority(os.PRIO_PROCESS, tid, niceness)
        except PermissionError:
            return False
        except OSError:
            pass  # a thread that ended meanwhile
    try:
        _set_group_niceness(pid, niceness)
    except PermissionError:
        return False
    return True


def set_session_niceness(niceness: int) -> bool:
    """Give this process's own scheduling group the nice value ``niceness``.

    Only for a session leader (the API server starts each runner in a session of its own, see
    :func:`own_group_niceness`): its group is its own, and no other process's priority changes.
    A runner lowers its group while it finishes a Complete report (the notebook's last cells,
    the HTML), so that the next report, on another runner, goes first, and gives it back before
    its next report.

    Args:
        niceness: The nice value.

    Returns:
        False when nothing was set (not a session leader, no autogroup scheduling, or not
        allowed).
    """
    if os.getsid(0) != os.getpid():
        return False
    group = _autogroup("self")
    if group is None:
        return False
    if group[1] == niceness:
        return True  # already: no write (Linux may ask to wait between two)
    try:
        _write_group_niceness(PROC / "self" / "autogroup", niceness)
    except OSError:
        return False
    return True


@cache
def can_raise_priority() -> bool:
    """Whether this process may give a thread back a lower nice value (0) once it raised it.

    Tried on a short-lived thread of its own, which is the only sure way to know.

    Returns:
        True when allowed.
    """
    allowed = []

    def attempt() -> None:
        tid = threading.get_native_id()
        try:
            os.setpriority(os.PRIO_PROCESS, tid, os.getpriority(os.PRIO_PROCESS, tid) + 1)
            os.setpriority(os.PRIO_PROCESS, tid, 0)
            allowed.append(True)
        except OSError:
            pass

    thread = threading.Thread(target=attempt, name="storemon-nice-probe")
    thread.start()
    thread.join()
    return bool(allowed)
