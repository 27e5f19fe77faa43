"""A report job's record (``status.json``) and what clients see of it: one typed place for both.

The words a report's status can take live here and nowhere else: :class:`ReportState` is what a
client reads (Running, Complete, Failed); :class:`Stage` says where a Running report is (queued
for a worker, running) and is ``done`` once it ended. The jobs write :class:`JobRecord`, the API
answers :class:`ReportView` and the dashboard reads :class:`ReportView` back from the API.
"""

from __future__ import annotations

from datetime import datetime, timezone
from enum import Enum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Method = Literal["nearest", "carry_forward"]


class ReportState(str, Enum):
    """A report's status as every client reads it."""

    RUNNING = "Running"
    COMPLETE = "Complete"
    FAILED = "Failed"


class Stage(str, Enum):
    """Where a Running report is; ``done`` once it is Complete or Failed."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"


def utc_now() -> str:
    """The current instant as ISO 8601 UTC with milliseconds and a ``Z``."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_utc(text: str | None) -> datetime | None:
    """Read an instant written by :func:`utc_now` (or any ISO 8601 with an offset or ``Z``).

    Args:
        text: The instant, or None.

    Returns:
        An aware datetime, or None.
    """
    if not text:
        return None
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


# The data's freshness when a report ran (null for a folder of CSVs: it has no ingest).
_LATEST_POLL = "The latest poll in the database when the report ran (ISO, UTC)."
_LAST_INGEST = "The database's last ingest when the report ran (ISO, UTC)."
_DATA_AGE = (
    "Seconds from the report's instant (or the latest poll, if older) to when the report "
    "started: over 7200 the dashboard warns that the data is old."
)


class ProcessIdentity(BaseModel):
    """A process, told apart from a later one that reuses its pid (see :mod:`.process`)."""

    pid: int
    start: int | None = None
    host: str | None = None


class Parameters(BaseModel):
    """What a report was asked for."""

    source: str = Field(description="The data read: a database file or a folder of CSVs.")
    as_of: str | None = Field(None, description="The requested instant (ISO, UTC) or None.")
    method: Method = "nearest"


class JobRecord(BaseModel):
    """A report job's record as kept in ``reports/<report_id>/status.json``."""

    model_config = ConfigDict(extra="ignore", validate_assignment=True)

    report_id: str
    status: ReportState = ReportState.RUNNING
    stage: Stage = Stage.QUEUED
    parameters: Parameters
    created: str = Field(default_factory=utc_now)
    started: str | None = None
    finished: str | None = None
    now: str | None = Field(None, description="The report's instant: the latest poll used.")
    stores: int | None = None
    demo_data: bool | None = None
    html_ready: bool | None = Field(
        None,
        description="Complete: whether report.html is written yet (None in records made "
        "by older storemon versions, whose HTML was written before they became Complete).",
    )
    error: str | None = None
    owner: ProcessIdentity | None = Field(None, description="The process that queued it.")
    runner: ProcessIdentity | None = Field(None, description="The process that runs it.")
    # Last, after the keys readers already know: how fresh the data was when the report ran
    # (set by storemon.jobs.store.record_freshness once the report is complete).
    data_latest_poll: str | None = Field(None, description=_LATEST_POLL)
    data_last_ingest: str | None = Field(None, description=_LAST_INGEST)
    data_age_seconds: float | None = Field(None, description=_DATA_AGE)

    @property
    def running(self) -> bool:
        """True while the report is queued or running."""
        return self.status is ReportState.RUNNING

    def to_json(self) -> dict:
        """The record as the JSON object written to ``status.json``."""
        return self.model_dump(mode="json")

    def elapsed_seconds(self, now: datetime | None = None) -> float:
        """Seconds since the report was triggered (until it finished, once it did)."""
        created = parse_utc(self.created)
        end = parse_utc(self.finished) or now or datetime.now(timezone.utc)
        return round(max((end - created).total_seconds(), 0.0), 1)


class ReportView(BaseModel):
    """A report's record as clients see it: no server paths or process ids."""

    report_id: str
    status: ReportState
    stage: Literal["queued", "running"] | None = Field(
        None, description="While Running: still waiting for a worker, or running."
    )
    progress: float | None = Field(None, description="While running: share of cells done.")
    elapsed_seconds: float | None = Field(None, description="Since it was triggered.")
    method: Method
    as_of: str | None
    created: str
    started: str | None
    finished: str | None
    now: str | None = Field(None, description="The report's instant: the latest poll used.")
    stores: int | None = Field(None, description="Stores in the report.")
    demo_data: bool | None = Field(None, description="True when the demo data set was read.")
    html_ready: bool | None = Field(
        None, description="Complete: whether the HTML copy is written (html_url only then)."
    )
    error: str | None = Field(None, description="Why it failed, in plain words.")
    csv_url: str | None = None
    html_url: str | None = None
    data_latest_poll: str | None = Field(None, description=_LATEST_POLL)
    data_last_ingest: str | None = Field(None, description=_LAST_INGEST)
    data_age_seconds: float | None = Field(None, description=_DATA_AGE)

    @classmethod
    def of(
        cls,
        record: JobRecord,
        progress: float | None = None,
        csv_url: str | None = None,
        html_url: str | None = None,
    ) -> ReportView:
        """The client's view of a record.

        Args:
            record: The job's record.
            progress: Share of the notebook done, for a running report.
            csv_url: Where a Complete report's CSV is downloaded.
            html_url: Where a Complete report's HTML copy is read.

        Returns:
            The view; fields that do not apply to the record's status are None.
        """
        view = cls(
            report_id=record.report_id,
            status=record.status,
            method=record.parameters.method,
            as_of=record.parameters.as_of,
            created=record.created,
            started=record.started,
            finished=record.finished,
        )
        if record.status is ReportState.RUNNING:
            view.stage = record.stage.value
            view.progress = progress
            view.elapsed_seconds = record.elapsed_seconds()
        elif record.status is ReportState.FAILED:
            view.error = record.error
        else:
            view.now, view.stores, view.demo_data = record.now, record.stores, record.demo_data
            view.csv_url = csv_url
            # The HTML copy is written after the report is Complete.
            view.html_ready = record.html_ready is not False
            view.html_url = html_url if view.html_ready else None
            view.data_latest_poll = record.data_latest_poll
            view.data_last_ingest = record.data_last_ingest
            view.data_age_seconds = record.data_age_seconds
        return view
