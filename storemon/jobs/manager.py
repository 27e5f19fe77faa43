"""The job queue of the API server: a bounded queue, worker threads, one runner process each.

:class:`JobManager` keeps one bounded queue of report ids and computes at most ``workers`` of
them at a time, each in a runner process (``python -m storemon.jobs --serve``, see
:mod:`storemon.jobs.runner`) so that a crash or a kill of one report touches nothing else. A
runner answers as soon as its report is Complete (or Failed), then runs what is left of it (the
notebook's display and data-quality cells, the HTML) at the lowest priority; its compute slot is
free from the answer on, and ``spare_runners`` more runners than slots take the next reports
while others finish theirs, so that a report never waits for another's tail. The slots' runners
and one spare start with the manager; the other spares once the first report has its outcome,
warming at the lowest priority (a server that has not run a report yet starts fewer processes,
and the first report does not wait for them). Stopping the manager stops the runners (their
kernels are shut down) and marks their reports Failed "stopped".
"""

from __future__ import annotations

import collections
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from storemon.config import DEFAULT_KERNEL_POOL, REPORTS_DIR, SPARE_RUNNERS
from storemon.errors import StoremonError
from storemon.jobs.listing import list_reports
from storemon.jobs.records import JobRecord
from storemon.jobs.runner import BACKGROUND_FLAG, SERVE_FLAG
from storemon.jobs.store import (
    STOPPED,
    create_job,
    fail_record,
    load_record,
    read_status,
)
from storemon.jobs.timing import mark

DEFAULT_WORKERS = 2  # the machines have 2 cores; a report keeps one busy
DEFAULT_MAX_QUEUE = 50  # waiting reports; past this a trigger is refused
STOP_GRACE_SECONDS = 15.0  # how long a stopped runner may take to shut its kernel down


class QueueFullError(StoremonError):
    """The queue of waiting reports is full; the client should try again later."""


class JobManager:
    """One bounded queue of report jobs, run by at most ``workers`` runner processes at a time.

    Each worker thread drives one long-lived runner process (``python -m storemon.jobs``) that
    has papermill and nbconvert imported once and runs the reports it is handed, one at a time;
    a runner that dies (killed, crashed) is replaced for the next report. There are
    ``workers + spare_runners`` of them; at most ``workers`` compute a report at once. The first
    ``workers + 1`` start at once, the others once a report has its outcome.

    Args:
        source: The data every report reads (database or CSV folder).
        reports_dir: The folder of report folders.
        workers: How many reports are computed at once.
        max_queue: How many reports may wait; past that :meth:`submit` refuses.
        kernel_pool: Warm kernels kept ready over all runners (each runner keeps its share,
            see :mod:`storemon.jobs.pool`); 0 starts a kernel per report.
        spare_runners: Runners beyond ``workers``, which take a report while others finish the
            work after their reports' Complete.
    """

    def __init__(
        self,
        source: str | Path,
        reports_dir: str | Path = REPORTS_DIR,
        workers: int = DEFAULT_WORKERS,
        max_queue: int = DEFAULT_MAX_QUEUE,
        kernel_pool: int = DEFAULT_KERNEL_POOL,
        spare_runners: int = SPARE_RUNNERS,
    ) -> None:
        self.source = Path(source)
        self.reports_dir = Path(reports_dir)
        self.workers = workers
        self.runners = workers + max(spare_runners, 0)
        self.first_runners = min(self.runners, workers + 1)  # started at once
        self._spares_go = threading.Event()  # set once a report has its outcome (or at a stop)
        self._computing = 0  # runners computing a report (not yet Complete or Failed)
        self.max_queue = max_queue
        self.kernel_pool = kernel_pool
        self._waiting: collections.deque[str] = collections.deque()
        self._runners: dict[int, subprocess.Popen] = {}  # worker number -> its runner
        self._busy: dict[int, str] = {}  # worker number -> the report it runs
        self._stopped: set[str] = set()
        self._lock = threading.Condition()
        self._stopping = False
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        """Start the worker threads and their runners (once)."""
        self.reports_dir.mkdir(parents=True, exist_ok=True)
        with self._lock:
            if self._threads:
                return
            self._stopping = False
            self._spares_go.clear()
            self._threads = [
                threading.Thread(target=self._work, args=(n,), name=f"storemon-jobs-{n}")
                for n in range(self.runners)
            ]
        for thread in self._threads:
            thread.start()

    def submit(self, as_of: str | None = None, method: str = "nearest") -> JobRecord:
        """Queue a report.

        Args:
            as_of: Report as of this instant (ISO); None or empty for the latest poll.
            method: ``nearest`` or ``carry_forward``.

        Returns:
            The new record (Running, stage queued).

        Raises:
            StoremonError: A parameter is not valid.
            QueueFullError: Too many reports are waiting, or the server is stopping.
        """
        with self._lock:
            if self._stopping or not self._threads:
                raise QueueFullError("the server is not taking reports (it is stopping)")
            if len(self._waiting) >= self.max_queue:
                raise QueueFullError(
                    f"{len(self._waiting)} reports are already waiting; try again in a minute"
                )
            record = create_job(self.reports_dir, self.source, as_of, method)
            self._waiting.append(record.report_id)
            self._lock.notify()
        return record

    def status(self, report_id: str) -> JobRecord | None:
        """The record of a report (see :func:`storemon.jobs.store.read_status`)."""
        return read_status(self.reports_dir, report_id)

    def recent(self, limit: int = 20) -> list[JobRecord]:
        """The most recent reports, newest first (see :func:`.listing.list_reports`)."""
        return list_reports(self.reports_dir, limit)

    def queued(self) -> int:
        """How many reports wait for a worker."""
        with self._lock:
            return len(self._waiting)

    def runner_pids(self) -> list[int]:
        """The process ids of the runners alive now (their children are the report kernels)."""
        with self._lock:
            return [r.pid for r in self._runners.values() if r.poll() is None]

    def kernel_share(self, number: int) -> int:
        """The warm kernels worker ``number``'s runner keeps: the pool split over the runners.

        Args:
            number: The worker's number, from 0.

        Returns:
            Its share (the first ``kernel_pool % workers`` workers keep one more).
        """
        share, extra = divmod(max(self.kernel_pool, 0), max(self.runners, 1))
        return share + (number < extra)

    def _spawn_runner(self, number: int) -> subprocess.Popen:
        """Start worker ``number``'s runner; it reads job folders on stdin, answers on stdout.

        A later spare (past ``first_runners``) starts in the background: it and its kernels warm
        at the lowest priority, beside the reports already running.
        """
        share = str(self.kernel_share(number))
        command = [sys.executable, "-m", "storemon.jobs", SERVE_FLAG, share]
        if number >= self.first_runners:
            command.append(BACKGROUND_FLAG)
        # A session of its own: Ctrl-C in the server's terminal reaches the server only, which
        # then stops the runners itself and records why.
        return subprocess.Popen(
            command,
            cwd=self.reports_dir,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )

    def _work(self, number: int) -> None:
        """A worker: hand the next waiting report to this worker's runner, wait, repeat.

        The report holds a compute slot until the runner answers its outcome; the worker takes
        no other report until the runner says the report's tail is done too.
        """
        runner = None
        if number >= self.first_runners:
            self._spares_go.wait()  # a spare past the first: once a report had its outcome
            with self._lock:
                if self._stopping:
                    return
        try:
            while True:
                with self._lock:
                    if runner is None or runner.poll() is not None:
                        runner = self._runners[number] = self._spawn_runner(number)
                    while (
                        not self._waiting or self._computing >= self.workers
                    ) and not self._stopping:
                        self._lock.wait()
                    if self._stopping:
                        return
                    report_id = self._waiting.popleft()
                    self._busy[number] = report_id
                    self._computing += 1
                job_dir = (self.reports_dir / report_id).absolute()
                mark(job_dir, "worker: job picked")
                answer = self._hand(runner, job_dir)
                with self._lock:
                    del self._busy[number]
                    stopped = report_id in self._stopped
                if not answer:  # the runner died during the report or its tail
                    runner.wait()
                self._settle(job_dir, runner.returncode, stopped)
        finally:
            if runner is not None:
                _close_runner(runner)

    def _hand(self, runner: subprocess.Popen, job_dir: Path) -> str:
        """Give a runner a report; free its compute slot at its outcome, return at its end.

        Returns:
            The runner's last line ("done" once the report's tail is done), or "" when it died.
        """
        answer = ""
        try:
            runner.stdin.write(f"{job_dir}\n")
            runner.stdin.flush()
            answer = runner.stdout.readline()  # Complete or Failed, as soon as it is
            mark(job_dir, f"worker: runner answered {answer.strip()}")
        except (BrokenPipeError, OSError):
            pass
        finally:
            self._spares_go.set()
            with self._lock:
                self._computing -= 1
                self._lock.notify_all()
        try:
            done = answer and runner.stdout.readline()  # after the notebook's last cells, HTML
        except OSError:
            return ""
        if done:
            mark(job_dir, "worker: runner done with the report's tail")
        return done

    def _settle(self, job_dir: Path, returncode: int | None, stopped: bool) -> None:
        """Record the outcome of a report whose runner did not record it."""
        record = load_record(job_dir)
        if not record.running:
            return
        if stopped:
            fail_record(job_dir, record, STOPPED)
            return
        how = "" if returncode is None else f" (exit code {returncode})"
        if returncode is not None and returncode < 0:
            how = f" (killed by {signal.Signals(-returncode).name})"
        fail_record(job_dir, record, f"the report process ended before it finished{how}")

    def shutdown(self, grace: float = STOP_GRACE_SECONDS) -> None:
        """Stop: waiting and running reports become Failed "stopped"; kernels are shut down.

        Args:
            grace: Seconds a runner gets to stop its report and kernel before it is killed.
        """
        with self._lock:
            self._stopping = True
            waiting, self._waiting = list(self._waiting), collections.deque()
            self._stopped.update(self._busy.values())
            runners = list(self._runners.values())
            threads, self._threads = self._threads, []
            self._lock.notify_all()
        self._spares_go.set()  # spares not started yet see the stop and end
        for report_id in waiting:
            job_dir = self.reports_dir / report_id
            fail_record(job_dir, load_record(job_dir), STOPPED)
        for runner in runners:
            _signal_group(runner, signal.SIGTERM)
        deadline = time.monotonic() + grace
        for runner in runners:
            try:
                runner.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal_group(runner, signal.SIGKILL)
        for thread in threads:
            thread.join(timeout=grace)


def _close_runner(runner: subprocess.Popen) -> None:
    """Let a runner go: close its pipes, and reap it once it has exited."""
    for stream in (runner.stdin, runner.stdout):
        try:
            stream.close()
        except OSError:
            pass
    try:
        runner.wait(STOP_GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        _signal_group(runner, signal.SIGKILL)
        runner.wait()


def _signal_group(process: subprocess.Popen, signum: int) -> None:
    """Send ``signum`` to a runner's process group (it leads its own session)."""
    try:
        os.killpg(process.pid, signum)
    except (ProcessLookupError, PermissionError):
        pass
