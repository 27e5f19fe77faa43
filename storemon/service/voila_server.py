"""The dashboard's Voilà process itself: standalone Voilà with storemon's guards.

``python -m storemon.service.voila_server ARGS`` runs Voilà with ``ARGS`` (its own command line)
after three things Voilà's configuration cannot express:

- It dies with its parent: Linux delivers SIGTERM to it when the process that started it ends,
  however that ends (SIGKILL included), and Voilà stops on SIGTERM; its kernels follow it
  (ipykernel exits when its parent is gone).
- Pages asked for by another site are refused before a kernel starts (:func:`guard_page`,
  Voilà's ``prelaunch_hook``, with the API's rule :func:`storemon.service.sites.is_cross_site`):
  another site's page cannot make a browser start kernels here; a login by ``?token=`` is
  redirected to the page without it.
- Kernels are capped (:class:`CappedKernelManager`): the visitor past the cap gets a short "busy,
  retry in a minute" page (HTTP 503 with ``Retry-After``) instead of a new kernel.

It keeps the log to what a user must know: the dashboard notebook is signed in a store of its
own (:func:`trust_notebook`), kernels talk over abstract Unix sockets (no unencrypted TCP), and
a bogus tornado warning is dropped (:class:`_QuietTornado`).

It also tells its parent when it listens (a ``ready`` file in its runtime folder, written once
Voilà's event loop runs, so after it bound its port) and removes that folder when it exits.
Everything else (token, idle culling, host check, where connection files go) is Voilà and
jupyter-server configuration, written by :mod:`storemon.service.voila`.
"""

from __future__ import annotations

import ctypes
import logging
import os
import shutil
import signal
import sys
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import nbformat
from jupyter_server.base.call_context import CallContext
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from nbformat.sign import NotebookNotary
from tornado import web
from tornado.ioloop import IOLoop
from traitlets import Integer

from storemon.service.sites import is_cross_site
from storemon.service.voila import PARENT_VARIABLE, READY_FILE, RUNTIME_VARIABLE

_PR_SET_PDEATHSIG = 1  # linux/prctl.h

BUSY_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="{retry}">
<title>Dashboard busy</title></head>
<body style="font-family: sans-serif; margin: 3em">
<h1>The dashboard is busy</h1>
<p>{kernels} people have it open, its limit. Please retry in a minute: this page reloads
itself in {retry} seconds.</p>
</body></html>
"""


class CappedKernelManager(AsyncMappingKernelManager):
    """Voilà's kernel manager with a cap on the kernels it runs (one per open page).

    A kernel being started counts too, so concurrent visitors cannot overshoot the cap.
    """

    max_kernels = Integer(4, config=True, help="Kernels (open pages) at most; 0: no cap.")
    retry_after = Integer(60, config=True, help="Seconds a refused visitor is told to wait.")

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self._starting = 0

    def pre_start_kernel(self, kernel_name: str | None, kwargs: Any) -> tuple[Any, str, str]:
        """Give each kernel abstract Unix sockets named after it (Linux), not TCP ports.

        As the report pool's kernels (:mod:`storemon.jobs.kernel`): nothing else on the
        machine can connect to a kernel's sockets by port, no socket file is left behind, and
        the kernel has no reason to warn about unencrypted TCP.
        """
        km, kernel_name, kernel_id = super().pre_start_kernel(kernel_name, kwargs)
        if sys.platform == "linux":
            km.transport, km.ip = "ipc", f"@storemon-dashboard-{kernel_id}"
        return km, kernel_name, kernel_id

    async def start_kernel(self, *args: object, **kwargs: object) -> str:
        """Start a kernel, or answer 503 "busy" when the cap is reached.

        Args:
            *args: As for jupyter-server's kernel manager.
            **kwargs: As for jupyter-server's kernel manager.

        Returns:
            The new kernel's id.

        Raises:
            tornado.web.Finish: The cap is reached (the busy page was written).
            tornado.web.HTTPError: The cap is reached outside a request (503).
        """
        running = len(self.list_kernel_ids()) + self._starting
        if self.max_kernels and running >= self.max_kernels and kwargs.get("kernel_id") is None:
            self.log.warning("Dashboard busy: %d kernels, refusing another one", running)
            _answer_busy(running, self.retry_after)
        self._starting += 1
        try:
            return await super().start_kernel(*args, **kwargs)
        finally:
            self._starting -= 1


def _answer_busy(kernels: int, retry_after: int) -> None:
    """End the current request with the busy page (503 and ``Retry-After``)."""
    handler = CallContext.get(CallContext.JUPYTER_HANDLER)
    if handler is None:
        raise web.HTTPError(503, reason="Dashboard busy")
    handler.set_status(503, "Dashboard busy")
    handler.set_header("Retry-After", str(retry_after))
    handler.set_header("Content-Type", "text/html; charset=UTF-8")
    handler.set_header("Cache-Control", "no-store")
    raise web.Finish(BUSY_PAGE.format(kernels=kernels, retry=retry_after))


def guard_page(handler: web.RequestHandler, notebook: object, cwd: str) -> None:
    """Voilà's ``prelaunch_hook``, run before a page's kernel starts.

    A page request made by another site is refused (403). A request that logs in with
    ``?token=`` is redirected to the same page without it (the login cookie is set by then):
    Voilà copies the request's URL into the kernel's environment, and the token must not be
    there, nor in the browser's address bar and history. A page served sets the ``_xsrf``
    cookie, with which it asks Voilà to shut its kernel down when it is closed.

    Args:
        handler: The page's request handler.
        notebook: The notebook about to run (unchanged).
        cwd: Its folder.

    Raises:
        tornado.web.HTTPError: 403 for a cross-site request; no kernel is started.
        tornado.web.Finish: The redirect was sent; no kernel is started.
    """
    request = handler.request
    if is_cross_site(request.headers, request.host or ""):
        origin = request.headers.get("Origin") or request.headers.get("Sec-Fetch-Site")
        handler.log.warning("Refused a cross-site request for the dashboard (%s)", origin)
        raise web.HTTPError(403, reason="Cross-site request refused")
    if "token" in request.query_arguments:
        query = [
            (k, v) for k, v in parse_qsl(request.query, keep_blank_values=True) if k != "token"
        ]
        handler.redirect(request.path + (f"?{urlencode(query)}" if query else ""))
        raise web.Finish()
    # The page's script asks Voilà to shut its kernel down when the tab closes, with the token
    # of the `_xsrf` cookie; reading the token sets that cookie, which Voilà's page alone does
    # not, so the request was refused (403) and the kernel ran on until the server stopped.
    handler.xsrf_token  # noqa: B018  (read for its cookie)


def die_with_parent(parent: int) -> None:
    """Ask Linux for SIGTERM when the parent ends; exit now if it has already ended.

    Args:
        parent: The pid of the process that started this one.
    """
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before the request above
        sys.exit(1)


class _QuietTornado(logging.Filter):
    """Drop tornado's warning that jupyter-server's websocket ping timeout is too long.

    jupyter-server gives its websocket pings in milliseconds (a 30 s interval, a 90 s timeout)
    through the properties that tornado reads as seconds; tornado then warns, on every start,
    that the timeout exceeds the interval. Nothing is wrong that a user could act on.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("The websocket_ping_timeout")


def trust_notebook(app: Any) -> None:
    """Sign the dashboard notebook in the notary store of Voilà's own configuration.

    Voilà runs the notebook it serves in any case; signing it (in the store of the runtime
    folder, see :mod:`storemon.service.voila`) only says so, so that loading it does not log
    "Notebook ... is not trusted" on every page.

    Args:
        app: The initialised Voilà application.
    """
    notebook = Path(app.notebook_path or "")
    if notebook.is_file():
        NotebookNotary(parent=app).sign(nbformat.read(notebook, as_version=4))


def _mark_ready(runtime: Path) -> None:
    """Write the ``ready`` file (called by the event loop, once Voilà listens)."""
    path = runtime / READY_FILE
    path.with_suffix(".tmp").write_text(str(os.getpid()))
    path.with_suffix(".tmp").replace(path)


def main(argv: list[str] | None = None) -> int:
    """Run Voilà with storemon's guards until it stops; then remove the runtime folder.

    Args:
        argv: Voilà's arguments (default ``sys.argv[1:]``).

    Returns:
        Voilà's exit code.
    """
    from voila.app import Voila  # here: importing voila is slow, and only this process needs it

    if os.environ.get(PARENT_VARIABLE):
        die_with_parent(int(os.environ[PARENT_VARIABLE]))
    runtime = Path(os.environ[RUNTIME_VARIABLE]) if os.environ.get(RUNTIME_VARIABLE) else None
    try:
        app = Voila.instance()
        app.initialize(sys.argv[1:] if argv is None else argv)
        app.voila_configuration.prelaunch_hook = guard_page
        logging.getLogger("tornado.general").addFilter(_QuietTornado())
        trust_notebook(app)
        if runtime is not None:
            IOLoop.current().add_callback(_mark_ready, runtime)
        app.start()
    except SystemExit as stop:
        return stop.code if isinstance(stop.code, int) else 1
    finally:
        if runtime is not None:
            shutil.rmtree(runtime, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
