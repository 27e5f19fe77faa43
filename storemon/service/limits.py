"""Request size limits: a body or a query string past its cap is refused before it is read.

The API's requests are tiny (a report id, an instant, a method), so the caps are small. A
declared ``Content-Length`` over the cap is refused at once (413); a body sent without one is
counted as it arrives and refused once it passes the cap; a query string over its cap gets 414.
Every refusal is JSON with a plain ``detail``, like every other error of the API. (FastAPI's own
``max_body_size`` answers a declared over-long body in plain text, hence this middleware.)
"""

from __future__ import annotations

from fastapi import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_BODY_BYTES = 64 * 1024
MAX_QUERY_BYTES = 8 * 1024


class RequestLimits:
    """ASGI middleware that caps the body and the query string of every HTTP request.

    Args:
        app: The application it wraps.
        max_body: Body bytes accepted.
        max_query: Query-string bytes accepted.
    """

    def __init__(
        self, app: ASGIApp, max_body: int = MAX_BODY_BYTES, max_query: int = MAX_QUERY_BYTES
    ) -> None:
        self.app = app
        self.max_body = max_body
        self.max_query = max_query

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse an over-long request, or pass it on with its body counted."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        query = len(scope.get("query_string", b""))
        if query > self.max_query:
            detail = f"the query string is {query:,} bytes; at most {self.max_query:,} are read"
            await JSONResponse({"detail": detail}, status_code=414)(scope, receive, send)
            return
        declared = dict(scope.get("headers", ())).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_body:
            await self._refuse_body(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_body:
                # FastAPI passes an HTTPException raised while it reads the body on to the
                # app's handler, which answers it as JSON.
                raise HTTPException(413, self._body_detail())
            return message

        await self.app(scope, counted, send)

    def _body_detail(self) -> str:
        return f"the request body is larger than {self.max_body:,} bytes, the most accepted"

    async def _refuse_body(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = JSONResponse({"detail": self._body_detail()}, status_code=413)
        response.headers["Connection"] = "close"  # the unread body is not drained
        await response(scope, receive, send)
