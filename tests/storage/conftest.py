"""`store`: the same tests on both object stores (LocalDiskStore in a temporary directory, S3Store
on a fresh bucket of the tests' SeaweedFS); `fresh_sessions`: an empty database per test, on
both backends (the retention sweep looks at every record, so no other test's data may be there)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.storage import LocalDiskStore, ObjectStore
from adapters.storage.s3 import S3Store
from db.session import ensure_schema, make_engine, make_sessionmaker
from tests.conftest import fresh_postgres_database
from tests.s3_server import S3Server


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> ObjectStore:
    if request.param == "local":
        return LocalDiskStore(tmp_path / "objects")
    server: S3Server = request.getfixturevalue("s3_server")
    return S3Store(server.new_bucket(), prefix="evidence/", create_bucket=True, client=server.client())


@pytest.fixture(params=["sqlite", "postgres"])
async def fresh_sessions(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
        await ensure_schema(url)
        engine = make_engine(url)
        yield make_sessionmaker(engine)
        await engine.dispose()
        return
    async with fresh_postgres_database() as url:
        await ensure_schema(url)
        engine = make_engine(url)
        yield make_sessionmaker(engine)
        await engine.dispose()
