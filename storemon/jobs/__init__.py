"""Report jobs: each report is a papermill run of the report notebook, kept by report id.

Where things are:

* :mod:`.records`: the typed record of a job (``status.json``) and the client's view of it.
* :mod:`.store`: report ids and folders, reading and writing records, listing, progress.
* :mod:`.process`: a process's identity and liveness, and its children (Linux ``/proc``).
* :mod:`.runner`: one job executed in this process; ``python -m storemon.jobs``.
* :mod:`.manager`: :class:`JobManager`, the bounded queue of the API server and its runners.
* :mod:`.commands`: what ``storemon report`` and ``storemon status`` call.

Data and ingest: the notebook opens the database once, read-only; ``storemon ingest`` writes a
file no reader has open and renames it over the database, so a running report keeps reading the
snapshot it opened and the next report reads the new data. Reports never wait for a load and
never see half of one.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
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

_LAZY = {
    "CSV_FILE": "storemon.jobs.store",
    "DEFAULT_MAX_QUEUE": "storemon.jobs.manager",
    "DEFAULT_WORKERS": "storemon.jobs.manager",
    "HTML_FILE": "storemon.jobs.store",
    "JobManager": "storemon.jobs.manager",
    "JobRecord": "storemon.jobs.records",
    "NOTEBOOK_FILE": "storemon.jobs.store",
    "Parameters": "storemon.jobs.records",
    "ProcessIdentity": "storemon.jobs.records",
    "QueueFullError": "storemon.jobs.manager",
    "ReportState": "storemon.jobs.records",
    "ReportView": "storemon.jobs.records",
    "SPARE_RUNNERS": "storemon.jobs.manager",
    "STATUS_FILE": "storemon.jobs.store",
    "STOPPED": "storemon.jobs.store",
    "SUMMARY_FILE": "storemon.jobs.store",
    "Stage": "storemon.jobs.records",
    "child_pids": "storemon.jobs.process",
    "create_job": "storemon.jobs.store",
    "describe_status": "storemon.jobs.commands",
    "execute_job": "storemon.jobs.runner",
    "is_report_id": "storemon.jobs.store",
    "list_reports": "storemon.jobs.listing",
    "pid_alive": "storemon.jobs.process",
    "process_alive": "storemon.jobs.process",
    "process_identity": "storemon.jobs.process",
    "progress": "storemon.jobs.store",
    "read_status": "storemon.jobs.store",
    "report_dir": "storemon.jobs.store",
    "report_status": "storemon.jobs.commands",
    "run_report_job": "storemon.jobs.commands",
    "utc_now": "storemon.jobs.records",
}

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


def __getattr__(name: str) -> object:
    """Import a name's module on first use (PEP 562).

    A client that only reads records (the dashboard) then does not import the runner,
    papermill or the kernel pool with them.
    """
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'storemon.jobs' has no attribute {name!r}")
