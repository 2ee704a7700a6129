"""Engines, sessions and schema creation.

    engine = make_engine(get_settings().effective_database_url)
    sm = make_sessionmaker(engine)
    await ensure_schema(url)          # Alembic upgrade head; safe to repeat and to race
    async with sm.begin() as session: # the caller owns the transaction
        await repository.upsert_case(session, snapshot)

SQLite (aiosqlite, through db/sqlite_adapter.py: one trip to the connection's thread a
statement): WAL, foreign keys on, a 30 s busy timeout, and real transactions (the driver's own
implicit transaction handling is switched off and SQLAlchemy emits BEGIN itself, so SAVEPOINT and
transactional DDL work). PostgreSQL: asyncpg.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from db.sqlite_adapter import one_trip_dbapi

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_TIMEOUT_S = 30
SQLITE_POOL_SIZE = 20  # connections kept open (the API's concurrent reads at c50: bench/load.py)
# pg_advisory_xact_lock key that serialises concurrent ensure_schema() calls (any fixed bigint)
_PG_MIGRATION_LOCK = 5_820_101_123


def _is_sqlite(url: str | sa.URL) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _sqlite_prepare_path(url: sa.URL) -> None:
    db = url.database
    if db and db != ":memory:" and not db.startswith("file:"):
        Path(db).expanduser().parent.mkdir(parents=True, exist_ok=True)


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An AsyncEngine for `url` (sqlite+aiosqlite or postgresql+asyncpg). Extra kwargs go to
    `create_async_engine`. The SQLite parent directory is created when missing."""
    u = make_url(url)
    # a database error's text would otherwise quote the statement's values (names, phones)
    kwargs.setdefault("hide_parameters", True)
    if u.get_backend_name() == "sqlite":
        _sqlite_prepare_path(u)
        connect_args = {"timeout": SQLITE_BUSY_TIMEOUT_S, **kwargs.pop("connect_args", {})}
        kwargs.setdefault("module", one_trip_dbapi())
        if "poolclass" not in kwargs and u.database not in (None, "", ":memory:"):
            # kept open: every aiosqlite connection is a thread, and SQLAlchemy's 5 kept + 10
            # overflow closed and reopened ~1.6 a case at 50 concurrent requests (WAL
            # readers do not block each other, so more open readers cost only their threads)
            kwargs.setdefault("pool_size", SQLITE_POOL_SIZE)
            kwargs.setdefault("max_overflow", 10)
        engine = create_async_engine(u, connect_args=connect_args, **kwargs)
        _install_sqlite_events(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    if "poolclass" not in kwargs:
        kwargs.setdefault("pool_size", 10)
        kwargs.setdefault("max_overflow", 10)
    return create_async_engine(u, **kwargs)


def _install_sqlite_events(engine: AsyncEngine) -> None:
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # autocommit at the driver; SQLAlchemy emits BEGIN below
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_S * 1000}")
        try:
            cur.execute("PRAGMA journal_mode=WAL")
        except Exception as err:
            # switching to WAL needs an exclusive lock and does not wait for it; WAL is a property
            # of the file, so when another process holds the lock it is the one switching
            if "locked" not in str(err):
                raise
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # execution_options(sqlite_begin="IMMEDIATE") takes the write lock at once (migrations)
        mode = conn.get_execution_options().get("sqlite_begin", "")
        conn.exec_driver_sql(f"BEGIN {mode}".strip())


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded attributes after commit (rows stay readable once returned)."""
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=True)


@asynccontextmanager
async def write_session(sm: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """`async with write_session(sm) as session:` - a transaction that commits on success, like
    `sm.begin()`, but on SQLite takes the write lock at BEGIN (BEGIN IMMEDIATE), so that a
    read-then-write unit waits for other writers instead of failing with "database is locked".
    On PostgreSQL it is exactly `sm.begin()`."""
    async with sm() as session, session.begin():
        await session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
        yield session


# --------------------------------------------------------------------------- migrations


def alembic_config(url: str | None = None) -> Config:
    """Alembic config built in code (no alembic.ini): script_location = db/migrations."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url:
        # '%' must be escaped for ConfigParser interpolation
        cfg.set_main_option("sqlalchemy.url", str(url).replace("%", "%%"))
    return cfg


def _upgrade(sync_conn: Connection, cfg: Config, revision: str) -> None:
    if sync_conn.dialect.name == "postgresql":
        # two processes migrating an empty database at once: the second waits, then finds head
        sync_conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_MIGRATION_LOCK})
    cfg.attributes["connection"] = sync_conn
    command.upgrade(cfg, revision)


async def ensure_schema(url: str, revision: str = "head") -> None:
    """Create or upgrade the schema to `revision` with Alembic, in one transaction.

    Safe to call repeatedly and from several processes at once: PostgreSQL serialises on an
    advisory lock, SQLite on BEGIN IMMEDIATE (write lock, waiting up to the busy timeout)."""
    engine = make_engine(url, poolclass=sa.pool.NullPool)
    try:
        async with engine.connect() as conn:
            if _is_sqlite(url):
                conn = await conn.execution_options(sqlite_begin="IMMEDIATE")
            async with conn.begin():
                await conn.run_sync(_upgrade, alembic_config(url), revision)
    finally:
        await engine.dispose()


def ensure_schema_sync(url: str, revision: str = "head") -> None:
    """For synchronous callers without a running event loop (CLI, scripts)."""
    asyncio.run(ensure_schema(url, revision))
