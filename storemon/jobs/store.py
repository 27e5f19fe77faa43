"""The report folders: report ids, the files of a folder, and the record each one keeps.

A job's folder ``<reports_dir>/<report_id>/`` holds ``status.json`` (the :class:`JobRecord`),
then ``report.csv``, ``summary.json``, the executed ``report.ipynb`` and a no-code
``report.html``. Every file is written whole to a temporary name and renamed, so a reader never
sees half of one.

A record names the process responsible for it: the process that queued it while it waits, the
runner once it runs. Reading a Running record checks that process; when it is gone (killed,
machine restarted) the record is turned into Failed with the reason, also by a server started
later.
"""

from __future__ import annotations

import errno
import logging
import os
import shutil
import sqlite3
import uuid
from datetime import datetime
from pathlib import Path

from storemon.engine.freshness import read_freshness
from storemon.engine.report import check_method
from storemon.errors import StoremonError
from storemon.files import read_json, write_json_atomic
from storemon.freshness import Freshness, iso_utc, parse_iso, seconds_since
from storemon.jobs.index import ReportIndex
from storemon.jobs.params import check_as_of
from storemon.jobs.process import process_alive, process_identity
from storemon.jobs.records import (
    JobRecord,
    Parameters,
    ReportState,
    Stage,
    parse_utc,
    utc_now,
)
from storemon.synthetic.demo import require_source, source_path

STATUS_FILE = "status.json"
CSV_FILE = "report.csv"
NOTEBOOK_FILE = "report.ipynb"
HTML_FILE = "report.html"
SUMMARY_FILE = "summary.json"
RUNNER_LOG = "runner.log"
# papermill saves the notebook after every cell; it does so here and renames it when done.
PARTIAL_NOTEBOOK = ".report.partial.ipynb"

STOPPED = "stopped: the report was cancelled before it finished (the server shut down)"
log = logging.getLogger(__name__)


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
        canonical = _canonical_spelling(report_id)
        if canonical is not None:  # one id, one spelling: the one the server gave
            raise StoremonError(
                f"{str(report_id)[:80]!r} is not a report id as written: a report id is "
                f"written in lower case with hyphens and nothing around it, as in {canonical}"
            )
        raise StoremonError(
            f"{str(report_id)[:80]!r} is not a report id (a report id looks like "
            "0b7c5f0e-2f4e-4c4a-9d1e-6a1f0c2b3d4e)"
        )
    return Path(reports_dir) / report_id


def _canonical_spelling(text: object) -> str | None:
    """The canonical report id that ``text`` spells otherwise (upper case, braces...), if any."""
    if not isinstance(text, str) or len(text) > 45:
        return None
    try:
        value = uuid.UUID(text.strip())
    except ValueError:
        return None
    return str(value) if value.version == 4 else None


def unreadable_record(job_dir: Path, reason: str) -> JobRecord:
    """A Failed record standing in for a folder whose ``status.json`` cannot be read.

    Args:
        job_dir: The report's folder.
        reason: Why the record cannot be read.

    Returns:
        A Failed record (never written) that says so.
    """
    stamp = datetime.utcfromtimestamp(job_dir.stat().st_mtime).isoformat(timespec="milliseconds")
    return JobRecord(
        report_id=job_dir.name,
        status=ReportState.FAILED,
        stage=Stage.DONE,
        parameters=Parameters(source="unknown"),
        created=stamp + "Z",
        finished=stamp + "Z",
        error=f"the report's record ({STATUS_FILE}) cannot be read: {reason}",
    )


def load_record(job_dir: Path) -> JobRecord:
    """Read a job's record from its folder.

    Args:
        job_dir: The job's folder.

    Returns:
        The record.

    Raises:
        FileNotFoundError: The folder has no record.
        ValueError: The record is not one (a pydantic ValidationError or bad JSON).
    """
    return JobRecord.model_validate(read_json(job_dir / STATUS_FILE))


def save_record(job_dir: Path, record: JobRecord) -> None:
    """Write a job's record atomically.

    Args:
        job_dir: The job's folder.
        record: The record.
    """
    write_json_atomic(job_dir / STATUS_FILE, record.to_json())
    index_put(job_dir.parent, [record])


def index_put(reports_dir: Path, records: list[JobRecord]) -> None:
    """Bring the index up to date with ``records``; a failure leaves it to heal when listed.

    The index is made by the first listing; until then there is nothing to update.
    """
    index = ReportIndex(reports_dir)
    if not index.path.exists():
        return
    try:
        index.put(records)
    except (sqlite3.Error, OSError) as exc:
        log.warning("report index of %s not updated: %s", reports_dir, exc)


def fail_record(job_dir: Path, record: JobRecord, error: str) -> JobRecord:
    """Record a job as Failed with ``error`` and return the record.

    Outputs written before the failure go: a Failed report has no CSV or HTML (its executed
    notebook stays, to show where it failed).

    Args:
        job_dir: The job's folder.
        record: Its record (updated in place).
        error: Why it failed, in plain words.

    Returns:
        The Failed record.
    """
    # The outputs go first: on a full disk that frees the space the record needs.
    for name in (CSV_FILE, HTML_FILE, SUMMARY_FILE):
        (job_dir / name).unlink(missing_ok=True)
    record.status, record.stage = ReportState.FAILED, Stage.DONE
    record.finished, record.error = utc_now(), error
    save_record(job_dir, record)
    partial = job_dir / PARTIAL_NOTEBOOK
    if partial.exists() and not (job_dir / NOTEBOOK_FILE).exists():  # a killed run's last save
        os.replace(partial, job_dir / NOTEBOOK_FILE)
    return record


def create_job(
    reports_dir: str | Path,
    source: str | Path,
    as_of: str | None = None,
    method: str = "nearest",
) -> JobRecord:
    """Check the parameters and create a queued job's folder and record.

    Args:
        reports_dir: The folder of report folders (created when missing).
        source: The data the report reads (database or CSV folder); a relative path is
            relative to the storemon home, as :func:`storemon.synthetic.demo.source_path` says.
        as_of: Report as of this instant (ISO); None or empty for the latest poll.
        method: ``nearest`` or ``carry_forward``.

    Returns:
        The record (Running, queued); its ``report_id`` is a new UUID4.

    The folder appears with its record or not at all: the record is written in a hidden
    folder that is then renamed.

    Raises:
        StoremonError: ``as_of`` or ``method`` is not valid, the source does not exist, or the
            folder cannot be written (e.g. no space left on the device).
    """
    method = check_method(method)
    instant = check_as_of(as_of)
    require_source(source)
    record = JobRecord(
        report_id=str(uuid.uuid4()),
        parameters=Parameters(
            # The very path require_source checked: the report reads what was checked.
            source=str(source_path(source)),
            as_of=None if instant is None else instant.isoformat() + "Z",
            method=method,
        ),
        owner=process_identity(),
    )
    reports_dir = Path(reports_dir)
    building = reports_dir / f".{record.report_id}.creating"
    try:
        building.mkdir(parents=True)
        write_json_atomic(building / STATUS_FILE, record.to_json())
        os.rename(building, reports_dir / record.report_id)
    except OSError as exc:
        shutil.rmtree(building, ignore_errors=True)
        reason = os_reason(exc)
        raise StoremonError(f"cannot create a report in {reports_dir}: {reason}") from None
    index_put(reports_dir, [record])
    return record


def os_reason(exc: OSError) -> str:
    """An OSError in plain words, e.g. ``no space left on the device (...)``.

    Args:
        exc: The error.

    Returns:
        What went wrong, for a message.
    """
    if exc.errno == errno.ENOSPC:
        return "no space left on the device (free some space, e.g. `storemon reports prune`)"
    return (exc.strerror or str(exc)).lower()


def read_status(reports_dir: str | Path, report_id: str) -> JobRecord | None:
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
        record = load_record(job_dir)
    except FileNotFoundError:
        return None  # no folder, or a folder without a record: no such report
    except (OSError, ValueError) as exc:
        return unreadable_record(job_dir, damage_reason(exc))
    return reconcile(job_dir, record)


def damage_reason(exc: Exception) -> str:
    """Why a record could not be read, in a few words."""
    if isinstance(exc, OSError):
        return os_reason(exc)
    return f"it is damaged ({type(exc).__name__})"


def reconcile(job_dir: Path, record: JobRecord) -> JobRecord:
    """Check that a Running record's responsible process lives; record Failed if not."""
    if not record.running:
        return record
    started = record.stage is Stage.RUNNING
    holder = record.runner if started else record.owner
    if process_alive(holder):
        return record
    # The process may have finished between our read and our check: read again.
    again = load_record(job_dir)
    if not again.running or again.stage is not record.stage:
        return reconcile(job_dir, again)
    if started:
        reason = (
            f"the report process (pid {holder.pid}) ended before it finished: it was killed "
            "or the machine restarted"
        )
    else:
        reason = "the server that queued this report stopped before the report could start"
    return fail_record(job_dir, again, reason)


def progress(reports_dir: str | Path, record: JobRecord) -> float | None:
    """Share of the notebook's cells done, for a running report (None when unknown).

    Args:
        reports_dir: The folder of report folders.
        record: The report's record.

    Returns:
        A number from 0 to 1, 1 when the report is done, None before it starts.
    """
    if not record.running:
        return 1.0
    if record.stage is not Stage.RUNNING:
        return None
    job_dir = Path(reports_dir) / record.report_id
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


def record_freshness(record: JobRecord, summary: dict | None = None) -> None:
    """Note in a finished report's record how fresh its data was when it ran.

    Called by the runner once the notebook wrote the report's instant (``record.now``): sets
    ``data_latest_poll`` and ``data_last_ingest`` of the database, and ``data_age_seconds``,
    from the older of the report's instant and the latest poll to when the report started. The
    notebook's ``summary.json`` says them for a database, read on the report's own snapshot;
    without them (an older notebook) the database is read now. A folder of CSV exports (or the
    demo data) has no ingest: those stay None but the age. Never fails the report: a database
    that cannot be read leaves the fields None.

    Args:
        record: The record (updated in place; the caller saves it).
        summary: The report's ``summary.json``, when read.
    """
    freshness = None
    if summary is not None and "data_latest_poll" in summary:
        freshness = Freshness(
            ingested=True,
            latest_poll=parse_iso(summary["data_latest_poll"]),
            last_ingest=parse_iso(summary.get("data_last_ingest")),
        )
    elif not record.demo_data:
        try:
            freshness = read_freshness(record.parameters.source)
        except StoremonError as error:
            logging.getLogger(__name__).warning("no data freshness: %s", error)
    instants = [parse_iso(record.now)]
    if freshness is not None:
        record.data_latest_poll = iso_utc(freshness.latest_poll)
        record.data_last_ingest = iso_utc(freshness.last_ingest)
        instants.append(freshness.latest_poll)
    known = [instant for instant in instants if instant is not None]
    started = parse_utc(record.started)
    if known and started is not None:
        record.data_age_seconds = round(seconds_since(min(known), started), 3)
