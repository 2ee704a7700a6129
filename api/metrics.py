"""The API's Prometheus endpoint and its HTTP metrics.

``GET /metrics``: this process's registry: requests by method, route template and status class,
their durations, and the Python process metrics. The case metrics (outcomes, durations, SMS,
claims, activity failures) are the workers' (observability/metrics.py, each worker's /metrics).

Who may scrape: /metrics is for the internal network. The reverse proxy (deploy/nginx.conf)
never forwards it, Prometheus scrapes each replica directly; with KUAICHU_METRICS_TOKEN set the
route also requires ``Authorization: Bearer <token>`` (a cluster where the API's port is not
private). Labels are route templates (``/seat/cases/{case_number}/accept``), never raw paths, so
no case number or phone becomes a label."""

from __future__ import annotations

import hmac
import time
from typing import Any

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, Histogram, generate_latest

from api.deps import State
from api.errors import ApiProblem
from domain import refusals as R

router = APIRouter(tags=["ops"])

HTTP_REQUESTS = Counter(
    "kuaichu_http_requests",
    "HTTP requests by method, route template and status class",
    ["method", "route", "status"],
)
HTTP_SECONDS = Histogram(
    "kuaichu_http_request_duration_seconds",
    "HTTP request durations by method and route template",
    ["method", "route"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request, kc: State) -> Response:
    token = kc.settings.metrics_token
    if token:
        given = request.headers.get("authorization", "")
        if not given:
            raise ApiProblem(R.UNAUTHENTICATED)
        if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            raise ApiProblem(R.INVALID_TOKEN)
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)


class HttpMetrics:
    """ASGI middleware: counts and times every HTTP request by its matched route (``unmatched``
    for a path no route knows: scanners cannot create labels)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = [500]

        async def send_status(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status[0] = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            method = scope.get("method", "GET") if scope.get("method") in METHODS else "other"
            HTTP_REQUESTS.labels(method, route, f"{status[0] // 100}xx").inc()
            HTTP_SECONDS.labels(method, route).observe(time.perf_counter() - started)
