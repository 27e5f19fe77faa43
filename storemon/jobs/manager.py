"""Report jobs: each report is a papermill run of ``notebooks/report.ipynb`` kept by report id.

A job's folder ``<reports_dir>/<report_id>/`` holds ``status.json`` (the record: Running /
Complete / Failed, parameters, times, the data's ``now``, stores, error), then ``report.csv``,
``summary.json``, the executed ``report.ipynb`` and a no-code ``report.html``. Every file is
written whole to a temporary name and renamed, so a reader never sees half of one.

Who runs what:

* :class:`JobManager` (inside the API server) keeps one bounded queue of report ids and runs at
  most ``workers`` of them at a time, each in its own runner process (``python -m storemon.jobs
  <folder>``) so that a crash or a kill of one report touches nothing else. Stopping the manager
  stops the runners (their kernels are shut down) and marks their reports Failed "stopped".
* :func:`execute_job` is the runner: papermill executes the notebook (which writes the CSV),
  nbconvert writes the HTML, and the record becomes Complete or Failed with a plain reason.
* :func:`run_report_job` runs one job in the calling process (``storemon report``).

A record says which process is responsible for it: the process that queued it while it waits,
the runner once it runs (pid and process start time, so a reused pid is not mistaken for it).
Reading a Running record checks that process; when it is gone (killed, machine restarted) the
record is turned into Failed with the reason, also by a server started later.

Data and ingest: the notebook opens the database once, read-only; ``storemon ingest`` writes a
copy and renames it over the file, so a running report keeps reading the snapshot it opened and
the next report reads the new data. Reports never wait for a load and never see half of one.
"""

from __future__ import annotations

import collections
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from storemon.config import REPORT_NOTEBOOK, REPORTS_DIR
from storemon.engine.report import check_method, parse_as_of
from storemon.errors import StoremonError
from storemon.files import read_json, write_bytes_atomic, write_json_atomic
from storemon.synthetic.demo import require_source

STATUS_FILE = "status.json"
CSV_FILE = "report.csv"
NOTEBOOK_FILE = "report.ipynb"
HTML_FILE = "report.html"
SUMMARY_FILE = "summary.json"
RUNNER_LOG = "runner.log"
# papermill saves the notebook after every cell; it does so here and renames it when done.
PARTIAL_NOTEBOOK = ".report.partial.ipynb"

RUNNING, COMPLETE, FAILED = "Running", "Complete", "Failed"
QUEUED, STARTED, DONE = "queued", "running", "done"

DEFAULT_WORKERS = 2  # the machines have 2 cores; a report keeps one busy
DEFAULT_MAX_QUEUE = 50  # waiting reports; past this a trigger is refused
STOP_GRACE_SECONDS = 15.0  # how long a stopped runner may take to shut its kernel down
CELL_TIMEOUT_SECONDS = 3600  # a cell running longer than this is stuck, not slow
KERNEL_START_SECONDS = 180  # a kernel start on a busy 2-core machine can take a while
KERNEL_ATTEMPTS = 2
STOPPED = "stopped: the report was cancelled before it finished (the server shut down)"


class QueueFullError(StoremonError):
    """The queue of waiting reports is full; the client should try again later."""


class JobStopped(BaseException):  # noqa: N818 - a signal, like KeyboardInterrupt, not an error
    """Raised in a runner that received SIGTERM: the report is abandoned."""


def utc_now() -> str:
    """The current instant as ISO 8601 UTC with milliseconds and a ``Z``."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def is_report_id(text: object) -> bool:
    """Tell whether ``text`` is a report id: a UUID4 in canonical lower-case form.

    Checked before any file is touched, so an id can never name a path outside the reports.

    Args:
        text: Anything a client sent.

    Returns:
        True for a canonical UUID4 string.
    """
    if not isinstance(text, str) or len(text) != 36:
        return False
    try:
        value = uuid.UUID(text)
    except ValueError:
        return False
    return value.version == 4 and str(value) == text


def report_dir(reports_dir: str | Path, report_id: str) -> Path:
    """Return the folder of a report, refusing anything that is not a report id.

    Args:
        reports_dir: The folder of report folders.
        report_id: A report id.

    Returns:
        ``reports_dir / report_id``.

    Raises:
        StoremonError: ``report_id`` is not a report id.
    """
    if not is_report_id(report_id):
        raise StoremonError(
            f"{str(report_id)[:80]!r} is not a report id (a report id looks like "
            "0b7c5f0e-2f4e-4c4a-9d1e-6a1f0c2b3d4e)"
        )
    return Path(reports_dir) / report_id


# --- processes ---------------------------------------------------------------------------------


def _start_ticks(pid: int) -> int | None:
    """Start time of process ``pid`` in clock ticks since boot (Linux), None if it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may hold spaces and parentheses: split after the last ")".
    fields = stat[stat.rindex(")") + 2 :].split()
    if fields[0] in ("Z", "X"):  # exited, only waiting to be reaped
        return None
    return int(fields[19])


def process_identity(pid: int | None = None) -> dict:
    """Describe a process so that it can later be told alive, dead, or replaced by another.

    Args:
        pid: The process id; default this process.

    Returns:
        ``{"pid", "start", "host"}``: ``start`` is the start time in ticks (None off Linux).
    """
    pid = os.getpid() if pid is None else pid
    return {"pid": pid, "start": _start_ticks(pid), "host": socket.gethostname()}


def process_alive(identity: dict | None) -> bool:
    """Tell whether the process ``identity`` describes still runs.

    A record written on another host cannot be checked from here and counts as alive.

    Args:
        identity: From :func:`process_identity`.

    Returns:
        False when the process is gone or its pid now belongs to another process.
    """
    if not identity or identity.get("host") != socket.gethostname():
        return True
    pid = int(identity["pid"])
    if Path("/proc").is_dir():
        start = _start_ticks(pid)
        return start is not None and start == identity.get("start")
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# --- records -----------------------------------------------------------------------------------


def _load(job_dir: Path) -> dict:
    """Read a job's record."""
    return read_json(job_dir / STATUS_FILE)


def _save(job_dir: Path, status: dict) -> None:
    """Write a job's record atomically."""
    write_json_atomic(job_dir / STATUS_FILE, status)


def _fail(job_dir: Path, status: dict, error: str) -> dict:
    """Record a job as Failed with ``error`` and return the record.

    Outputs written before the failure go: a Failed report has no CSV or HTML (its executed
    notebook stays, to show where it failed).
    """
    status.update(status=FAILED, stage=DONE, finished=utc_now(), error=error)
    _save(job_dir, status)
    for name in (CSV_FILE, HTML_FILE, SUMMARY_FILE):
        (job_dir / name).unlink(missing_ok=True)
    partial = job_dir / PARTIAL_NOTEBOOK
    if partial.exists() and not (job_dir / NOTEBOOK_FILE).exists():  # a killed run's last save
        os.replace(partial, job_dir / NOTEBOOK_FILE)
    return status


def create_job(
    reports_dir: str | Path,
    source: str | Path,
    as_of: str | None = None,
    method: str = "nearest",
) -> dict:
    """Check the parameters and create a queued job's folder and record.

    Args:
        reports_dir: The folder of report folders (created when missing).
        source: The data the report reads (database or CSV folder).
        as_of: Report as of this instant (ISO); None or empty for the latest poll.
        method: ``nearest`` or ``carry_forward``.

    Returns:
        The record; its ``report_id`` is a new UUID4.

    Raises:
        StoremonError: ``as_of`` or ``method`` is not valid, or the source does not exist.
    """
    method = check_method(method)
    instant = parse_as_of(as_of)
    require_source(source)
    report_id = str(uuid.uuid4())
    job_dir = Path(reports_dir) / report_id
    job_dir.mkdir(parents=True)
    status = {
        "report_id": report_id,
        "status": RUNNING,
        "stage": QUEUED,
        "parameters": {
            "source": str(Path(source).absolute()),
            "as_of": None if instant is None else instant.isoformat() + "Z",
            "method": method,
        },
        "created": utc_now(),
        "started": None,
        "finished": None,
        "now": None,
        "stores": None,
        "demo_data": None,
        "error": None,
        "owner": process_identity(),
        "runner": None,
    }
    _save(job_dir, status)
    return status


def read_status(reports_dir: str | Path, report_id: str) -> dict | None:
    """Read a report's record, turning a Running one whose process died into Failed.

    Args:
        reports_dir: The folder of report folders.
        report_id: A report id (checked before any file is touched).

    Returns:
        The record, or None when there is no such report.

    Raises:
        StoremonError: ``report_id`` is not a report id.
    """
    job_dir = report_dir(reports_dir, report_id)
    try:
        status = _load(job_dir)
    except FileNotFoundError:
        return None
    return _reconcile(job_dir, status)


def _reconcile(job_dir: Path, status: dict) -> dict:
    """Check that a Running record's responsible process lives; record Failed if not."""
    if status["status"] != RUNNING:
        return status
    holder = status["runner"] if status["stage"] == STARTED else status["owner"]
    if process_alive(holder):
        return status
    # The process may have finished between our read and our check: read again.
    again = _load(job_dir)
    if again["status"] != RUNNING or again["stage"] != status["stage"]:
        return _reconcile(job_dir, again)
    if status["stage"] == STARTED:
        reason = (
            f"the report process (pid {holder['pid']}) ended before it finished: it was killed "
            "or the machine restarted"
        )
    else:
        reason = "the server that queued this report stopped before the report could start"
    return _fail(job_dir, again, reason)


def list_reports(reports_dir: str | Path, limit: int = 20) -> list[dict]:
    """The most recently created reports, newest first.

    Args:
        reports_dir: The folder of report folders.
        limit: How many to return at most.

    Returns:
        Their records (a dead Running one reads as Failed).
    """
    reports_dir = Path(reports_dir)
    if not reports_dir.is_dir():
        return []
    statuses = []
    for entry in reports_dir.iterdir():
        if not is_report_id(entry.name):
            continue
        try:
            statuses.append(_reconcile(entry, _load(entry)))
        except (FileNotFoundError, ValueError, KeyError):
            continue  # a folder being created, or not ours
    statuses.sort(key=lambda status: status["created"], reverse=True)
    return statuses[:limit]


def progress(reports_dir: str | Path, status: dict) -> float | None:
    """Share of the notebook's cells done, for a running report (None when unknown).

    Args:
        reports_dir: The folder of report folders.
        status: The report's record.

    Returns:
        A number from 0 to 1, 1 when the report is done, None before it starts.
    """
    if status["status"] != RUNNING:
        return 1.0
    if status["stage"] != STARTED:
        return None
    job_dir = Path(reports_dir) / status["report_id"]
    try:
        notebook = read_json(job_dir / PARTIAL_NOTEBOOK)
    except FileNotFoundError:
        # papermill has not saved it yet, or it is done and the HTML copy is being written
        return 0.99 if (job_dir / NOTEBOOK_FILE).exists() else 0.0
    except (OSError, ValueError):  # caught mid-write: unknown this time
        return None
    cells = [cell for cell in notebook.get("cells", []) if cell.get("cell_type") == "code"]
    done = sum(
        cell.get("metadata", {}).get("papermill", {}).get("status") == "completed"
        for cell in cells
    )
    # The HTML copy is written after the last cell: a running report never reads as 100 %.
    return min(round(done / len(cells), 2), 0.99) if cells else 0.0


# --- the runner --------------------------------------------------------------------------------


_stop_requested = False


def _on_sigterm(signum: int, frame: object) -> None:
    """SIGTERM handler of a runner: abandon the report (its kernel is shut down on the way)."""
    global _stop_requested
    _stop_requested = True
    raise JobStopped


@contextmanager
def _job_log(job_dir: Path) -> Iterator[None]:
    """Send this process's stdout and stderr (and its kernel's) to the job's ``runner.log``."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with open(job_dir / RUNNER_LOG, "ab") as log:
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
    try:
        yield
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        for fd, original in zip((1, 2), saved, strict=True):
            os.dup2(original, fd)
            os.close(original)


def execute_job(job_dir: str | Path) -> dict:
    """Run a created job in this process: the notebook, then the HTML; record the outcome.

    Args:
        job_dir: The job's folder (made by :func:`create_job`).

    Returns:
        The final record (Complete or Failed).

    Raises:
        KeyboardInterrupt: Ctrl-C; the record says Failed "stopped" first.
    """
    job_dir = Path(job_dir)
    status = _load(job_dir)
    if status["status"] != RUNNING:  # e.g. stopped while it waited
        return status
    status.update(stage=STARTED, started=utc_now(), runner=process_identity())
    _save(job_dir, status)
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _on_sigterm) if in_main_thread else None
    try:
        error = _run_notebook(job_dir, status)
        if error is None:
            _write_html(job_dir)
    except JobStopped:
        return _fail(job_dir, status, STOPPED)
    except KeyboardInterrupt:
        _fail(job_dir, status, "stopped: interrupted (Ctrl-C)")
        raise
    except Exception as exc:  # noqa: BLE001 - any failure becomes the record's reason
        error = f"the report could not be written: {type(exc).__name__}: {exc}"
    finally:
        if in_main_thread:
            signal.signal(signal.SIGTERM, previous)
        Path(job_dir / PARTIAL_NOTEBOOK).unlink(missing_ok=True)
    if error is not None:
        return _fail(job_dir, status, error)
    summary = read_json(job_dir / SUMMARY_FILE)
    status.update(
        status=COMPLETE,
        stage=DONE,
        finished=utc_now(),
        now=summary["now"],
        stores=summary["stores"],
        demo_data=summary["demo_data"],
    )
    _save(job_dir, status)
    return status


def _run_notebook(job_dir: Path, status: dict) -> str | None:
    """Execute the report notebook into the job folder; return the error in plain words."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    parameters = status["parameters"]
    partial = job_dir / PARTIAL_NOTEBOOK
    try:
        for attempt in range(1, KERNEL_ATTEMPTS + 1):
            try:
                papermill.execute_notebook(
                    str(REPORT_NOTEBOOK),
                    str(partial),
                    parameters={
                        "report_id": status["report_id"],
                        "source": parameters["source"],
                        "as_of": parameters["as_of"] or "",
                        "method": parameters["method"],
                        "reports_dir": str(job_dir.parent.absolute()),
                    },
                    kernel_name="python3",
                    progress_bar=False,
                    start_timeout=KERNEL_START_SECONDS,
                    execution_timeout=CELL_TIMEOUT_SECONDS,
                )
                break
            except (RuntimeError, TimeoutError) as exc:
                # A kernel that fails to start or dies (a busy machine, a port taken between
                # choosing and binding it) is worth one more try; the notebook is idempotent.
                if attempt == KERNEL_ATTEMPTS:
                    raise
                logging.getLogger(__name__).warning("kernel failed (%s); retrying", exc)
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


# The lab template without its scripts (require.js, MathJax, mermaid from a CDN): the report is
# tables and text, and its HTML copy should open offline without fetching anything.
_HTML_TEMPLATE = """{%- extends 'index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
"""


def _write_html(job_dir: Path) -> None:
    """Write the executed notebook as HTML without code, for people (nbconvert --no-input)."""
    import jinja2
    import nbformat
    from nbconvert import HTMLExporter

    notebook = nbformat.read(job_dir / NOTEBOOK_FILE, as_version=4)
    exporter = HTMLExporter(
        template_name="lab",
        extra_loaders=[jinja2.DictLoader({"storemon_report.html.j2": _HTML_TEMPLATE})],
        template_file="storemon_report.html.j2",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    body, _ = exporter.from_notebook_node(notebook)
    write_bytes_atomic(job_dir / HTML_FILE, body.encode("utf-8"))


# --- the manager (API server) ------------------------------------------------------------------


class JobManager:
    """One bounded queue of report jobs, run by at most ``workers`` runner processes at a time.

    Each worker thread drives one long-lived runner process (``python -m storemon.jobs``) that
    has papermill and nbconvert imported once and runs the reports it is handed, one at a time;
    a runner that dies (killed, crashed) is replaced for the next report.

    Args:
        source: The data every report reads (database or CSV folder).
        reports_dir: The folder of report folders.
        workers: How many reports run at once.
        max_queue: How many reports may wait; past that :meth:`submit` refuses.
    """

    def __init__(
        self,
        source: str | Path,
        reports_dir: str | Path = REPORTS_DIR,
        workers: int = DEFAULT_WORKERS,
        max_queue: int = DEFAULT_MAX_QUEUE,
    ) -> None:
        self.source = Path(source)
        self.reports_dir = Path(reports_dir)
        self.workers = workers
        self.max_queue = max_queue
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
            self._threads = [
                threading.Thread(target=self._work, args=(n,), name=f"storemon-jobs-{n}")
                for n in range(self.workers)
            ]
        for thread in self._threads:
            thread.start()

    def submit(self, as_of: str | None = None, method: str = "nearest") -> dict:
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
            status = create_job(self.reports_dir, self.source, as_of, method)
            self._waiting.append(status["report_id"])
            self._lock.notify()
        return status

    def status(self, report_id: str) -> dict | None:
        """The record of a report (see :func:`read_status`)."""
        return read_status(self.reports_dir, report_id)

    def recent(self, limit: int = 20) -> list[dict]:
        """The most recent reports, newest first (see :func:`list_reports`)."""
        return list_reports(self.reports_dir, limit)

    def queued(self) -> int:
        """How many reports wait for a worker."""
        with self._lock:
            return len(self._waiting)

    def _spawn_runner(self) -> subprocess.Popen:
        """Start a runner process; it reads job folders on stdin and answers on stdout."""
        # A session of its own: Ctrl-C in the server's terminal reaches the server only, which
        # then stops the runners itself and records why.
        return subprocess.Popen(
            [sys.executable, "-m", "storemon.jobs", "--serve"],
            cwd=self.reports_dir,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )

    def _work(self, number: int) -> None:
        """A worker: hand the next waiting report to this worker's runner, wait, repeat."""
        runner = None
        try:
            while True:
                with self._lock:
                    if runner is None or runner.poll() is not None:
                        runner = self._runners[number] = self._spawn_runner()
                    while not self._waiting and not self._stopping:
                        self._lock.wait()
                    if self._stopping:
                        return
                    report_id = self._waiting.popleft()
                    self._busy[number] = report_id
                job_dir = (self.reports_dir / report_id).absolute()
                answer = ""
                try:
                    runner.stdin.write(f"{job_dir}\n")
                    runner.stdin.flush()
                    answer = runner.stdout.readline()
                except (BrokenPipeError, OSError):
                    pass
                if not answer:  # the runner died during the report
                    runner.wait()
                with self._lock:
                    del self._busy[number]
                    stopped = report_id in self._stopped
                self._settle(job_dir, runner.returncode, stopped)
        finally:
            if runner is not None:
                _close_runner(runner)

    def _settle(self, job_dir: Path, returncode: int | None, stopped: bool) -> None:
        """Record the outcome of a report whose runner did not record it."""
        status = _load(job_dir)
        if status["status"] != RUNNING:
            return
        if stopped:
            _fail(job_dir, status, STOPPED)
            return
        how = "" if returncode is None else f" (exit code {returncode})"
        if returncode is not None and returncode < 0:
            how = f" (killed by {signal.Signals(-returncode).name})"
        _fail(job_dir, status, f"the report process ended before it finished{how}")

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
        for report_id in waiting:
            job_dir = self.reports_dir / report_id
            _fail(job_dir, _load(job_dir), STOPPED)
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


# --- the command line --------------------------------------------------------------------------


def run_report_job(
    source: str | Path,
    as_of: str | None = None,
    method: str = "nearest",
    out: str | Path | None = None,
    reports_dir: str | Path = REPORTS_DIR,
) -> dict:
    """Run one report job in this process (``storemon report``) and return its record.

    Args:
        source: The data (database or CSV folder).
        as_of: Report as of this instant (ISO); None for the latest poll.
        method: ``nearest`` or ``carry_forward``.
        out: When given, the report's CSV is also copied there (atomically).
        reports_dir: The folder of report folders.

    Returns:
        The Complete record.

    Raises:
        StoremonError: A parameter is bad, or the report failed (the message says why and
            names the report id).
    """
    status = create_job(reports_dir, source, as_of, method)
    job_dir = Path(reports_dir) / status["report_id"]
    with _job_log(job_dir):  # papermill's and the kernel's chatter go to the job's log
        status = execute_job(job_dir)
    if status["status"] != COMPLETE:
        raise StoremonError(
            f"report {status['report_id']} failed: {status['error']} "
            f"(see {job_dir / NOTEBOOK_FILE})"
        )
    if out is not None:
        write_bytes_atomic(out, (job_dir / CSV_FILE).read_bytes())
    return status


def report_status(report_id: str, reports_dir: str | Path = REPORTS_DIR) -> dict:
    """The record of a report (``storemon status``).

    Args:
        report_id: The report id.
        reports_dir: The folder of report folders.

    Returns:
        The record.

    Raises:
        StoremonError: The id is malformed or unknown.
    """
    status = read_status(reports_dir, report_id)
    if status is None:
        raise StoremonError(f"there is no report {report_id} in {reports_dir}")
    return status


def describe_status(status: dict, reports_dir: str | Path = REPORTS_DIR) -> str:
    """Say a report's record in a few lines for a terminal.

    Args:
        status: A record.
        reports_dir: The folder of report folders (to name the CSV's path).

    Returns:
        Lines without a final newline.
    """
    parameters = status["parameters"]
    lines = [
        f"report {status['report_id']}: {status['status']}"
        + (f" ({status['stage']})" if status["status"] == RUNNING else ""),
        f"  method {parameters['method']}, as of {parameters['as_of'] or 'the latest poll'}",
        f"  created {status['created']}, started {status['started'] or '-'}, "
        f"finished {status['finished'] or '-'}",
    ]
    if status["status"] == COMPLETE:
        demo = " (demo data: the default database does not exist)" if status["demo_data"] else ""
        lines.append(f"  {status['stores']:,} stores as of {status['now']}{demo}")
        lines.append(f"  csv: {Path(reports_dir) / status['report_id'] / CSV_FILE}")
    elif status["status"] == FAILED:
        lines.append(f"  error: {status['error']}")
    return "\n".join(lines)


def _serve_runner() -> int:
    """Runner loop: run each job folder read from stdin, answer its status on stdout."""
    protocol = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # anything printed goes to the log, never into the answers
    signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        import nbconvert  # noqa: F401 - both import slowly: once per runner, not per report
        import papermill  # noqa: F401

        for line in sys.stdin:
            job_dir = Path(line.strip())
            with _job_log(job_dir):
                status = execute_job(job_dir)
            protocol.write(f"{status['status']}\n")
            if _stop_requested:
                break
    except JobStopped:
        pass
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Runner entry point: ``python -m storemon.jobs --serve`` or ``... JOB_DIR``.

    With ``--serve`` it runs the job folders it reads on stdin, one per line, and answers each
    with its final status on stdout (the :class:`JobManager` protocol); with a folder it runs
    that one job.

    Args:
        argv: The arguments (default ``sys.argv[1:]``).

    Returns:
        0, or 1 when the single job Failed.
    """
    (argument,) = sys.argv[1:] if argv is None else argv
    if argument == "--serve":
        return _serve_runner()
    signal.signal(signal.SIGTERM, _on_sigterm)
    with _job_log(Path(argument)):
        status = execute_job(argument)
    return 0 if status["status"] == COMPLETE else 1


if __name__ == "__main__":
    sys.exit(main())
