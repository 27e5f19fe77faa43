"""The interactive API pages, ``/docs`` (Swagger UI) and ``/redoc``, served from this server.

FastAPI's own pages load their scripts from a CDN and are blank offline. These use the scripts,
styles and favicon that the ``fastapi-offline`` package ships (FastAPI's documented recipe for
self-hosting the docs' JavaScript and CSS), under ``/docs-assets``; the pages fetch nothing from
another host (ReDoc's footer logo is this server's favicon). ``/`` leads to ``/docs``. Like
FastAPI's own, they need no token: they hold no data.
"""

from __future__ import annotations

from importlib.resources import files

from fastapi import FastAPI
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.staticfiles import StaticFiles
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

ASSETS_URL = "/docs-assets"
REDOC_SCRIPT_URL = "/docs-redoc.js"
# ReDoc's bundle draws its footer logo from ReDoc's CDN; this server gives it a local image.
REDOC_CDN_LOGO = b"https://cdn.redoc.ly/redoc/logo-mini.svg"
# No validator badge (Swagger UI would ask validator.swagger.io about the document).
SWAGGER_PARAMETERS = {"validatorUrl": None}
# The pages' own inline scripts and styles run; nothing is fetched from another host (ReDoc
# would otherwise load its footer logo from its CDN).
DOCS_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; worker-src 'self' blob:; font-src 'self' data:"
)


def add_local_docs(app: FastAPI, docs_url: str = "/docs", redoc_url: str = "/redoc") -> None:
    """Serve Swagger UI at ``docs_url`` and ReDoc at ``redoc_url`` from local assets.

    The app must be built with ``docs_url=None, redoc_url=None`` (FastAPI's CDN pages off).

    Args:
        app: The app.
        docs_url: Where Swagger UI is served.
        redoc_url: Where ReDoc is served.
    """
    assets = files("fastapi_offline") / "static"
    redoc_script = (
        (assets / "redoc.standalone.js")
        .read_bytes()
        .replace(
            REDOC_CDN_LOGO,
            f"{ASSETS_URL.lstrip('/')}/favicon.png".encode(),  # relative to /redoc
        )
    )
    app.mount(ASSETS_URL, StaticFiles(directory=str(assets)), name="docs-assets")
    oauth2_redirect = app.swagger_ui_oauth2_redirect_url or "/docs/oauth2-redirect"

    async def swagger_page(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return _pinned(
            get_swagger_ui_html(
                openapi_url=f"{root}{app.openapi_url}",
                title=f"{app.title} - Swagger UI",
                oauth2_redirect_url=f"{root}{oauth2_redirect}",
                swagger_js_url=f"{root}{ASSETS_URL}/swagger-ui-bundle.js",
                swagger_css_url=f"{root}{ASSETS_URL}/swagger-ui.css",
                swagger_favicon_url=f"{root}{ASSETS_URL}/favicon.png",
                swagger_ui_parameters=SWAGGER_PARAMETERS,
            )
        )

    async def oauth2_redirect_page(request: Request) -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    async def redoc_page(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return _pinned(
            get_redoc_html(
                openapi_url=f"{root}{app.openapi_url}",
                title=f"{app.title} - ReDoc",
                redoc_js_url=f"{root}{REDOC_SCRIPT_URL}",
                redoc_favicon_url=f"{root}{ASSETS_URL}/favicon.png",
                with_google_fonts=False,
            )
        )

    async def redoc_script_file(request: Request) -> Response:
        return Response(redoc_script, media_type="text/javascript")

    async def home(request: Request) -> RedirectResponse:
        return RedirectResponse(f"{request.scope.get('root_path', '')}{docs_url}")

    # Plain routes (not API operations): outside the schema and the token dependency.
    app.add_route("/", home, include_in_schema=False)
    app.add_route(REDOC_SCRIPT_URL, redoc_script_file, include_in_schema=False)
    app.add_route(docs_url, swagger_page, include_in_schema=False)
    app.add_route(oauth2_redirect, oauth2_redirect_page, include_in_schema=False)
    app.add_route(redoc_url, redoc_page, include_in_schema=False)


def _pinned(page: HTMLResponse) -> HTMLResponse:
    """A docs page that the browser may not let fetch anything from another host."""
    page.headers["Content-Security-Policy"] = DOCS_POLICY
    return page
