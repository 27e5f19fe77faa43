"""Report jobs: each report is a papermill run of the report notebook, kept by report id.

Where things are:

* :mod:`.records`: the typed record of a job (``status.json``) and the client's view of it.
* :mod:`.store`: report ids and folders, reading and writing records, listing, progress.
* :mod:`.process`: a process's identity and liveness, and its children (Linux ``/proc``).
* :mod:`.runner`: one job executed in this process; ``python -m storemon.jobs``.
* :mod:`.manager`: :class:`JobManager`, the bounded queue of the API server and its runners.
* :mod:`.commands`: what ``storemon report`` and ``storemon status`` call.

Data and ingest: the notebook opens the database once, read-only; ``storemon ingest`` writes a
copy and renames it over the file, so a running report keeps reading the snapshot it opened and
the next report reads the new data. Reports never wait for a load and never see half of one.
"""

from storemon.jobs.commands import describe_status, report_status, run_report_job
from storemon.jobs.listing import list_reports
from storemon.jobs.manager import (
    DEFAULT_MAX_QUEUE,
    DEFAULT_WORKERS,
    SPARE_RUNNERS,
    JobManager,
    QueueFullError,
)
from storemon.jobs.process import child_pids, pid_alive, process_alive, process_identity
from storemon.jobs.records import (
    JobRecord,
    Parameters,
    ProcessIdentity,
    ReportState,
    ReportView,
    Stage,
    utc_now,
)
from storemon.jobs.runner import execute_job
from storemon.jobs.store import (
    CSV_FILE,
    HTML_FILE,
    NOTEBOOK_FILE,
    STATUS_FILE,
    STOPPED,
    SUMMARY_FILE,
    create_job,
    is_report_id,
    progress,
    read_status,
    report_dir,
)

__all__ = [
    "CSV_FILE",
    "DEFAULT_MAX_QUEUE",
    "DEFAULT_WORKERS",
    "SPARE_RUNNERS",
    "HTML_FILE",
    "NOTEBOOK_FILE",
    "STATUS_FILE",
    "STOPPED",
    "SUMMARY_FILE",
    "JobManager",
    "JobRecord",
    "Parameters",
    "ProcessIdentity",
    "QueueFullError",
    "ReportState",
    "ReportView",
    "Stage",
    "child_pids",
    "create_job",
    "describe_status",
    "execute_job",
    "is_report_id",
    "list_reports",
    "pid_alive",
    "process_alive",
    "process_identity",
    "progress",
    "read_status",
    "report_dir",
    "report_status",
    "run_report_job",
    "utc_now",
]
