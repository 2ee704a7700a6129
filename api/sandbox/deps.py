"""What the sandbox routers need from the application: settings and database sessions."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from settings import Settings


def app_state(request: Request) -> Any:
    return request.app.state.kc


def settings_of(request: Request) -> Settings:
    return app_state(request).settings


def sessions_of(request: Request) -> async_sessionmaker[AsyncSession]:
    return app_state(request).sessions
