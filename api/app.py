"""The HTTP API: ``create_app()`` builds the FastAPI application.

    uvicorn --factory api.app:create_app          # settings from KUAICHU_* / .env

Startup: the schema is brought to head (Alembic), the engine and the eligibility rules are made
ready; the Temporal client connects lazily (a first attempt starts in the background), so the API
starts and serves reads even when Temporal is down - workflow-backed calls answer 503 and
``/readyz`` says which part is missing. One router per actor; OpenAPI at /docs and /openapi.json.

Personal data never reaches the logs from here: handlers log case numbers and role ids only, no
request bodies; a logging filter masks anything that looks like a mobile or ID number in the
``kuaichu`` and ``uvicorn`` loggers as a second line of defence."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import datetime

from fastapi import APIRouter, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from temporalio.client import Client

import process_gc
from adapters.sms import SmsProvider, SmsSender
from adapters.wiring import Providers, rules_from_settings
from api import (
    admin,
    alerts,
    auth,
    citizen,
    codec,
    dispatcher,
    docs_pages,
    evidence_files,
    health,
    live,
    metrics,
    notices,
    officer,
    oidc,
    ops,
    page_support,
    pages,
    recordings,
    reviewer,
    seat,
    signalling,
    staff_admin,
    staff_consoles,
    staff_login,
    webhooks,
)
from api.deps import AppState, utcnow
from api.errors import install_error_handlers
from api.metrics import HttpMetrics
from api.middleware import InputHygiene
from api.queue_route import SeatQueueFastPath
from api.temporal import TemporalGateway, TemporalUnavailable
from db.session import ensure_schema, make_engine, make_sessionmaker
from observability.logs import scrub
from observability.request_id import RequestIdMiddleware
from settings import Settings, get_settings

log = logging.getLogger("kuaichu.api")


class MaskPersonalData(logging.Filter):
    """Masks mobiles (138****8000) and resident ID numbers (5105**********001X) in log messages."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:
            return True
        masked = scrub(message)  # the same masking as the JSON logs' (observability/logs.py)
        if masked != message:
            record.msg, record.args = masked, None
        return True


def install_log_filter() -> None:
    for name in ("kuaichu", "uvicorn", "uvicorn.access", "uvicorn.error"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, MaskPersonalData) for f in logger.filters):
            logger.addFilter(MaskPersonalData())


ROUTERS = (
    health,
    auth,
    alerts,
    citizen,
    dispatcher,
    seat,
    live,  # before officer: /officer/cases/events is not a case number
    officer,
    reviewer,
    webhooks,
    notices,
    admin,
    codec,
    ops,
    metrics,  # /metrics: internal (api/metrics.py)
    ops.session_router,  # /codec/session: where the operator's cookie is sent
    # the pages' own endpoints (web/): video signalling, live updates, evidence files...
    signalling,
    evidence_files,
    recordings,
    page_support,
    staff_consoles,
    staff_login,
    staff_admin,
    oidc,
)


def create_app(
    settings: Settings | None = None,
    *,
    temporal_client: Client | None = None,
    alert_clock: Callable[[], datetime] | None = None,
    sms_provider: SmsProvider | None = None,
) -> FastAPI:
    """``temporal_client``: an already connected client (tests); ``alert_clock``: the time alerts
    are reported at (tests pin it inside the service hours); ``sms_provider``: replaces the
    configured SMS provider for the login codes and 110 links."""
    settings = settings or get_settings()
    install_log_filter()
    docs = settings.env != "production" or "docs" in settings.production_allowed
    app = FastAPI(
        docs_url=None,  # /docs and /redoc with the vendored assets: api.docs_pages
        redoc_url=None,
        openapi_url="/openapi.json" if docs else None,
        title="快处 kuaichu API",
        version="0.1.0",
        description="Online video quick-processing of minor traffic accidents (轻微交通事故线上视频快处).",
        lifespan=_lifespan(settings, temporal_client, alert_clock or utcnow, sms_provider),
    )
    install_error_handlers(app)
    app.add_middleware(SeatQueueFastPath)  # innermost: the seats' queue as cached bytes
    app.add_middleware(InputHygiene, max_body_bytes=settings.body_max_bytes)
    app.add_middleware(
        CORSMiddleware,  # the Temporal UI calls /codec from the browser, with the operator's cookie
        allow_origins=settings.temporal_ui_origin_list,
        allow_credentials=True,
        allow_methods=["POST"],
        allow_headers=["Authorization", "Content-Type", "X-Namespace"],
    )
    app.add_middleware(HttpMetrics)
    app.add_middleware(RequestIdMiddleware)  # outermost: every response, refusals too, carries it
    for module in ROUTERS:
        app.include_router(module if isinstance(module, APIRouter) else module.router)
    pages.install(app)
    if docs:
        docs_pages.install(app)
    if settings.env != "production":  # simulated external systems: never on a production API
        from api.sandbox import router as sandbox_router

        app.include_router(sandbox_router, prefix="/sandbox")
    return app


def _lifespan(
    settings: Settings,
    temporal_client: Client | None,
    alert_clock: Callable[[], datetime],
    sms_provider: SmsProvider | None,
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """Startup: schema at head, engine, rules, SMS sender and the lazily connecting Temporal
    gateway (a first connection attempt in the background); shutdown disposes of them."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        url = settings.effective_database_url
        await ensure_schema(url)
        engine = make_engine(url)
        sessions = make_sessionmaker(engine)
        gateway = TemporalGateway(settings, temporal_client)
        app.state.kc = AppState(
            settings=settings,
            engine=engine,
            sessions=sessions,
            temporal=gateway,
            rules=rules_from_settings(settings, sessions),
            # the provider the worker uses (adapters.wiring), for login codes and 110 links
            sms=SmsSender(sessions, sms_provider or Providers(settings, sessions).sms),
            alert_clock=alert_clock,
        )
        warmup = asyncio.create_task(_warm_up(gateway))
        process_gc.tune_for_service(process_gc.API_THRESHOLDS)
        try:
            yield
        finally:
            warmup.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await warmup
            await engine.dispose()

    return lifespan


async def _warm_up(gateway: TemporalGateway) -> None:
    with contextlib.suppress(TemporalUnavailable):
        await gateway.client()
