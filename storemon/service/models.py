"""What the API reads and answers: request, response and error bodies (pydantic models).

A report's record as clients see it is :class:`storemon.jobs.records.ReportView`, the one model
the jobs, the API and the dashboard share; this module only names it for the OpenAPI document.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from storemon.jobs.records import Method, ReportState, ReportView

EXAMPLE_ID = "0b7c5f0e-2f4e-4c4a-9d1e-6a1f0c2b3d4e"
_POLL = "2024-10-29T00:00:04Z"

# Every view shows these; the others only in the state they belong to (the rest are left out).
_COMMON_FIELDS = {"report_id", "status", "method", "as_of", "created", "started", "finished"}
_STATE_FIELDS = {
    ReportState.RUNNING: {"stage", "progress", "elapsed_seconds"},
    ReportState.FAILED: {"error"},
    ReportState.COMPLETE: {
        "now",
        "stores",
        "demo_data",
        "csv_url",
        "html_ready",
        "html_url",
        "data_latest_poll",
        "data_last_ingest",
        "data_age_seconds",
    },
}


class Error(BaseModel):
    """Every error response: one plain sentence."""

    detail: str = Field(examples=[f"there is no report {EXAMPLE_ID}"])


class TriggerRequest(BaseModel):
    """Optional parameters of a report (the body may also be left out)."""

    model_config = ConfigDict(extra="forbid")

    as_of: str | None = Field(
        None,
        description="Report as of this instant (ISO 8601, UTC when no offset); default: the "
        "latest poll in the data.",
        examples=["2024-11-05T12:00:00Z"],
    )
    method: Method | None = Field(
        None, description="How the status between polls is read; default `nearest`."
    )


class Triggered(BaseModel):
    """A queued report."""

    report_id: str = Field(examples=[EXAMPLE_ID])


class ReportStatus(ReportView):
    """A report's record as clients see it."""

    # No fields of its own: ReportView under the name the OpenAPI document has always used.


class ReportList(BaseModel):
    """Recent reports, newest first."""

    reports: list[ReportStatus]


class HotWindow(BaseModel):
    """The span of the polls the database holds."""

    model_config = ConfigDict(populate_by_name=True)

    from_: str | None = Field(
        None, alias="from", description="The oldest poll held (ISO, UTC).", examples=[_POLL]
    )
    to: str | None = Field(None, description="The latest poll held (ISO, UTC).")


class DataFreshness(BaseModel):
    """How fresh the server's data is (``GET /data``); instants are null when unknown."""

    ingested: bool = Field(description="False for a folder of CSV exports: nothing is known.")
    latest_poll: str | None = Field(None, description="The latest poll held (ISO, UTC).")
    last_ingest: str | None = Field(None, description="When the last ingest ran (ISO, UTC).")
    hot_window: HotWindow = Field(description="The span of the polls held in the database.")
    retention_days: int = Field(description="Days of polls kept in the database (hot).")
    stores: int | None = Field(None, description="Stores with polls.")
    polls_hot: int | None = Field(None, description="Polls held in the database.")
    age_seconds: float | None = Field(None, description="Seconds since the latest poll, now.")


def view_body(view: ReportView) -> dict[str, Any]:
    """The JSON of a view: the common fields and those of its state, even when they are null.

    Args:
        view: The view of a report.

    Returns:
        The JSON object ``/get_report`` answers.
    """
    return view.model_dump(mode="json", include=_COMMON_FIELDS | _STATE_FIELDS[view.status])


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for error responses (all are :class:`Error`).

    Args:
        codes: The HTTP status codes.

    Returns:
        The ``responses`` entries of a route.
    """
    return {code: {"model": Error} for code in codes}
