"""The request id: taken from the caller's X-Request-ID (or made here), returned in the response,
carried into Temporal as a header and into every log line of the API, the workflow and the
activities, so one line of grep follows a citizen's tap through every process.

The ASGI middleware is plain ASGI (no framework import): the API installs it outermost."""

from __future__ import annotations

import re
import uuid
from contextvars import ContextVar
from typing import Any

HEADER = "x-request-id"
TEMPORAL_HEADER = "kuaichu-request-id"
# what a caller may choose: short and plain, so a forged id cannot inject log lines or fields
_ACCEPTED = re.compile(r"[A-Za-z0-9._:-]{1,64}")

request_id: ContextVar[str] = ContextVar("kuaichu_request_id", default="")


def new_request_id() -> str:
    return uuid.uuid4().hex


def accepted_or_new(value: str | None) -> str:
    """The caller's id when it is a plain token, else a new one (never an error: it is advisory)."""
    return value if value and _ACCEPTED.fullmatch(value) else new_request_id()


class RequestIdMiddleware:
    """Sets the request id for the request's context and echoes it in the X-Request-ID response
    header (WebSockets too: their handshake carries it)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        given = dict(scope.get("headers") or []).get(HEADER.encode(), b"").decode("latin-1")
        rid = accepted_or_new(given)
        token = request_id.set(rid)

        async def send_with_id(message: dict[str, Any]) -> None:
            if message["type"] in ("http.response.start", "websocket.accept"):
                headers = [(k, v) for k, v in message.get("headers") or [] if k.lower() != HEADER.encode()]
                message = {**message, "headers": [*headers, (HEADER.encode(), rid.encode())]}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            request_id.reset(token)
