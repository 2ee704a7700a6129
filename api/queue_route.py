"""``GET /seat/queue`` without the framework's per-request work, when the answer is at hand.

Every seat polls the queue, and its answer is shared bytes (api/queue.py): FastAPI's routing,
dependency solving and response handling were most of a request's CPU. This ASGI middleware,
inside the others (request id, metrics, CORS, input hygiene: they see the request as before),
answers ``GET /seat/queue`` itself when the bearer token is a valid seat's, the seat's district
may list the queue and the cached answer is there (fresh, or the previous one while another
request reads it again). Anything else goes on to the route, unchanged: no token, a bad token,
another role (the route's 401/403 problems), a seat without a district, no cached answer yet (the
route reads it). The checks are the route's own functions (api.auth, api.deps)."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.types import ASGIApp, Receive, Scope, Send

from api.auth import ApiRole, principal_from_token
from api.deps import listing_district
from api.errors import ApiProblem
from api.queue import cached_answer
from api.staff_sessions import check_account

PATH = "/seat/queue"


@dataclass(frozen=True)
class _Route:
    path: str


ROUTE = _Route(PATH)  # the matched route's template, which is all HttpMetrics reads of it


class SeatQueueFastPath:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == PATH and scope["method"] == "GET":
            body = await self._answer(scope)
            if body is not None:
                scope["route"] = ROUTE  # what the metrics label a request by (api/metrics.py)
                await send(
                    {
                        "type": "http.response.start",
                        "status": 200,
                        "headers": [
                            (b"content-length", str(len(body)).encode()),
                            (b"content-type", b"application/json"),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)

    async def _answer(self, scope: Scope) -> bytes | None:
        kc = getattr(scope["app"].state, "kc", None)
        token = _bearer(scope)
        if kc is None or token is None:
            return None
        try:
            principal = principal_from_token(kc.settings, token)
            await check_account(kc, principal)  # a disabled or revoked account: the route says 401
        except ApiProblem:
            return None
        if principal.role != ApiRole.SEAT:
            return None
        any_case, district = listing_district(principal)
        return cached_answer(kc, district=district) if any_case else None


def _bearer(scope: Scope) -> str | None:
    """The token of ``Authorization: Bearer <token>``, as fastapi.security.HTTPBearer reads it."""
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            return token if scheme.lower() == "bearer" and token else None
    return None
