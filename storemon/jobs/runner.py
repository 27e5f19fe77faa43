"""The runner: one report job executed in this process, and ``python -m storemon.jobs``.

:func:`execute_job` runs a created job: papermill executes the report notebook (which writes the
CSV and ``summary.json``), nbconvert writes a no-code HTML copy, and the record becomes Complete
or Failed with a plain reason.

The :class:`storemon.jobs.manager.JobManager` talks to a long-lived runner process
(``python -m storemon.jobs --serve``) with one line each way: it writes a job folder on the
runner's stdin, the runner answers the job's final status word on stdout when it is done.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import TextIO

from storemon.config import REPORT_NOTEBOOK
from storemon.jobs.html_copy import write_html
from storemon.jobs.kernel import setup_code
from storemon.jobs.pool import KernelPool
from storemon.jobs.process import (
    can_raise_priority,
    process_identity,
    set_priority,
    set_session_niceness,
)
from storemon.jobs.publish import TAIL_NICENESS, Publisher, record_complete  # noqa: F401 - re-exported
from storemon.jobs.records import JobRecord, ReportState, Stage, utc_now
from storemon.jobs.scratch import use_private_tempdir
from storemon.jobs.store import (
    NOTEBOOK_FILE,
    PARTIAL_NOTEBOOK,
    RUNNER_LOG,
    STOPPED,
    fail_record,
    load_record,
    save_record,
)
from storemon.jobs.timing import mark

SERVE_FLAG = "--serve"
BACKGROUND_FLAG = "--background"  # a spare runner: it and its kernels warm at TAIL_NICENESS
DONE = "done"  # a runner's second answer: the report's tail (last cells, HTML) is done too
CELL_TIMEOUT_SECONDS = 3600  # a cell running longer than this is stuck, not slow
KERNEL_START_SECONDS = 180  # a kernel start on a busy 2-core machine can take a while
KERNEL_ATTEMPTS = 2


class JobStopped(BaseException):  # noqa: N818 - a signal, like KeyboardInterrupt, not an error
    """Raised in a runner that received SIGTERM: the report is abandoned."""


_stop_requested = False


def _on_sigterm(signum: int, frame: object) -> None:
    """SIGTERM handler of a runner: abandon the report (its kernel is shut down on the way)."""
    global _stop_requested
    _stop_requested = True
    # The notebook's cell was being awaited: its task now ends with "Kernel died", which nobody
    # retrieves any more; asyncio would print that as a traceback on the server's console.
    logging.getLogger("asyncio").setLevel(logging.CRITICAL)
    raise JobStopped


def _stop_again_if_swallowed(unraisable: sys.UnraisableHookArgs) -> None:
    """Raise a swallowed stop again, outside the callback that swallowed it.

    A signal handler's exception lands wherever the main thread was; in a weakref callback or a
    ``__del__`` Python prints it ("Exception ignored in ...") and drops it. The stop is then
    raised anew from a timer signal a moment later, in ordinary code; other unraisable errors
    are printed as Python would.
    """
    if isinstance(unraisable.exc_value, JobStopped):
        signal.setitimer(signal.ITIMER_REAL, 0.01)
        return
    sys.__unraisablehook__(unraisable)


def _catch_stops() -> None:
    """Make SIGTERM (and its retries by timer) stop the report this runner process runs."""
    signal.signal(signal.SIGTERM, _on_sigterm)
    signal.signal(signal.SIGALRM, _on_sigterm)
    sys.unraisablehook = _stop_again_if_swallowed


@contextmanager
def job_log(job_dir: Path) -> Iterator[TextIO]:
    """Send this process's stdout and stderr (and its kernel's) to the job's ``runner.log``.

    Args:
        job_dir: The job's folder.

    Yields:
        The original stdout (e.g. the terminal), as a text stream open until leaving; the
        streams are restored on leaving.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with open(job_dir / RUNNER_LOG, "ab") as log:
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
    terminal = os.fdopen(os.dup(saved[0]), "w", buffering=1)
    try:
        yield terminal
    finally:
        terminal.close()
        sys.stdout.flush()
        sys.stderr.flush()
        for fd, original in zip((1, 2), saved, strict=True):
            os.dup2(original, fd)
            os.close(original)


def new_pool(size: int, refill: bool = True) -> KernelPool:
    """A started pool of kernels warmed with the report notebook's imports.

    Args:
        size: Warm kernels kept (0: each report starts its own).
        refill: Replace each kernel handed out (False for a single report).

    Returns:
        The pool; close it when done.
    """
    niceness = TAIL_NICENESS if refill else 0  # replacements warm beside running reports
    return KernelPool(size, setup_code(), refill=refill, warm_niceness=niceness).start()


def execute_job(
    job_dir: str | Path,
    pool: KernelPool | None = None,
    on_complete: Callable[[JobRecord], None] | None = None,
    tail_niceness: int = 0,
) -> JobRecord:
    """Run a created job in this process: the notebook, then the HTML; record the outcome.

    The record is Complete as soon as the notebook has written the CSV; the HTML copy is
    written after that and the record then says ``html_ready``.

    Args:
        job_dir: The job's folder (made by :func:`storemon.jobs.store.create_job`).
        pool: Where the report's kernel comes from; default a kernel started for it.
        on_complete: Called with the record once Complete, before the notebook's last cells
            and the HTML.
        tail_niceness: When more than 0, the nice value of what runs after Complete (the
            kernel's last cells, the HTML): a server's next report goes first.

    Returns:
        The final record (Complete or Failed).

    Raises:
        KeyboardInterrupt: Ctrl-C; the record says Failed "stopped" first (unless Complete).
    """
    job_dir = Path(job_dir)
    mark(job_dir, "runner: job received")
    record = load_record(job_dir)
    if not record.running:  # e.g. stopped while it waited
        return record
    record.stage, record.started, record.runner = Stage.RUNNING, utc_now(), process_identity()
    save_record(job_dir, record)
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _on_sigterm) if in_main_thread else None
    own_pool = pool is None
    publish = None
    try:
        pool = new_pool(0) if own_pool else pool
        publish = Publisher(job_dir, record, pool, on_complete, tail_niceness)
        error = _run_notebook(job_dir, record, pool, publish)
        if error is not None and record.running:
            return fail_record(job_dir, record, error)
        if error is not None:  # a cell after the CSV failed: the report itself is complete
            logging.getLogger(__name__).error("after the report was complete: %s", error)
        if record.running:  # a notebook without an ``outputs`` cell: Complete at its end
            publish.complete()
        _publish_html(job_dir, record, tail_niceness)
        mark(job_dir, "HTML written")
        return record
    except JobStopped:
        return record if not record.running else fail_record(job_dir, record, STOPPED)
    except KeyboardInterrupt:
        if record.running:
            fail_record(job_dir, record, "stopped: interrupted (Ctrl-C)")
        raise
    except Exception as exc:  # noqa: BLE001 - any failure becomes the record's reason
        if not record.running:  # after Complete (e.g. the HTML): the report stays complete
            logging.getLogger(__name__).exception("after the report was complete")
            return record
        return fail_record(job_dir, record, f"the report could not be written: {_named(exc)}")
    finally:
        if in_main_thread:
            signal.signal(signal.SIGTERM, previous)
        if publish is not None:
            publish.release()
        Path(job_dir / PARTIAL_NOTEBOOK).unlink(missing_ok=True)
        if own_pool and pool is not None:
            pool.close()


def _named(exc: BaseException) -> str:
    """An exception as ``Type: message``."""
    return f"{type(exc).__name__}: {exc}"


def _publish_html(job_dir: Path, record: JobRecord, niceness: int = 0) -> None:
    """Write the HTML copy of a Complete report, then record ``html_ready``.

    A failure here leaves the report Complete without its HTML (``html_ready`` stays false);
    the reason goes to the job's log.
    """
    try:
        # In a thread of its own at a lower priority: the next report may be running already.
        with ThreadPoolExecutor(1, initializer=_nice_thread, initargs=(niceness,)) as thread:
            thread.submit(write_html, job_dir).result()
    except Exception:  # noqa: BLE001 - the report itself is complete
        logging.getLogger(__name__).exception("the HTML copy could not be written")
        return
    record.html_ready = True
    save_record(job_dir, record)


def _nice_thread(niceness: int) -> None:
    """Set the calling thread's nice value when more than 0 (Linux keeps one per thread)."""
    try:
        if niceness > 0:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), niceness)
    except OSError:
        pass


def _run_notebook(
    job_dir: Path, record: JobRecord, pool: KernelPool, publish: Publisher
) -> str | None:
    """Execute the report notebook into the job folder; return the error in plain words."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    from storemon.jobs.engine import ENGINE_NAME

    parameters = record.parameters
    partial = job_dir / PARTIAL_NOTEBOOK
    try:
        for attempt in range(1, KERNEL_ATTEMPTS + 1):
            km = pool.take()
            publish.kernel_pid = km.provisioner.process.pid
            mark(job_dir, "kernel taken from the pool; papermill starts")
            try:
                papermill.execute_notebook(
                    str(REPORT_NOTEBOOK),
                    str(partial),
                    parameters={
                        "report_id": record.report_id,
                        "source": parameters.source,
                        "as_of": parameters.as_of or "",
                        "method": parameters.method,
                        "reports_dir": str(job_dir.parent.absolute()),
                    },
                    engine_name=ENGINE_NAME,
                    km=km,
                    kernel_name="python3",
                    progress_bar=False,
                    start_timeout=KERNEL_START_SECONDS,
                    execution_timeout=CELL_TIMEOUT_SECONDS,
                    on_cell_start=publish.cell_started,
                    on_cell_executed=publish.cell_executed,
                )
                mark(job_dir, "papermill done")
                break
            except (RuntimeError, TimeoutError) as exc:
                # A kernel that dies (a busy machine, a kill) is worth one more try with
                # another kernel; the notebook is idempotent.
                if attempt == KERNEL_ATTEMPTS or not record.running:
                    raise  # not again once Complete: the published CSV stays the report's
                logging.getLogger(__name__).warning("kernel failed (%s); retrying", exc)
            finally:
                pool.discard(km)  # one report per kernel
    except PapermillExecutionError as exc:
        # A StoremonError from the notebook is already a plain sentence; anything else is a bug
        # and is named as such (the executed notebook shows the traceback).
        if exc.ename == "StoremonError":
            return exc.evalue
        return f"the report notebook failed in cell {exc.exec_count}: {exc.ename}: {exc.evalue}"
    finally:
        if partial.exists():  # also a failed run's notebook: it shows where it failed
            os.replace(partial, job_dir / NOTEBOOK_FILE)
    return None


def _serve_runner(kernels: int, background: bool = False) -> int:
    """Runner loop: run each job folder read from stdin, answer its status on stdout.

    Two lines per job: its status (Complete or Failed) as soon as the record says so, then
    ``done`` once what runs after Complete has run too.

    Args:
        kernels: Warm kernels this runner keeps ready (its share of the server's pool).
        background: Start at the lowest priority (``TAIL_NICENESS``), kernels included, until
            the first report: a spare started beside running reports. Only where this process
            may give itself its priority back.

    Returns:
        The exit code.
    """
    protocol = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # anything printed goes to the log, never into the answers
    _catch_stops()
    background = background and can_raise_priority()
    if background:  # every thread; the threads and kernels started from now on inherit it
        set_priority(os.getpid(), TAIL_NICENESS)
        set_session_niceness(TAIL_NICENESS)
    pool = None
    try:
        pool = new_pool(kernels)  # kernels start warming before the imports below
        import nbconvert  # noqa: F401 - both import slowly: once per runner, not per report
        import papermill  # noqa: F401

        for line in sys.stdin:
            set_session_niceness(0)  # lowered while the last report's tail ran
            if background:  # its first report: full priority from now on (its kernel's: take)
                set_priority(os.getpid(), 0)
                background = False
            job_dir, answered = Path(line.strip()), []
            answer = partial(_answer, protocol, answered)  # at Complete: the next report starts
            with job_log(job_dir):
                record = execute_job(job_dir, pool, answer, tail_niceness=TAIL_NICENESS)
            if not answered:  # Failed (or Complete without a tail)
                answer(record)
            protocol.write(f"{DONE}\n")
            if _stop_requested:
                break
    except JobStopped:
        pass
    finally:
        # Closing already: a stop (the server shutting down) has nothing left to abandon, and
        # raised inside the kernels' shutdown it would only print a traceback.
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        if pool is not None:
            pool.close()  # every kernel of this runner, idle or warming
    return 0


def _answer(protocol: TextIO, answered: list[JobRecord], record: JobRecord) -> None:
    """Answer a report's status on the runner's protocol stream (once per report)."""
    protocol.write(f"{record.status.value}\n")
    answered.append(record)


def main(argv: Sequence[str] | None = None) -> int:
    """Runner entry point: ``python -m storemon.jobs --serve [KERNELS [--background]]``, or a job.

    With ``--serve`` it runs the job folders it reads on stdin, one per line, and answers each
    with its final status on stdout (the :class:`JobManager` protocol), keeping ``KERNELS``
    warm kernels ready (default 1), started at the lowest priority with ``--background``; with
    a job's folder (``python -m storemon.jobs JOB_DIR``) it runs that one job.

    Args:
        argv: The arguments (default ``sys.argv[1:]``).

    Returns:
        0, or 1 when the single job Failed.
    """
    argument, *rest = sys.argv[1:] if argv is None else argv
    use_private_tempdir()  # kernels' connection files go there, and go with this process
    if argument == SERVE_FLAG:
        return _serve_runner(int(rest[0]) if rest else 1, BACKGROUND_FLAG in rest[1:])
    _catch_stops()
    with job_log(Path(argument)):
        record = execute_job(argument)
    return 0 if record.status is ReportState.COMPLETE else 1
