"""What the endpoints take from the app: its settings, its job queue, the token check, a report.

The app keeps its :class:`ApiSettings` and its :class:`storemon.jobs.JobManager` in
``app.state``; endpoints receive them through FastAPI dependencies, never from closures, so the
router does not depend on how the app was built.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Query, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from storemon import jobs
from storemon.config import TOKEN_VARIABLE
from storemon.errors import StoremonError
from storemon.jobs.records import JobRecord, ReportState, ReportView

# Module level: FastAPI resolves the (string) annotations of dependencies in this module's globals.
bearer = HTTPBearer(auto_error=False, description=f"The value of {TOKEN_VARIABLE}.")


@dataclass(frozen=True)
class ApiSettings:
    """How the app was configured, beyond its job queue.

    Attributes:
        token: The bearer token every request must carry; None for an open API.
    """

    token: str | None = None


def get_settings(request: Request) -> ApiSettings:
    """The app's settings (``app.state.settings``)."""
    return request.app.state.settings


def get_manager(request: Request) -> jobs.JobManager:
    """The app's job queue (``app.state.jobs``)."""
    return request.app.state.jobs


TOKEN_MIN_CHARS = 16


def check_token(token: str) -> str:
    """Return ``token`` if it can be the API's token: printable ASCII, at least 16 characters.

    Clients send the token in an HTTP header, which carries ASCII reliably and nothing else;
    a space would not survive either. Refusing other tokens at start means a set token can
    always be matched.

    Args:
        token: The configured token.

    Returns:
        The token.

    Raises:
        StoremonError: It is shorter than 16 characters or has a character other than the
            printable ASCII ones without space (the message never shows the token).
    """
    bad = sorted({f"U+{ord(c):04X}" for c in token if not "!" <= c <= "~"})
    if bad or len(token) < TOKEN_MIN_CHARS:
        found = f"it has {', '.join(bad[:5])}" if bad else f"it has {len(token)} characters"
        raise StoremonError(
            f"{TOKEN_VARIABLE} must be at least {TOKEN_MIN_CHARS} printable ASCII characters "
            f"without spaces ({found}); for example: python -c 'import secrets; "
            "print(secrets.token_urlsafe(32))'"
        )
    return token


Settings = Annotated[ApiSettings, Depends(get_settings)]
Manager = Annotated[jobs.JobManager, Depends(get_manager)]


def require_token(
    settings: Settings,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)],
) -> None:
    """Refuse a request without the right bearer token (constant-time comparison).

    Raises:
        HTTPException: 401, with ``WWW-Authenticate: Bearer``.
    """
    if settings.token is None:
        return
    # The header's bytes as sent (Starlette decodes headers as Latin-1), against the ASCII token.
    given = b"" if credentials is None else credentials.credentials.encode("latin-1")
    if not hmac.compare_digest(given, settings.token.encode("ascii")):
        raise HTTPException(
            401,
            "this API needs a token: send the header Authorization: Bearer <token>",
            headers={"WWW-Authenticate": "Bearer"},
        )


def lookup(manager: jobs.JobManager, report_id: str) -> JobRecord:
    """The record of a report, or the 400/404 HTTP error.

    This and :func:`public` are the only places that know the shape of a job's record.

    Args:
        manager: The job queue.
        report_id: The id a client sent (checked to be a report id before any file is read).

    Returns:
        The record.

    Raises:
        HTTPException: 400 for something that is not a report id, 404 for an unknown report.
    """
    try:
        record = manager.status(report_id)
    except StoremonError as exc:
        raise HTTPException(400, str(exc)) from None
    if record is None:
        raise HTTPException(404, f"there is no report {report_id}")
    return record


def public(record: JobRecord, request: Request) -> ReportView:
    """A record as clients see it: no server paths or process ids.

    Args:
        record: The job's record.
        request: The request being answered (to build the download URLs).

    Returns:
        The view, with the progress of a running report and the URLs of a complete one.
    """
    manager = get_manager(request)
    urls = {
        name: str(request.url_for(route, report_id=record.report_id))
        for name, route in (("csv_url", "download_csv"), ("html_url", "download_html"))
    }
    return ReportView.of(record, jobs.progress(manager.reports_dir, record), **urls)


def report_in_query(
    request: Request,
    manager: Manager,
    report_id: Annotated[str, Query(description="The id from /trigger_report.", max_length=200)],
) -> ReportView:
    """The report named by the ``report_id`` query parameter (400/404 otherwise)."""
    return public(lookup(manager, report_id), request)


def report_in_path(request: Request, manager: Manager, report_id: str) -> ReportView:
    """The report named by the ``{report_id}`` of the path (400/404 otherwise)."""
    return public(lookup(manager, report_id), request)


def complete_report(view: Annotated[ReportView, Depends(report_in_path)]) -> ReportView:
    """The report of the path, which must be Complete (409 otherwise: it has no outputs yet)."""
    if view.status is not ReportState.COMPLETE:
        raise HTTPException(
            409, f"report {view.report_id} is {view.status.value}: it has no outputs"
        )
    return view
