"""Shared test configuration. Fixtures specific to one layer live in that folder's conftest.

Database fixtures (owned by db/; reuse them in API and activity tests)
-----------------------------------------------------------------------
`database_url`   session-scoped, parametrised over the two backends: every test that uses it (or
                 a fixture built on it) runs twice, as `[sqlite]` and `[postgres]`. The schema is
                 already at Alembic head (created by `db.session.ensure_schema`).
                 - sqlite: one temporary file per test session (tmp_path_factory).
                 - postgres: a fresh database `kuaichu_t_<random>` created from a connection to
                   KUAICHU_TEST_POSTGRES_URL (default postgresql+asyncpg://postgres@127.0.0.1:5432/test)
                   and dropped at the end, so concurrent runs by several people never collide.
                   If PostgreSQL is unreachable: with CI set (CI=true) the test FAILS with the URL
                   and the error; otherwise it is skipped with that reason (visible with -rs).
`db_engine`      session-scoped AsyncEngine for that URL (disposed at the end).
`db_sessionmaker` session-scoped async_sessionmaker (expire_on_commit=False).
`db_session`     function-scoped AsyncSession, not in a transaction yet; the test commits what it
                 wants to be visible to other sessions (`await db_session.commit()`).
`new_case_number` factory: `new_case_number()` -> a case number unique in the test session,
                 e.g. "LZ20261125-000042".
`sqlite_url`, `postgres_url`  one backend only: the same per-session databases as `database_url`.
`fresh_postgres_database()`  async context manager for an extra empty PG database (migration tests).

Isolation: the database lives for the whole session and is NOT cleaned between tests (the
timeline is append-only, even for TRUNCATE on PostgreSQL). Tests isolate themselves by using
`new_case_number()` for every case they create and unique idempotency keys / notice numbers
(derive them from the case number). Do not assert on global counts; filter by your case.
Only need one backend? Use `sqlite_url` / `postgres_url` directly, or
`pytest -k sqlite` / `-k postgres`.
"""

from __future__ import annotations

import itertools
import os
import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from db.session import ensure_schema, make_engine, make_sessionmaker

DEFAULT_TEST_POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _pg_admin_url() -> str:
    return os.environ.get("KUAICHU_TEST_POSTGRES_URL", DEFAULT_TEST_POSTGRES_URL)


@pytest.fixture(scope="session")
async def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A temporary SQLite file for this test session, schema at head."""
    path: Path = tmp_path_factory.mktemp("db") / "kuaichu-test.db"
    url = f"sqlite+aiosqlite:///{path}"
    await ensure_schema(url)
    return url


@asynccontextmanager
async def fresh_postgres_database() -> AsyncIterator[str]:
    """Create an empty, uniquely named database next to KUAICHU_TEST_POSTGRES_URL, yield its URL,
    drop it afterwards. Unreachable PostgreSQL: pytest.fail under CI, pytest.skip otherwise."""
    admin_url = _pg_admin_url()
    shown = make_url(admin_url).render_as_string(hide_password=True)
    admin = create_async_engine(
        admin_url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool, connect_args={"timeout": 10}
    )
    name = f"kuaichu_t_{secrets.token_hex(6)}"
    try:
        async with admin.connect() as conn:
            await conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # unreachable, auth, ...: decide fail vs skip
        await admin.dispose()
        message = f"PostgreSQL not available at {shown}: {type(exc).__name__}: {exc}"
        if _in_ci():
            pytest.fail(f"CI is set and PostgreSQL is required. {message}", pytrace=False)
        pytest.skip(message)
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        async with admin.connect() as conn:
            await conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


@pytest.fixture(scope="session")
async def postgres_url() -> AsyncIterator[str]:
    """A fresh, uniquely named PostgreSQL database for this test session, schema at head."""
    async with fresh_postgres_database() as url:
        await ensure_schema(url)
        yield url


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest) -> str:
    """A database URL at schema head; parametrised over sqlite and postgres. (A sync fixture on
    purpose: it resolves only the backend it needs, so a sqlite run never touches PostgreSQL.)"""
    url: str = request.getfixturevalue(f"{request.param}_url")
    return url


@pytest.fixture(scope="session")
async def db_engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(database_url)
    yield engine
    await engine.dispose()


@pytest.fixture(scope="session")
def db_sessionmaker(db_engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return make_sessionmaker(db_engine)


@pytest.fixture
async def db_session(db_sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    async with db_sessionmaker() as session:
        yield session


_case_counter = itertools.count(1)


@pytest.fixture(scope="session")
def new_case_number() -> Callable[[], str]:
    day = datetime.now(UTC).strftime("%Y%m%d")
    return lambda: f"LZ{day}-{next(_case_counter):06d}"


# a real S3 server (SeaweedFS) for the object-store tests: tests/s3_server.py
from tests.s3_server import s3_server  # noqa: E402, F401
