"""The HTTP API: trigger a report, fetch it by id, list recent ones (FastAPI).

``create_app`` builds the app around one :class:`storemon.jobs.JobManager`, the single queue of
report jobs of the server; the dashboard and any other client go through these endpoints.
Every error is JSON with a plain-words ``detail``; a report id is checked to be a UUID4 before
any file is touched, so no request can reach a file outside the reports folder.
"""

from __future__ import annotations

import hmac
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Literal

from fastapi import Body, Depends, FastAPI, HTTPException, Query, Request, Security
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field

from storemon import __version__, jobs
from storemon.config import DEFAULT_DB, REPORTS_DIR, TOKEN_VARIABLE
from storemon.errors import StoremonError
from storemon.jobs import JobRecord, ReportState, ReportView

log = logging.getLogger(__name__)

Method = Literal["nearest", "carry_forward"]
# The HTML copy needs its inline styles only: no script runs, nothing is fetched elsewhere.
HTML_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
RETRY_AFTER_SECONDS = 60
# Module level: FastAPI resolves the (string) annotations of endpoints in this module's globals.
bearer = HTTPBearer(auto_error=False, description=f"The value of {TOKEN_VARIABLE}.")


class Error(BaseModel):
    """Every error response: one plain sentence."""

    detail: str = Field(examples=["there is no report 0b7c5f0e-2f4e-4c4a-9d1e-6a1f0c2b3d4e"])


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

    report_id: str = Field(examples=["0b7c5f0e-2f4e-4c4a-9d1e-6a1f0c2b3d4e"])


class ReportStatus(BaseModel):
    """A report's record as clients see it."""

    report_id: str
    status: Literal["Running", "Complete", "Failed"]
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
    error: str | None = Field(None, description="Why it failed, in plain words.")
    csv_url: str | None = None
    html_url: str | None = None


class ReportList(BaseModel):
    """Recent reports, newest first."""

    reports: list[ReportStatus]


def _errors(*codes: int) -> dict[int | str, dict]:
    """OpenAPI entries for error responses (all are :class:`Error`)."""
    return {code: {"model": Error} for code in codes}


def _plain_validation(exc: RequestValidationError) -> str:
    """Say what was wrong with a request in one sentence, e.g. ``method: Input should be ...``."""
    parts = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error.get("loc", ()) if p not in ("body", "query"))
        parts.append(f"{where}: {error.get('msg', 'invalid')}" if where else error.get("msg", ""))
    return "; ".join(parts) or "the request is not valid"


def create_app(
    source: str | Path = DEFAULT_DB,
    reports_dir: str | Path = REPORTS_DIR,
    *,
    workers: int = jobs.DEFAULT_WORKERS,
    max_queue: int = jobs.DEFAULT_MAX_QUEUE,
    token: str | None = None,
) -> FastAPI:
    """Build the API app; its job queue starts and stops with the app (lifespan).

    Args:
        source: The data every report reads (ingested database or CSV folder).
        reports_dir: The folder of report folders.
        workers: Reports run at once.
        max_queue: Reports that may wait; a trigger past that gets 429.
        token: Required bearer token; default the ``STOREMON_API_TOKEN`` environment variable,
            and no token (an open API) when that is unset or empty.

    Returns:
        The FastAPI app; ``app.state.jobs`` is its :class:`storemon.jobs.JobManager`.
    """
    token = token if token is not None else os.environ.get(TOKEN_VARIABLE) or None
    manager = jobs.JobManager(source, reports_dir, workers=workers, max_queue=max_queue)

    def require_token(
        credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)],
    ) -> None:
        """Refuse a request without the right bearer token (constant-time comparison)."""
        given = b"" if credentials is None else credentials.credentials.encode()
        if not hmac.compare_digest(given, token.encode()):
            raise HTTPException(
                401,
                "this API needs a token: send the header Authorization: Bearer <token>",
                headers={"WWW-Authenticate": "Bearer"},
            )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        manager.start()
        try:
            yield
        finally:
            # Running reports are stopped (kernels shut down) and recorded Failed "stopped".
            await run_in_threadpool(manager.shutdown)

    app = FastAPI(
        title="storemon",
        version=__version__,
        summary="Store uptime reports over business hours, run as jobs.",
        description="Trigger a report, then poll `/get_report` until it is Complete. "
        "See docs/api.md.",
        lifespan=lifespan,
        dependencies=[Depends(require_token)] if token else [],
    )
    app.state.jobs = manager

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": _plain_validation(exc)}, status_code=422)

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception) -> JSONResponse:
        log.exception("error while serving %s %s", request.method, request.url.path)
        return JSONResponse(
            {"detail": "internal error: the server's log has the details"}, status_code=500
        )

    def lookup(report_id: str) -> JobRecord:
        """The record of a report, or the 400/404 HTTP error."""
        try:
            record = manager.status(report_id)
        except StoremonError as exc:
            raise HTTPException(400, str(exc)) from None
        if record is None:
            raise HTTPException(404, f"there is no report {report_id}")
        return record

    def public(record: JobRecord, request: Request) -> dict:
        """A record as clients see it: no server paths or process ids."""
        report_id = record.report_id
        view = ReportView.of(
            record,
            progress=jobs.progress(manager.reports_dir, record),
            csv_url=str(request.url_for("download_csv", report_id=report_id)),
            html_url=str(request.url_for("download_html", report_id=report_id)),
        )
        # Only the fields that apply to the record's status (the ones ReportView.of set).
        return view.model_dump(mode="json", exclude_unset=True)

    @app.post(
        "/trigger_report",
        status_code=202,
        response_model=Triggered,
        responses=_errors(400, 401, 422, 429),
        summary="Queue a new report",
    )
    def trigger_report(
        request: Request,
        body: Annotated[TriggerRequest | None, Body()] = None,
        as_of: Annotated[
            str | None, Query(description="Same as in the body.", max_length=100)
        ] = None,
        method: Annotated[Method | None, Query(description="Same as in the body.")] = None,
    ) -> JSONResponse:
        """Queue a report of the server's data; poll ``/get_report`` with the returned id."""
        if body is not None:
            for name, query_value in (("as_of", as_of), ("method", method)):
                body_value = getattr(body, name)
                if None not in (body_value, query_value) and body_value != query_value:
                    raise HTTPException(400, f"{name} is given twice, in the query and the body")
            as_of = body.as_of if body.as_of is not None else as_of
            method = body.method if body.method is not None else method
        try:
            record = manager.submit(as_of, method or "nearest")
        except jobs.QueueFullError as exc:
            raise HTTPException(
                429, str(exc), headers={"Retry-After": str(RETRY_AFTER_SECONDS)}
            ) from None
        except StoremonError as exc:
            raise HTTPException(422, str(exc)) from None
        report_id = record.report_id
        return JSONResponse(
            {"report_id": report_id},
            status_code=202,
            headers={"Location": f"{request.url_for('get_report')}?report_id={report_id}"},
        )

    @app.get(
        "/get_report",
        responses={
            200: {
                "description": "Complete: the CSV (header `X-Report-Status: Complete`), or "
                "with `Accept: application/json` the record with `csv_url`. Running or Failed: "
                "the record (Failed with `error`).",
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/ReportStatus"}},
                    "text/csv": {"schema": {"type": "string"}},
                },
            },
            **_errors(400, 401, 404, 422),
        },
        response_model=None,
        summary="A report's status, or its CSV when it is complete",
    )
    def get_report(
        request: Request,
        report_id: Annotated[
            str, Query(description="The id from /trigger_report.", max_length=200)
        ],
    ) -> FileResponse | JSONResponse:
        """Return the CSV of a complete report, else its status as JSON."""
        record = lookup(report_id)
        headers = {"X-Report-Status": record.status.value, "Cache-Control": "no-store"}
        accept = request.headers.get("accept", "")
        wants_json = "application/json" in accept and "text/csv" not in accept
        if record.status is ReportState.COMPLETE and not wants_json:
            return _csv_response(manager.reports_dir, report_id, headers)
        return JSONResponse(public(record, request), headers=headers)

    @app.get(
        "/reports",
        response_model=ReportList,
        response_model_exclude_none=True,
        responses=_errors(401, 422),
        summary="Recent reports, newest first",
    )
    def recent_reports(
        request: Request,
        limit: Annotated[int, Query(ge=1, le=500, description="How many reports at most.")] = 20,
    ) -> dict:
        """List the most recently triggered reports with their status and times."""
        return {"reports": [public(record, request) for record in manager.recent(limit)]}

    @app.get(
        "/reports/{report_id}/report.csv",
        name="download_csv",
        response_class=FileResponse,
        responses={
            200: {"content": {"text/csv": {"schema": {"type": "string"}}}},
            **_errors(400, 401, 404, 409),
        },
        summary="The CSV of a complete report",
    )
    def download_csv(report_id: str) -> FileResponse:
        """Download a complete report's CSV (the ``csv_url`` of its record)."""
        record = _complete(lookup(report_id))
        headers = {"X-Report-Status": record.status.value}
        return _csv_response(manager.reports_dir, report_id, headers)

    @app.get(
        "/reports/{report_id}/report.html",
        name="download_html",
        response_class=HTMLResponse,
        responses={200: {"content": {"text/html": {}}}, **_errors(400, 401, 404, 409)},
        summary="The reading of a complete report, as HTML without code",
    )
    def download_html(report_id: str) -> FileResponse:
        """The executed report notebook as HTML without code: tables and notes for people."""
        _complete(lookup(report_id))
        return FileResponse(
            manager.reports_dir / report_id / jobs.HTML_FILE,
            media_type="text/html",
            headers={"Content-Security-Policy": HTML_POLICY},
        )

    return app


def _complete(record: JobRecord) -> JobRecord:
    """Pass a Complete record; 409 for a report that has no outputs (yet)."""
    if record.status is not ReportState.COMPLETE:
        raise HTTPException(
            409, f"report {record.report_id} is {record.status.value}: it has no outputs"
        )
    return record


def _csv_response(reports_dir: Path, report_id: str, headers: dict[str, str]) -> FileResponse:
    """The report's CSV as a download named ``report-<id>.csv``."""
    return FileResponse(
        Path(reports_dir) / report_id / jobs.CSV_FILE,
        media_type="text/csv",
        filename=f"report-{report_id}.csv",
        headers=headers,
    )
