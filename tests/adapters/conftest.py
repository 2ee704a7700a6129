"""Fixtures for the adapter tests: a Twilio stand-in on a free local port; a seeded SQLite
database; the API's sandbox router on a real uvicorn (with a fault layer in front)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from settings import Settings
from tests.adapters.sandbox_server import SandboxServer
from tests.adapters.twilio_standin import TwilioStandIn
from tests.seeded_db import seeded_sessions

ACCOUNT_SID = "AC" + "1" * 32
AUTH_TOKEN = "auth-token-not-secret"
API_KEY_SID = "SK" + "2" * 32
API_KEY_SECRET = "api-key-secret-not-secret-32-bytes-long"
SERVICE_SID = "MG" + "3" * 32


@pytest.fixture
async def twilio_standin() -> AsyncIterator[TwilioStandIn]:
    standin = TwilioStandIn()
    await standin.start()
    yield standin
    await standin.stop()


@pytest.fixture(scope="session")
def adapter_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    var: Path = tmp_path_factory.mktemp("adapters")
    return Settings(
        var_dir=var,
        database_url=f"sqlite+aiosqlite:///{var / 'adapters.db'}",
        sandbox_api_key="sandbox-key-for-tests",
        insurer_timeout_seconds=1.0,
        registry_timeout_seconds=1.0,
    )


@pytest.fixture(scope="session")
async def sessions(adapter_settings: Settings) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    async with seeded_sessions(adapter_settings.effective_database_url) as sessions:
        yield sessions


@pytest.fixture(scope="session")
async def sandbox(
    adapter_settings: Settings, sessions: async_sessionmaker[AsyncSession]
) -> AsyncIterator[SandboxServer]:
    server = SandboxServer(adapter_settings, sessions)
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
def sandbox_clean(sandbox: SandboxServer) -> SandboxServer:
    sandbox.faults.clear()
    sandbox.hits.clear()
    return sandbox
