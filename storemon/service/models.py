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


# What each error status answers, as the server words it (tests/test_api.py checks each one
# against a real answer), shown in the OpenAPI document under its own status.
ERROR_EXAMPLES: dict[int, dict[str, str]] = {
    400: {
        "not a report id": "'../etc/passwd' is not a report id (a report id looks like "
        f"{EXAMPLE_ID})",
    },
    401: {"no token": "this API needs a token: send the header Authorization: Bearer <token>"},
    404: {
        "unknown report": f"there is no report {EXAMPLE_ID}",
        "unknown store": f"store '42' is not in this report ({EXAMPLE_ID})",
    },
    409: {"not complete": f"report {EXAMPLE_ID} is Running: it has no outputs"},
    422: {
        "bad as_of": "as_of 'yesterday' is not a valid instant (use ISO 8601 with a date and a "
        "time, e.g. 2024-11-05T12:00:00Z)",
        "bad method": "method: Input should be 'nearest' or 'carry_forward'",
        "no report_id": "report_id: Field required",
    },
    429: {"queue full": "50 reports are already waiting; try again in a minute"},
}
AS_OF_DESCRIPTION = (
    "Report as of this instant: ISO 8601 with a date and a time, UTC when it has no offset "
    "(e.g. `2024-11-05T12:00:00Z`); default: the latest poll in the data."
)
METHOD_DESCRIPTION = (
    "How the status between two polls in business hours is read: `nearest` (default), each "
    "instant takes the status of the nearest poll; `carry_forward`, each poll's status holds "
    "until the next one."
)


class Error(BaseModel):
    """Every error response: one plain sentence."""

    detail: str = Field(examples=[f"there is no report {EXAMPLE_ID}"])


class TriggerRequest(BaseModel):
    """Optional parameters of a report (the body may also be left out)."""

    model_config = ConfigDict(extra="forbid")

    as_of: str | None = Field(
        None, description=AS_OF_DESCRIPTION, examples=["2024-11-05T12:00:00Z"]
    )
    method: Method | None = Field(None, description=METHOD_DESCRIPTION)


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
    """OpenAPI entries for error responses (all are :class:`Error`), each with its examples.

    Args:
        codes: The HTTP status codes.

    Returns:
        The ``responses`` entries of a route.
    """
    return {
        code: {
            "model": Error,
            "content": {
                "application/json": {
                    "examples": {
                        name: {"summary": name, "value": {"detail": detail}}
                        for name, detail in ERROR_EXAMPLES[code].items()
                    }
                }
            },
        }
        for code in codes
    }
