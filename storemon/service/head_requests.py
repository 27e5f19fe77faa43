"""HEAD answered wherever GET is: the GET's status and headers, without its body.

FastAPI routes declared with ``@router.get`` answer GET only (Starlette's own routes add HEAD,
FastAPI's do not), so a client checking a URL with HEAD (``curl -I``, a link checker, a proxy's
health check) got 405. :class:`HeadAsGet` runs a HEAD request as the GET it stands for and
drops the body on the way out, so every GET endpoint (and the documentation pages) answers HEAD
with the same status and headers (``Content-Length`` included), and the OpenAPI document stays
as it is.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class HeadAsGet:
    """ASGI middleware: a HEAD request is answered as its GET, without the body.

    Args:
        app: The application it wraps.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass a HEAD request on as GET and send the response's start only."""
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return  # the GET's body, left out
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, without_body)
