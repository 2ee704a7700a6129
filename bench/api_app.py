"""The API as the benchmarks run it: the real app (api.app.create_app) with the alert clock pinned
inside the service hours, so that a benchmark run at night or at a weekend still walks eligible
cases (the clock is the only difference from scripts/run).

    uvicorn bench.api_app:create --factory
"""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import FastAPI

from api.app import create_app
from settings import get_settings

# Wednesday 2026-11-25, 10:00 Asia/Shanghai (tests/case_factory.py's WORKING_MORNING)
ALERT_TIME = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)


def create() -> FastAPI:
    return create_app(get_settings(), alert_clock=lambda: ALERT_TIME)
