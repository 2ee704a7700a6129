"""Fixtures for workflow tests: one SQLite database with the registry seeded, the two Temporal
servers (session-scoped: each starts once), and `worker` to run a worker on a fresh task queue."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.testing import WorkflowEnvironment

from db.seed_registry import seed_registry
from db.session import ensure_schema, make_engine, make_sessionmaker
from settings import Settings
from tests.temporal_env import start_dev_server, start_time_skipping


@pytest.fixture(scope="session")
def wf_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    var: Path = tmp_path_factory.mktemp("var")
    return Settings(
        var_dir=var,
        database_url=f"sqlite+aiosqlite:///{var / 'wf.db'}",
        # no API in workflow tests: registry and insurers in process (the defaults are HTTP)
        registry_provider="database",
        insurer_provider="sandbox",
    )


@pytest.fixture(scope="session")
async def wf_sessions(wf_settings: Settings) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    url = wf_settings.effective_database_url
    await ensure_schema(url)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    async with sessions.begin() as session:
        await seed_registry(session)
    yield sessions
    await engine.dispose()


@pytest.fixture(scope="session")
async def ts_env() -> AsyncIterator[WorkflowEnvironment]:
    env = await start_time_skipping()
    yield env
    await env.shutdown()


@pytest.fixture(scope="session")
async def dev_env() -> AsyncIterator[WorkflowEnvironment]:
    env = await start_dev_server()
    yield env
    await env.shutdown()
