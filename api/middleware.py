"""Input hygiene before routing: NUL characters are refused (422 problem+json) in the path, the
query and JSON / form bodies. PostgreSQL text cannot hold NUL and a NUL in a name or a number is
never legitimate; refusing it at the door keeps every handler and the database free of it
(schemathesis found the 500 this prevents). Multipart bodies are left alone (files are binary);
their text fields are validated by pattern in the handlers."""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import PROBLEM_JSON, TITLES
from domain import refusals as R

CHECKED_BODIES = (b"application/json", b"application/x-www-form-urlencoded")
MAX_CHECKED_BODY = 4 * 1024 * 1024


class RejectNul:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        raw_path = scope.get("raw_path") or scope.get("path", "").encode()
        if b"%00" in raw_path or b"\x00" in raw_path or b"%00" in scope.get("query_string", b""):
            await self._refuse(scope, send)
            return
        content_type = (
            dict(scope.get("headers") or []).get(b"content-type", b"").split(b";")[0].strip().lower()
        )
        if content_type not in CHECKED_BODIES:
            await self.app(scope, receive, send)
            return
        chunks, size, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, _replay([], message, receive), send)
                return
            chunk = message.get("body", b"")
            chunks.append(chunk)
            size += len(chunk)
            more = message.get("more_body", False)
            if size > MAX_CHECKED_BODY:
                break
        body = b"".join(chunks)
        if b"\x00" in body or b"\\u0000" in body or (content_type != b"application/json" and b"%00" in body):
            await self._refuse(scope, send)
            return
        await self.app(scope, _replay([body], {"type": "http.request", "more_body": more}, receive), send)

    @staticmethod
    async def _refuse(scope: Scope, send: Send) -> None:
        code = R.INVALID_CHARACTERS
        body = json.dumps(
            {
                "type": f"urn:kuaichu:problem:{code.code.lower()}",
                "title": TITLES[422],
                "status": 422,
                "code": code.code,
                "detail": code.reason,
                "instance": scope.get("path", ""),
            },
            ensure_ascii=False,
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 422,
                "headers": [
                    (b"content-type", PROBLEM_JSON.encode()),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def _replay(bodies: list[bytes], last: Message, receive: Receive) -> Receive:
    """A receive() that first hands back what was read, then continues with the real one."""
    pending: list[Message] = [{"type": "http.request", "body": b, "more_body": True} for b in bodies]
    if pending and last.get("type") == "http.request" and not last.get("more_body", False):
        pending[-1]["more_body"] = False
    elif last.get("type") != "http.request":
        pending.append(last)

    async def replay() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replay
