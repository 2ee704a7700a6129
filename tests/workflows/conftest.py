"""Fixtures for workflow tests: one SQLite database with the registry seeded, the two Temporal
servers (session-scoped: each starts once), and `worker` to run a worker on a fresh task queue."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.testing import WorkflowEnvironment

from settings import Settings
from tests.seeded_db import seeded_sessions
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
    async with seeded_sessions(wf_settings.effective_database_url) as sessions:
        yield sessions


@pytest.fixture
async def ts_env() -> AsyncIterator[WorkflowEnvironment]:
    """A fresh time-skipping server per test (about a second): one test's leftovers (a workflow
    task in flight when its worker stopped) would otherwise hold the clock still for the next."""
    env = await start_time_skipping()
    yield env
    await env.shutdown()


@pytest.fixture(scope="session")
async def dev_env() -> AsyncIterator[WorkflowEnvironment]:
    env = await start_dev_server()
    yield env
    await env.shutdown()


TIME_SKIPPING_TEST_BOUND_S = 180  # the longest of these takes ~15 s on a quiet machine


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests on the time-skipping server (ts_env): that server (Temporal's Java test server) now and
    then stops advancing time, and the test would wait for ever. Such a test fails after a bound
    and runs once more on a fresh server (ts_env is per test); the rerun shows in the report."""
    for item in items:
        if "ts_env" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.timeout(TIME_SKIPPING_TEST_BOUND_S, method="signal"))
            item.add_marker(pytest.mark.flaky(reruns=1))
