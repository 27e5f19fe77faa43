"""The endpoints: trigger a report, fetch it by id, list recent ones, its outputs and trend.

Every error is JSON with a plain-words ``detail``; a report id is checked to be a UUID4 before
any file is touched (:mod:`.dependencies`), so no request can reach a file outside the reports
folder.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Body, Depends, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response

from storemon import jobs
from storemon.engine.freshness import read_freshness
from storemon.engine.timeline import STORE_WEEKS_DIR, read_store_week, read_store_zones
from storemon.engine.trend import TREND_DIR, read_trend_points
from storemon.errors import StoremonError
from storemon.jobs.params import check_as_of
from storemon.jobs.records import Method, ReportState, ReportView
from storemon.jobs.store_view import StoreView
from storemon.jobs.summary_view import ReportSummary
from storemon.jobs.trend_view import Trend, Window
from storemon.service.dependencies import (
    Manager,
    complete_report,
    public,
    report_in_path,
    report_in_query,
)
from storemon.service.models import (
    AS_OF_DESCRIPTION,
    METHOD_DESCRIPTION,
    DataFreshness,
    ReportList,
    ReportStatus,
    Triggered,
    TriggerRequest,
    error_responses,
    view_body,
)

# The HTML copy needs its inline styles only: no script runs, nothing is fetched elsewhere.
HTML_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
RETRY_AFTER_SECONDS = 60

router = APIRouter()

QueryReport = Annotated[ReportView, Depends(report_in_query)]
CompleteReport = Annotated[ReportView, Depends(complete_report)]


@router.post(
    "/trigger_report",
    tags=["reports"],
    status_code=202,
    response_model=Triggered,
    responses=error_responses(400, 401, 422, 429),
    summary="Queue a new report",
)
def trigger_report(
    request: Request,
    manager: Manager,
    body: Annotated[TriggerRequest | None, Body()] = None,
    as_of: Annotated[
        str | None,
        Query(description=f"{AS_OF_DESCRIPTION} Or in the JSON body.", max_length=100),
    ] = None,
    method: Annotated[
        Method | None, Query(description=f"{METHOD_DESCRIPTION} Or in the JSON body.")
    ] = None,
) -> JSONResponse:
    """Queue a report of the server's data; poll ``/get_report`` with the returned id."""
    if body is not None:
        for name, query_value in (("as_of", as_of), ("method", method)):
            body_value = getattr(body, name)
            if None not in (body_value, query_value) and not _same(name, body_value, query_value):
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


@router.get(
    "/get_report",
    tags=["reports"],
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
        **error_responses(400, 401, 404, 422),
    },
    response_model=None,
    summary="A report's status, or its CSV when it is complete",
)
def get_report(
    request: Request, manager: Manager, view: QueryReport
) -> FileResponse | JSONResponse:
    """Return the CSV of a complete report, else its status as JSON."""
    headers = {"X-Report-Status": view.status.value, "Cache-Control": "no-store"}
    accept = request.headers.get("accept", "")
    wants_json = "application/json" in accept and "text/csv" not in accept
    if view.status is ReportState.COMPLETE and not wants_json:
        return _csv_response(manager.reports_dir, view.report_id, headers)
    return JSONResponse(view_body(view), headers=headers)


@router.get(
    "/reports",
    tags=["reports"],
    response_model=ReportList,
    response_model_exclude_none=True,
    responses=error_responses(401, 422),
    summary="Recent reports, newest first",
)
def recent_reports(
    request: Request,
    manager: Manager,
    limit: Annotated[int, Query(ge=1, le=500, description="How many reports at most.")] = 20,
) -> dict:
    """List the most recently triggered reports with their status and times."""
    return {"reports": [public(record, request) for record in manager.recent(limit)]}


@router.get(
    "/reports/{report_id}/report.csv",
    tags=["reports"],
    name="download_csv",
    response_class=FileResponse,
    responses={
        200: {"content": {"text/csv": {"schema": {"type": "string"}}}},
        **error_responses(400, 401, 404, 409, 422),
    },
    summary="The CSV of a complete report",
)
def download_csv(manager: Manager, view: CompleteReport) -> FileResponse:
    """Download a complete report's CSV (the ``csv_url`` of its record)."""
    headers = {"X-Report-Status": view.status.value}
    return _csv_response(manager.reports_dir, view.report_id, headers)


@router.get(
    "/reports/{report_id}/report.html",
    tags=["reports"],
    name="download_html",
    response_class=HTMLResponse,
    responses={
        200: {"content": {"text/html": {}}},
        **error_responses(400, 401, 404, 409, 422),
    },
    summary="The reading of a complete report, as HTML without code",
)
def download_html(manager: Manager, view: CompleteReport) -> FileResponse:
    """The executed report notebook as HTML without code: tables and notes for people."""
    if not view.html_ready:  # written just after the report became Complete
        raise HTTPException(
            409, f"report {view.report_id} is Complete but its HTML copy is not written yet"
        )
    return FileResponse(
        manager.reports_dir / view.report_id / jobs.HTML_FILE,
        media_type="text/html",
        headers={"Content-Security-Policy": HTML_POLICY},
    )


def _same(name: str, body_value: str, query_value: str) -> bool:
    """Tell whether a parameter given in both the body and the query means the same thing.

    Two ``as_of`` values are the same instant however spelled (``Z`` or ``+00:00``).

    Raises:
        HTTPException: 422 for an ``as_of`` that is not an instant.
    """
    if name != "as_of":
        return body_value == query_value
    try:
        return check_as_of(body_value) == check_as_of(query_value)
    except StoremonError as exc:
        raise HTTPException(422, str(exc)) from None


@router.get(
    "/data",
    tags=["data"],
    response_model=DataFreshness,
    responses=error_responses(401, 404),
    summary="How fresh the data is: latest poll, last ingest, hot window",
)
def data_freshness(manager: Manager) -> dict:
    """The latest poll, the last ingest and the span of polls held by the server's database."""
    try:
        freshness = read_freshness(manager.source)
    except StoremonError as exc:
        raise HTTPException(404, str(exc)) from None
    return freshness.to_json()


@router.get(
    # `:path`: a store id may hold `/` (sent as %2F, which the server decodes before routing)
    "/reports/{report_id}/stores/{store_id:path}",
    tags=["reports"],
    name="store_view",
    response_model=StoreView | ReportStatus,
    responses=error_responses(400, 401, 404, 422),
    summary="One store's week in a complete report, and its six numbers",
)
def store_view(
    manager: Manager,
    view: Annotated[ReportView, Depends(report_in_path)],
    store_id: Annotated[str, PathParam(description="A store id of the report.", max_length=200)],
) -> StoreView | JSONResponse:
    """A store's week as its report counted it (kept by the report, not read from the data now).

    Complete: the store's six numbers (its CSV row), zone, business spans, polls, interpolated
    status and the status over business time, instants in ISO 8601 UTC. Running or Failed: the
    same record as ``/get_report``.
    """
    if view.status is not ReportState.COMPLETE:
        return _record_answer(view)
    folder = manager.reports_dir / view.report_id / STORE_WEEKS_DIR
    if not (folder / "stores.parquet").is_file():  # a report made before stores were kept
        raise HTTPException(404, f"report {view.report_id} keeps no store views")
    row = read_store_week(folder, store_id)
    if row is None:
        raise HTTPException(404, f"store {store_id!r} is not in this report ({view.report_id})")
    return StoreView.from_row(row, view.report_id, view.method)


@router.get(
    "/reports/{report_id}/trend",
    name="report_trend",
    response_model=Trend | ReportStatus,
    responses=error_responses(400, 401, 404, 422),
    summary="A report's last weeks or days: the fleet's totals, or one store's",
)
def report_trend(
    manager: Manager,
    view: Annotated[ReportView, Depends(report_in_path)],
    window: Annotated[Window, Query(description="`week` (12 points) or `day` (28).")] = "week",
    store_id: Annotated[
        str | None,
        Query(description="A store of the report; without it, the fleet.", max_length=200),
    ] = None,
) -> Trend | JSONResponse:
    """The report's trend, kept from the snapshot its CSV was computed on.

    Each point is the report as of the period's end: the last 12 weeks or 28 days (as many as
    the data holds), newest first. Without ``store_id`` the fleet's totals (sums of the stores'
    hours, and the stores counted), with it that store's own points. Running or Failed: the same
    record as ``/get_report``; Running too while a Complete report's trend is still being
    written (it follows the CSV by seconds).
    """
    if view.status is not ReportState.COMPLETE:
        return _record_answer(view)
    points = read_trend_points(manager.reports_dir / view.report_id / TREND_DIR, window, store_id)
    if points is None:
        if view.html_ready:  # the notebook ended without writing it
            raise HTTPException(404, f"report {view.report_id} keeps no {window} trend")
        writing = view.model_copy(update={"status": ReportState.RUNNING, "stage": "running"})
        return _record_answer(writing, {"Retry-After": "1"})
    if points.empty:
        raise HTTPException(404, f"store {store_id!r} is not in this report ({view.report_id})")
    return Trend.from_points(window, points)


@router.get(
    "/reports/{report_id}/summary",
    tags=["reports"],
    name="report_summary",
    response_model=ReportSummary | ReportStatus,
    responses=error_responses(400, 401, 404, 422),
    summary="A report's headline: fleet uptime, stores down all week and down now",
)
def report_summary(
    manager: Manager, view: Annotated[ReportView, Depends(report_in_path)]
) -> ReportSummary | JSONResponse:
    """A complete report's headline, summed from its CSV (what the dashboard opens on).

    The fleet's uptime share of business time last week, the stores down all week, down in the
    last hour and closed then, and the share of last week's business time extrapolated over
    polling holes (null until the report's data-quality step has run, seconds after Complete).
    Running or Failed: the same record as ``/get_report``.
    """
    if view.status is not ReportState.COMPLETE:
        return _record_answer(view)
    folder = manager.reports_dir / view.report_id
    return ReportSummary.of_report(view.report_id, view.now, folder, folder / jobs.CSV_FILE)


@router.get(
    "/reports/{report_id}/zones.csv",
    tags=["reports"],
    name="report_zones",
    response_model=None,
    responses={
        200: {
            "description": "Complete: `store_id,zone`, one line per store of the report. "
            "Running or Failed: the same record as `/get_report`.",
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                "application/json": {"schema": {"$ref": "#/components/schemas/ReportStatus"}},
            },
        },
        **error_responses(400, 401, 404, 422),
    },
    summary="Every store of a report with the time zone its hours are read in",
)
def report_zones(
    manager: Manager, view: Annotated[ReportView, Depends(report_in_path)]
) -> Response:
    """The time zone of every store of a complete report (kept with its store views)."""
    if view.status is not ReportState.COMPLETE:
        return _record_answer(view)
    folder = manager.reports_dir / view.report_id / STORE_WEEKS_DIR
    if not (folder / "stores.parquet").is_file():  # a report made before stores were kept
        raise HTTPException(404, f"report {view.report_id} keeps no store views")
    zones = read_store_zones(folder).to_csv(index=False, lineterminator="\n")
    return Response(zones, media_type="text/csv", headers={"X-Report-Status": "Complete"})


def _record_answer(view: ReportView, headers: dict[str, str] | None = None) -> JSONResponse:
    """The answer for a report without its outputs yet: its record, as ``/get_report`` gives."""
    headers = {
        "X-Report-Status": view.status.value,
        "Cache-Control": "no-store",
        **(headers or {}),
    }
    return JSONResponse(view_body(view), headers=headers)


def _csv_response(reports_dir: Path, report_id: str, headers: dict[str, str]) -> FileResponse:
    """The report's CSV as a download named ``report-<id>.csv``."""
    return FileResponse(
        Path(reports_dir) / report_id / jobs.CSV_FILE,
        media_type="text/csv",
        filename=f"report-{report_id}.csv",
        headers=headers,
    )
