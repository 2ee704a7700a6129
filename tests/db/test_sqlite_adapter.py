"""db/sqlite_adapter.py: one trip to aiosqlite's thread a statement, the same results and errors."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiosqlite.core
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from db.session import make_engine


@pytest.fixture
def trips(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The name of each function sent to an aiosqlite connection's thread, in order."""
    sent: list[str] = []
    original = aiosqlite.core.Connection._execute

    async def counted(self: Any, fn: Any, *args: Any, **kwargs: Any) -> Any:
        sent.append(getattr(fn, "__name__", repr(fn)))
        return await original(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.core.Connection, "_execute", counted)
    yield sent


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'a.db'}")
    async with engine.begin() as conn:
        await conn.exec_driver_sql("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT UNIQUE)")
    yield engine
    await engine.dispose()


async def test_a_transaction_is_one_trip_a_statement_and_one_for_the_commit(
    engine: AsyncEngine, trips: list[str]
) -> None:
    async with engine.begin() as conn:
        await conn.execute(sa.text("INSERT INTO t (v) VALUES ('a')"))
        await conn.execute(sa.text("INSERT INTO t (v) VALUES ('b')"))
    # BEGIN went with the first INSERT; the pool's reset after the COMMIT made no trip
    assert trips == ["trip", "trip", "commit"]

    trips.clear()
    async with engine.connect() as conn:
        rows = (await conn.execute(sa.text("SELECT v FROM t ORDER BY v"))).all()
    assert [r.v for r in rows] == ["a", "b"]
    assert trips == ["trip", "rollback"]  # the read's transaction is ended by the pool


async def test_a_transaction_that_runs_nothing_makes_no_trip(engine: AsyncEngine, trips: list[str]) -> None:
    async with engine.begin():
        pass
    assert trips == []


async def test_rowcount_lastrowid_and_an_empty_result_read_as_from_sqlite3(
    engine: AsyncEngine,
) -> None:
    async with engine.begin() as conn:
        inserted = await conn.execute(sa.text("INSERT INTO t (v) VALUES ('x')"))
        assert inserted.lastrowid == 1
        updated = await conn.execute(sa.text("UPDATE t SET v = v || '!' WHERE id = 1"))
        assert updated.rowcount == 1
        empty = await conn.execute(sa.text("SELECT id, v FROM t WHERE v = 'none'"))
        assert list(empty.keys()) == ["id", "v"] and empty.all() == []
        many = await conn.execute(sa.text("INSERT INTO t (v) VALUES (:v)"), [{"v": "m1"}, {"v": "m2"}])
        assert many.rowcount == 2


async def test_an_error_fails_its_statement_and_the_transaction_rolls_back(
    engine: AsyncEngine,
) -> None:
    with pytest.raises(sa.exc.IntegrityError):
        async with engine.begin() as conn:
            await conn.execute(sa.text("INSERT INTO t (v) VALUES ('dup')"))
            await conn.execute(sa.text("INSERT INTO t (v) VALUES ('dup')"))
    async with engine.connect() as conn:
        assert (await conn.execute(sa.text("SELECT count(*) FROM t"))).scalar() == 0


async def test_begin_immediate_takes_the_write_lock_when_it_returns(
    tmp_path: Path,
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'locked.db'}"
    holder = make_engine(url)
    waiter = make_engine(url)
    try:
        async with holder.begin() as conn:
            await conn.exec_driver_sql("CREATE TABLE t (v TEXT)")
        async with holder.connect() as held:
            held = await held.execution_options(sqlite_begin="IMMEDIATE")
            await held.begin()
            await held.exec_driver_sql("INSERT INTO t VALUES ('held')")
            async with waiter.connect() as conn:
                await conn.exec_driver_sql("PRAGMA busy_timeout=50")  # not the 30 s of make_engine
                await conn.commit()
                conn = await conn.execution_options(sqlite_begin="IMMEDIATE")
                with pytest.raises(sa.exc.OperationalError, match="locked"):
                    await conn.begin()  # not at the first statement: callers count on the lock
                await conn.rollback()
                # the connection is usable again once the lock is free
                await held.commit()
                async with conn.begin():
                    n = (await conn.exec_driver_sql("SELECT count(*) FROM t")).scalar()
                assert n == 1
    finally:
        await holder.dispose()
        await waiter.dispose()
