"""Liveness and readiness. ``/healthz``: the process answers. ``/readyz``: the database answers a
query and Temporal answers a health check (503 with the failing part otherwise)."""

from __future__ import annotations

import sqlalchemy as sa
from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from api.deps import State

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str
    database: str | None = None
    temporal: str | None = None


@router.get("/healthz")
async def healthz() -> Health:
    return Health(status="ok")


@router.get("/readyz", response_model=Health, responses={503: {"model": Health}})
async def readyz(kc: State):
    try:
        async with kc.engine.connect() as conn:
            await conn.execute(sa.text("SELECT 1"))
        database = "ok"
    except Exception:
        database = "unavailable"
    temporal = "ok" if await kc.temporal.healthy() else "unavailable"
    ready = database == "ok" and temporal == "ok"
    body = Health(status="ready" if ready else "not_ready", database=database, temporal=temporal)
    return JSONResponse(body.model_dump(), status_code=200 if ready else 503)
