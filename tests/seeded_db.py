"""A database at Alembic head with the sandbox registry's demo records, for tests that run
activities or workflows against the real schema."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.seed_registry import seed_registry
from db.session import ensure_schema, make_engine, make_sessionmaker


@asynccontextmanager
async def seeded_sessions(url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    await ensure_schema(url)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    async with sessions.begin() as session:
        await seed_registry(session)
    try:
        yield sessions
    finally:
        await engine.dispose()
