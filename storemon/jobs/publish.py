"""Publishing a report: Complete as soon as its CSV exists, before the rest of the notebook.

The report notebook's cell tagged ``outputs`` writes ``report.csv`` and ``summary.json``.
:class:`Publisher` is given to nbclient as its cell hooks by the runner
(:mod:`storemon.jobs.runner`): once that cell has run, the record becomes Complete while
papermill runs the remaining cells (display, data quality) and before the HTML copy is written
(the record then says ``html_ready``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from storemon.files import read_json
from storemon.jobs.pool import KernelPool
from storemon.jobs.process import lower_priority, set_session_niceness
from storemon.jobs.records import JobRecord, ReportState, Stage, utc_now
from storemon.jobs.store import SUMMARY_FILE, record_freshness, save_record
from storemon.jobs.timing import mark

OUTPUTS_TAG = "outputs"  # the notebook cell that writes the CSV and summary.json
TAIL_NICENESS = 19  # the work after Complete (display, data quality, HTML) yields the CPU


def record_complete(job_dir: Path, record: JobRecord) -> JobRecord:
    """Record a job Complete from its ``summary.json``: the CSV is there, the HTML not yet.

    Args:
        job_dir: The job's folder.
        record: Its Running record (updated in place).

    Returns:
        The Complete record.
    """
    summary = read_json(job_dir / SUMMARY_FILE)
    record.status, record.stage, record.finished = ReportState.COMPLETE, Stage.DONE, utc_now()
    record.now, record.stores = summary["now"], summary["stores"]
    record.demo_data = summary["demo_data"]
    record.html_ready = False
    record_freshness(record, summary)
    save_record(job_dir, record)
    return record


class Publisher:
    """Publishes a report Complete as soon as its notebook's ``outputs`` cell has run.

    The cell tagged ``outputs`` writes the CSV and ``summary.json``; the record becomes Complete
    right then, while papermill runs the remaining cells (display, data quality) and before the
    HTML copy. Until then the pool's refills wait (:meth:`KernelPool.hold_refill`): starting a
    kernel beside the report would slow it on a 2-core machine. Every step is marked in the
    job's log (:mod:`storemon.jobs.timing`).

    Args:
        job_dir: The job's folder.
        record: Its Running record (made Complete in place).
        pool: Where the report's kernel comes from.
        on_complete: Called with the Complete record (e.g. ``storemon report`` prints it).
        tail_niceness: When more than 0, the nice value of the report's kernel once Complete:
            in a server, the cells left must not slow the next report (the kernel dies after).
    """

    def __init__(
        self,
        job_dir: Path,
        record: JobRecord,
        pool: KernelPool,
        on_complete: Callable[[JobRecord], None] | None = None,
        tail_niceness: int = 0,
    ) -> None:
        self.job_dir, self.record, self.pool = job_dir, record, pool
        self.on_complete, self.tail_niceness = on_complete, tail_niceness
        self.kernel_pid: int | None = None  # the report's kernel, once taken (see complete)
        self._held = True
        pool.hold_refill()

    def cell_started(self, cell: dict, cell_index: int, **_: object) -> None:
        """Nbclient's ``on_cell_start`` hook: mark the cell's start."""
        mark(self.job_dir, f"cell {cell_index} start: {_first_line(cell)}")

    def cell_executed(
        self, cell: dict, cell_index: int, execute_reply: dict | None = None, **_: object
    ) -> None:
        """Nbclient's ``on_cell_executed`` hook: after the ``outputs`` cell, publish Complete."""
        mark(self.job_dir, f"cell {cell_index} end: {_first_line(cell)}")
        ok = (execute_reply or {}).get("content", {}).get("status") == "ok"
        tags = cell.get("metadata", {}).get("tags", [])
        if ok and OUTPUTS_TAG in tags and self.record.running:
            self.complete()

    def complete(self) -> None:
        """Record the report Complete, let the pool refill, tell ``on_complete``; then yield.

        What is left (the kernel's last cells, this runner's HTML) runs at a lower priority.
        """
        record_complete(self.job_dir, self.record)
        mark(self.job_dir, "record Complete")
        self.release()
        if self.on_complete is not None:
            self.on_complete(self.record)
        if self.tail_niceness > 0:  # the rest yields to the next report (on another runner)
            if self.kernel_pid is not None:
                lower_priority(self.kernel_pid, self.tail_niceness)
            set_session_niceness(self.tail_niceness)  # the runner: back to 0 at its next job

    def release(self) -> None:
        """Let the pool refill (once)."""
        if self._held:
            self._held = False
            self.pool.release_refill()


def _first_line(cell: dict) -> str:
    """A cell's first line, shortened, to name it in the log."""
    lines = "".join(cell.get("source", "")).strip().splitlines()
    return lines[0][:60] if lines else ""
