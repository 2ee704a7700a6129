"""Input hygiene before routing.

- Size: a request body that is not a file (multipart, octet-stream, media) is read whole, up to
  KUAICHU_BODY_MAX_BYTES (1 MB by default), before anything parses it; a larger one is refused
  with 413 (a Content-Length that announces more is refused without reading). Files keep their
  own limits in their handlers.
- NUL: refused (422 problem+json) in the path, the query and every body that is not a file,
  whatever its content type (``application/vnd.api+json`` too) and wherever it sits, raw or as a JSON
  ``\\u0000`` escape. PostgreSQL text cannot hold NUL and a NUL in a name or a number is never
  legitimate. (The text types of domain/ refuse other control characters where text enters
  the model.)"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import PROBLEM_JSON, TITLES, status_of
from domain import refusals as R
from domain.refusals import RefusalCode

# bodies that are files: their routes read them as a stream and hold them to their own limits
# (KUAICHU_EVIDENCE_MAX_BYTES, _RECORDING_CHUNK_MAX_BYTES); NUL is data in them
FILE_BODIES = (b"multipart/form-data", b"application/octet-stream", b"video/", b"audio/", b"image/")


class InputHygiene:
    def __init__(self, app: ASGIApp, max_body_bytes: int = 1024 * 1024) -> None:
        self.app = app
        self.max_body = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        raw_path = scope.get("raw_path") or scope.get("path", "").encode()
        if b"%00" in raw_path or b"\x00" in raw_path or b"%00" in scope.get("query_string", b""):
            await _refuse(scope, send, R.INVALID_CHARACTERS)
            return
        headers = dict(scope.get("headers") or [])
        content_type = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
        if content_type.startswith(FILE_BODIES):
            await self.app(scope, receive, send)
            return
        announced = headers.get(b"content-length", b"")
        if _no_body(scope, headers, announced):  # most reads: nothing to read, nothing to replay
            await self.app(scope, receive, send)
            return
        if announced.isdigit() and int(announced) > self.max_body:
            await _refuse(scope, send, R.BODY_TOO_LARGE)
            return
        chunks, size, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, _replay([], message, receive), send)
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                await _refuse(scope, send, R.BODY_TOO_LARGE)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        url_encoded = content_type == b"application/x-www-form-urlencoded"
        if b"\x00" in body or b"\\u0000" in body or (url_encoded and b"%00" in body):
            await _refuse(scope, send, R.INVALID_CHARACTERS)
            return
        await self.app(scope, _replay([body], {"type": "http.request", "more_body": False}, receive), send)


async def _refuse(scope: Scope, send: Send, code: RefusalCode) -> None:
    status = status_of(code)
    body = json.dumps(
        {
            "type": f"urn:kuaichu:problem:{code.code.lower()}",
            "title": TITLES[status],
            "status": status,
            "code": code.code,
            "detail": code.reason,
            "instance": scope.get("path", ""),
        },
        ensure_ascii=False,
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", PROBLEM_JSON.encode()),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
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


def _no_body(scope: Scope, headers: dict[bytes, bytes], announced: bytes) -> bool:
    """HTTP/1.x without a Content-Length (or with 0) nor a Transfer-Encoding carries no body."""
    if scope.get("http_version") not in ("1.0", "1.1") or b"transfer-encoding" in headers:
        return False
    return announced in (b"", b"0")
