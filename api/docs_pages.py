"""/docs (Swagger UI) and /redoc served with the vendored assets under /web/vendor/ (no CDN: they
work on a police intranet). Installed only when the settings allow the docs (api.app)."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse

VENDOR = "/web/vendor"


def _accessible(page: HTMLResponse, extra_css: str = "") -> HTMLResponse:
    """The page's language, and our colour corrections after the vendored styles (axe-core)."""
    html = page.body.decode().replace("<html>", '<html lang="en">', 1)
    if extra_css:
        html = html.replace("</head>", f'<link rel="stylesheet" href="{extra_css}">\n</head>', 1)
    return HTMLResponse(html)


def install(app: FastAPI, openapi_url: str = "/openapi.json") -> None:
    title = app.title

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        page = get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{title} - Swagger UI",
            swagger_js_url=f"{VENDOR}/swagger-ui-dist/swagger-ui-bundle.js",
            swagger_css_url=f"{VENDOR}/swagger-ui-dist/swagger-ui.css",
            swagger_favicon_url=f"{VENDOR}/swagger-ui-dist/favicon-32x32.png",
            swagger_ui_parameters={"validatorUrl": None},  # the online validator badge: no
        )
        return _accessible(page, "/web/shared/docs.css")

    @app.get("/redoc", include_in_schema=False)
    async def redoc() -> HTMLResponse:
        page = get_redoc_html(
            openapi_url=openapi_url,
            title=f"{title} - ReDoc",
            redoc_js_url=f"{VENDOR}/redoc/redoc.standalone.js",
            redoc_favicon_url=f"{VENDOR}/swagger-ui-dist/favicon-32x32.png",
            with_google_fonts=False,
        )
        return _accessible(page)
