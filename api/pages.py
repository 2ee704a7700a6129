"""The web pages, served by the API from ``web/`` (plain HTML, CSS and ES modules: no build step,
nothing from a CDN, so they work on a police intranet).

    /                 landing: which page is for whom
    /h5/ , /h5/alert  the citizen H5 page (the 110 SMS link is /h5/alert?t=<one-time token>)
    /seat             the seat officer's console
    /officer          the deciding officer's console; /reviewer the reviewers'; /admin the admin's
    /web/...          the static files (shared CSS/JS under /web/shared/, vendored packages under
                      /web/vendor/)

The pages use only the public API. Every page answers with a Content-Security-Policy that allows
only this origin (scripts, styles, API calls, the signalling WebSocket), camera and microphone
for this origin only, and no caching of the HTML."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

WEB = Path(__file__).resolve().parent.parent / "web"

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; "
    "media-src 'self' blob:; connect-src 'self' ws: wss:; frame-src 'self'; object-src 'self'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'self'"
)
PAGE_HEADERS = {
    "Content-Security-Policy": CSP,
    "Permissions-Policy": "camera=(self), microphone=(self), geolocation=(self)",
    "Referrer-Policy": "no-referrer",  # the 110 link's token is in the page URL
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-cache",
}

router = APIRouter(include_in_schema=False)


def _page(relative: str) -> FileResponse:
    return FileResponse(WEB / relative, media_type="text/html; charset=utf-8", headers=PAGE_HEADERS)


@router.get("/")
async def landing() -> FileResponse:
    return _page("index.html")


@router.get("/h5")
async def h5_root() -> RedirectResponse:
    return RedirectResponse("/h5/", status_code=308)


@router.get("/h5/")
async def h5() -> FileResponse:
    return _page("h5/index.html")


@router.get("/h5/alert")
async def h5_alert() -> FileResponse:
    """The 110 SMS link: the same page, which reads the one-time token from ``?t=``."""
    return _page("h5/index.html")


@router.get("/seat")
async def seat_console() -> FileResponse:
    return _page("seat/index.html")


@router.get("/officer")
async def officer_console() -> FileResponse:
    return _page("officer/index.html")


@router.get("/reviewer")
async def reviewer_console() -> FileResponse:
    return _page("reviewer/index.html")


@router.get("/admin")
async def admin_console() -> FileResponse:
    return _page("admin/index.html")


class _StaticHeaders:
    """Adds the page headers to static files (modules and styles are revalidated, not stale)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                for key, value in PAGE_HEADERS.items():
                    if key.lower().encode() not in names:
                        headers.append((key.lower().encode(), value.encode()))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def install(app: FastAPI) -> None:
    """The page routes and the static files."""
    app.include_router(router)
    app.mount("/web", _StaticHeaders(StaticFiles(directory=WEB)), name="web")
