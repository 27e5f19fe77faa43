"""What the ``storemon`` command calls: run a report in this process, read and say a status."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import redirect_stdout
from pathlib import Path

from storemon.config import REPORTS_DIR
from storemon.errors import StoremonError
from storemon.files import write_bytes_atomic
from storemon.jobs.records import JobRecord, ReportState
from storemon.jobs.runner import execute_job, job_log, new_pool
from storemon.jobs.scratch import use_private_tempdir
from storemon.jobs.store import CSV_FILE, NOTEBOOK_FILE, create_job, os_reason, read_status


def run_report_job(
    source: str | Path,
    as_of: str | None = None,
    method: str = "nearest",
    out: str | Path | None = None,
    reports_dir: str | Path = REPORTS_DIR,
    early_kernel: bool = True,
    on_complete: Callable[[JobRecord], None] | None = None,
) -> JobRecord:
    """Run one report job in this process (``storemon report``) and return its record.

    Its kernel starts (and imports what the notebook needs) in the background right away,
    while this process imports papermill (see bench/benchmark.py --latency).
    The report is Complete once the notebook wrote its CSV: ``out`` is written and
    ``on_complete`` called then, before the notebook's last cells and the HTML copy.

    Args:
        source: The data (database or CSV folder).
        as_of: Report as of this instant (ISO); None for the latest poll.
        method: ``nearest`` or ``carry_forward``.
        out: When given, the report's CSV is also copied there (atomically).
        reports_dir: The folder of report folders.
        early_kernel: Start the kernel up front (False: when the notebook runs).
        on_complete: Called with the Complete record, its ``print`` going to this process's
            stdout (e.g. the terminal), not to the job's log.

    Returns:
        The Complete record.

    Raises:
        StoremonError: A parameter is bad, or the report failed (the message says why and
            names the report id).
    """
    record = create_job(reports_dir, source, as_of, method)
    job_dir = Path(reports_dir) / record.report_id
    use_private_tempdir()  # the kernel's connection file goes with this process
    try:
        with job_log(job_dir) as terminal:  # papermill's and the kernel's chatter go to the log
            pool = new_pool(1, refill=False) if early_kernel else None

            failures: list[BaseException] = []  # raised here, not inside papermill's hook

            def published(done: JobRecord) -> None:
                try:
                    if out is not None:
                        write_bytes_atomic(out, (job_dir / CSV_FILE).read_bytes())
                    if on_complete is not None:
                        with redirect_stdout(terminal):
                            on_complete(done)
                except Exception as exc:  # noqa: BLE001 - re-raised once the job is done
                    failures.append(exc)

            try:
                record = execute_job(job_dir, pool, on_complete=published)
            finally:
                if pool is not None:
                    pool.close()
            if failures:
                raise failures[0]
    except OSError as exc:  # e.g. no space left for the record itself
        raise StoremonError(f"report {record.report_id} failed: {os_reason(exc)}") from None
    if record.status is not ReportState.COMPLETE:
        raise StoremonError(
            f"report {record.report_id} failed: {record.error} (see {job_dir / NOTEBOOK_FILE})"
        )
    return record


def report_status(report_id: str, reports_dir: str | Path = REPORTS_DIR) -> JobRecord:
    """The record of a report (``storemon status``).

    Args:
        report_id: The report id.
        reports_dir: The folder of report folders.

    Returns:
        The record.

    Raises:
        StoremonError: The id is malformed or unknown.
    """
    record = read_status(reports_dir, report_id)
    if record is None:
        raise StoremonError(f"there is no report {report_id} in {reports_dir}")
    return record


def describe_status(record: JobRecord, reports_dir: str | Path = REPORTS_DIR) -> str:
    """Say a report's record in a few lines for a terminal.

    Args:
        record: A record.
        reports_dir: The folder of report folders (to name the CSV's path).

    Returns:
        Lines without a final newline.
    """
    parameters = record.parameters
    lines = [
        f"report {record.report_id}: {record.status.value}"
        + (f" ({record.stage.value})" if record.running else ""),
        f"  method {parameters.method}, as of {parameters.as_of or 'the latest poll'}",
        f"  created {record.created}, started {record.started or '-'}, "
        f"finished {record.finished or '-'}",
    ]
    if record.status is ReportState.COMPLETE:
        demo = " (demo data: the default database does not exist)" if record.demo_data else ""
        lines.append(f"  {record.stores:,} stores as of {record.now}{demo}")
        lines.append(f"  csv: {Path(reports_dir) / record.report_id / CSV_FILE}")
    elif record.status is ReportState.FAILED:
        lines.append(f"  error: {record.error}")
    return "\n".join(lines)
