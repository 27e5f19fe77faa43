"""The HTTP API app: trigger a report, fetch it by id, list recent ones (FastAPI).

:func:`create_app` builds the app around one :class:`storemon.jobs.JobManager`, the single queue
of report jobs of the server, and mounts the endpoints of :mod:`.routes`; the dashboard and any
other client go through them. Every request first passes the host-name and other-site checks
(:mod:`.sites`); HEAD is answered wherever GET is (:mod:`.head_requests`). Errors of every kind
are answered as JSON with a plain ``detail``.
"""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import Depends, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from storemon import __version__, jobs
from storemon.config import DEFAULT_DB, REPORTS_DIR, TOKEN_VARIABLE, kernel_pool_setting
from storemon.jobs.params import shown
from storemon.service.dependencies import ApiSettings, check_token, require_token
from storemon.service.docs import add_local_docs
from storemon.service.head_requests import HeadAsGet
from storemon.service.limits import RequestLimits
from storemon.service.routes import router
from storemon.service.sites import SiteGuard

log = logging.getLogger(__name__)

DESCRIPTION = """\
Trigger a report with `POST /trigger_report`, then ask `GET /get_report?report_id=...` until it
is Complete: it then answers the CSV (with `Accept: application/json`, the record and its
links). Every error is JSON with a plain-words `detail`; each status below shows its own.

The guide with examples to paste, every answer and how reports run is `docs/api.md` in
storemon's source; the same reference is also laid out by [ReDoc](/redoc).
"""
TAGS = [
    {"name": "reports", "description": "Trigger reports, follow them, download what they made."},
    {"name": "data", "description": "How fresh the server's data is."},
]


def create_app(
    source: str | Path = DEFAULT_DB,
    reports_dir: str | Path = REPORTS_DIR,
    *,
    workers: int = jobs.DEFAULT_WORKERS,
    max_queue: int = jobs.DEFAULT_MAX_QUEUE,
    token: str | None = None,
    kernel_pool: int | None = None,
    hostnames: Iterable[str] = (),
) -> FastAPI:
    """Build the API app; its job queue starts and stops with the app (lifespan).

    Args:
        source: The data every report reads (ingested database or CSV folder).
        reports_dir: The folder of report folders.
        workers: Reports run at once.
        max_queue: Reports that may wait; a trigger past that gets 429.
        token: Required bearer token; default the ``STOREMON_API_TOKEN`` environment variable,
            and no token (an open API) when that is unset or empty.
        kernel_pool: Warm kernels kept ready for reports (default ``STOREMON_KERNEL_POOL``,
            else 5: one per runner); they start and stop with the app, in its runners.
        hostnames: Host names the API answers to besides ``localhost`` and IP addresses
            (``storemon serve --hostname``); a request under another, or from another site's
            page, gets 403 (:mod:`storemon.service.sites`).

    Returns:
        The FastAPI app; ``app.state.jobs`` is its :class:`storemon.jobs.JobManager`.

    Raises:
        StoremonError: The token is not one (see
            :func:`storemon.service.dependencies.check_token`), or ``STOREMON_KERNEL_POOL`` is
            not a number of kernels.
    """
    token = token if token is not None else os.environ.get(TOKEN_VARIABLE)
    # an empty token means an open API
    settings = ApiSettings(token=check_token(token) if token else None)
    kernel_pool = kernel_pool_setting() if kernel_pool is None else kernel_pool
    app = FastAPI(
        title="storemon",
        version=__version__,
        summary="Store uptime reports over business hours, run as jobs.",
        description=DESCRIPTION,
        openapi_tags=TAGS,
        lifespan=_lifespan,
        # Only an app with a token documents (and asks for) the bearer scheme.
        dependencies=[Depends(require_token)] if settings.token else [],
        docs_url=None,  # served from local assets below, not from a CDN
        redoc_url=None,
    )
    add_local_docs(app)
    # The last added runs first: the host and site check, then HEAD as GET, then the limits.
    app.add_middleware(RequestLimits)
    app.add_middleware(HeadAsGet)
    app.add_middleware(SiteGuard, hostnames=tuple(hostnames))
    app.state.settings = settings
    app.state.jobs = jobs.JobManager(
        source, reports_dir, workers=workers, max_queue=max_queue, kernel_pool=kernel_pool
    )
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _internal_error)
    app.include_router(router)
    return app


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Run the app's job queue (its runners and their warm kernels) while the app serves."""
    manager = app.state.jobs
    manager.start()
    try:
        yield
    finally:
        # Running reports are stopped (kernels shut down) and recorded Failed "stopped".
        await run_in_threadpool(manager.shutdown)


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    """A request FastAPI could not read: 422 with what was wrong, in one sentence."""
    return JSONResponse({"detail": _plain_validation(exc)}, status_code=422)


async def _internal_error(request: Request, exc: Exception) -> JSONResponse:
    """Any other error: 500, logged here with its traceback, never shown to the client."""
    log.exception("error while serving %s %s", request.method, request.url.path)
    return JSONResponse(
        {"detail": "internal error: the server's log has the details"}, status_code=500
    )


def _plain_validation(exc: RequestValidationError) -> str:
    """Say what was wrong with a request in one sentence, e.g. ``method: Input should be ...``."""
    parts = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error.get("loc", ()) if p not in ("body", "query"))
        where = shown(where)[1:-1] if len(where) > 80 else where  # a sent name, cut
        parts.append(f"{where}: {error.get('msg', 'invalid')}" if where else error.get("msg", ""))
    return "; ".join(parts) or "the request is not valid"
