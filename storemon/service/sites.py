"""Who may use the servers: the host names they answer to, and no other site's pages.

Both servers of ``storemon serve`` apply two rules, the dashboard through Voilà
(:mod:`storemon.service.voila_server`, jupyter-server's host check) and the API through
:class:`SiteGuard`:

- **Host names.** A request must name the server as ``localhost``, an IP address, or one of the
  names given with ``storemon serve --hostname`` (a reverse proxy's name, or this machine's name
  when it serves beyond loopback). A page reached under another name, as in DNS rebinding (an
  attacker's name that resolves to 127.0.0.1), is refused; and the URLs the API builds from the
  ``Host`` header (``csv_url``, ``Location``) can only name this server. An IP address cannot be
  rebound: a browser sends it only to the page of that very address.
- **Other sites' pages.** A request that a browser makes for a page of another site (a script's
  ``fetch``, a form, an image, an iframe; it says so in ``Origin`` or ``Sec-Fetch-Site``) is
  refused (:func:`is_cross_site`); a person following a link from elsewhere is not, nor is a
  program (curl, the dashboard's own client), which sends neither header.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

LOOPBACK_NAME = "localhost"


def is_cross_site(headers: object, host: str) -> bool:
    """Tell whether a request comes from another site's page, not from a person or a program.

    Browsers say where a request comes from (``Sec-Fetch-*``, ``Origin``). A request from a page
    of another site (an iframe, an image, a script's fetch) is refused; a person following a
    link from elsewhere (a top-level navigation they started) is not. A request without those
    headers (a script, curl) is not a browser acting for another site.

    Args:
        headers: The request's headers (``.get`` by name, case-insensitive).
        host: The request's ``Host`` header.

    Returns:
        True when the request must be refused.
    """
    origin = headers.get("Origin")
    if origin is not None:
        return origin == "null" or urlsplit(origin.lower()).netloc != host.lower()
    site = headers.get("Sec-Fetch-Site", "")
    if site in ("", "same-origin", "none"):
        return False
    person_navigates = (
        headers.get("Sec-Fetch-Mode") == "navigate"
        and headers.get("Sec-Fetch-Dest") == "document"
        and headers.get("Sec-Fetch-User") == "?1"
    )
    return not person_navigates


def host_name(host: str) -> str | None:
    """The name a ``Host`` header gives: lower case, without its port or IPv6 brackets.

    Args:
        host: The header's value, e.g. ``127.0.0.1:8000`` or ``[::1]:8000``.

    Returns:
        The name, or None when the header is empty or malformed.
    """
    try:
        parts = urlsplit(f"//{host}")
        parts.port  # noqa: B018 - raises ValueError for a port that is not one
    except ValueError:
        return None
    if parts.username is not None or parts.path or parts.query or parts.fragment:
        return None
    return parts.hostname or None


def allowed_host(host: str, hostnames: Iterable[str] = ()) -> bool:
    """Tell whether a ``Host`` header names this server: localhost, an IP, or a listed name.

    Args:
        host: The header's value.
        hostnames: The names given with ``--hostname`` (case does not matter).

    Returns:
        True when the request may be answered.
    """
    name = host_name(host)
    if name is None:
        return False
    return name == LOOPBACK_NAME or name in {n.lower() for n in hostnames} or _is_address(name)


def _is_address(name: str) -> bool:
    """Tell whether ``name`` is an IP address (v4, or v6 without brackets)."""
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


class SiteGuard:
    """ASGI middleware that applies both rules to every HTTP request: 403 and a JSON sentence.

    Args:
        app: The application it wraps.
        hostnames: Host names answered besides ``localhost`` and IP addresses.
    """

    def __init__(self, app: ASGIApp, hostnames: Iterable[str] = ()) -> None:
        self.app = app
        # addresses and localhost are answered anyway: the names are what the message lists
        names = {name.lower() for name in hostnames} - {LOOPBACK_NAME}
        self.hostnames = tuple(sorted(name for name in names if not _is_address(name)))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse a request under another host name or from another site; pass on the rest."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        host = headers.get("host", "")
        detail = None
        if not allowed_host(host, self.hostnames):
            detail = self._host_detail(host)
        elif is_cross_site(headers, host):
            detail = (
                "another site's page may not use this API (the request's Origin or "
                "Sec-Fetch-Site says it comes from one): open the API's own pages, or call it "
                "from a program"
            )
        if detail is None:
            await self.app(scope, receive, send)
            return
        await JSONResponse({"detail": detail}, status_code=403)(scope, receive, send)

    def _host_detail(self, host: str) -> str:
        from storemon.jobs.params import shown  # the API's process has it loaded already

        names = ", ".join((LOOPBACK_NAME, *self.hostnames))
        return (
            f"this server does not answer to the host {shown(host)}: it answers to {names} and IP "
            "addresses; to reach it under another name, give that name to `storemon serve "
            "--hostname` (a reverse proxy must keep the Host header)"
        )
