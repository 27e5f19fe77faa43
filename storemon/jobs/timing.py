"""Where a report's time goes: timestamped steps appended to the job's ``runner.log``.

Every step of a report between its trigger and its HTML (the worker picking it, the runner
taking a kernel, each cell's start and end, the CSV, Complete, the HTML) appends one line
``<UTC instant> storemon-timing <step>`` to the job's log, from whichever process does it (the
server's worker or the runner; each line is one ``O_APPEND`` write). :func:`read_steps` reads
them back as seconds since the trigger (``bench/benchmark.py --latency`` prints the breakdown).
"""

from __future__ import annotations

import os
import re
from datetime import datetime, timezone
from pathlib import Path

from storemon.jobs.store import RUNNER_LOG

MARK = "storemon-timing"
_LINE = re.compile(rf"^(\S+) {MARK} (.+)$")


def mark(job_dir: str | Path, step: str) -> None:
    """Append ``step`` with the current instant to the job's ``runner.log``; never fails.

    Args:
        job_dir: The job's folder.
        step: What just happened, in a few words.
    """
    stamp = datetime.now(timezone.utc).isoformat(timespec="microseconds")
    line = f"{stamp} {MARK} {step}\n".encode()
    try:
        fd = os.open(Path(job_dir) / RUNNER_LOG, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    except OSError:
        return
    try:
        os.write(fd, line)
    except OSError:
        pass
    finally:
        os.close(fd)


def read_steps(job_dir: str | Path, since: datetime) -> list[tuple[float, str]]:
    """The steps marked in a job's log, as seconds since ``since`` (e.g. the trigger).

    Args:
        job_dir: The job's folder.
        since: An aware instant.

    Returns:
        ``(seconds, step)`` in the log's order.
    """
    steps = []
    try:
        text = (Path(job_dir) / RUNNER_LOG).read_text(errors="replace")
    except OSError:
        return steps
    for line in text.splitlines():
        match = _LINE.match(line)
        if match:
            at = datetime.fromisoformat(match.group(1))
            steps.append(((at - since).total_seconds(), match.group(2)))
    return steps
