"""SQLAlchemy's aiosqlite adapter with one trip to the connection's thread a statement.

aiosqlite runs each sqlite3 connection in a thread of its own and every call on it is a trip:
a queue put, a thread wake-up, a future resolved back on the event loop. SQLAlchemy's adapter
makes four a statement (cursor, execute, fetchall, close), and the pool's reset a fifth for the
ROLLBACK after a COMMIT. Here a statement is one trip: a function run in the connection's thread
opens the sqlite3 cursor, executes, reads every row and what SQLAlchemy asks of the cursor after
(description, rowcount, lastrowid) and closes it. A deferred BEGIN, which takes no lock until the
first statement anyway, goes in that statement's trip; BEGIN IMMEDIATE keeps a trip of its own, as
its caller counts on holding the write lock once it returns (db/session.py's write_session, the
migrations). A COMMIT or ROLLBACK with no transaction open (the pool's reset after a commit) or of
a transaction that ran nothing makes no trip at all.

    create_async_engine("sqlite+aiosqlite:///kuaichu.db", module=one_trip_dbapi())

Server-side cursors keep SQLAlchemy's own class (rows fetched a chunk a trip). aiosqlite's
`Connection._execute` and `_conn` are its queueing primitive and its sqlite3 connection; the
pinned aiosqlite version is tested by the whole suite through this adapter.
"""

from __future__ import annotations

import collections
import sqlite3
from collections.abc import Callable, Sequence
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util.concurrency import await_

_DEFERRED_BEGIN = "BEGIN"  # as db/session.py emits it


class _ResultOfTrip:
    """What SQLAlchemy reads off a cursor once it has executed, filled in the connection's
    thread; it stands where an aiosqlite cursor would, so nothing on it needs a trip."""

    __slots__ = ("arraysize", "description", "lastrowid", "rowcount")

    def __init__(self) -> None:
        self.description: Any = None
        self.rowcount = -1
        self.lastrowid: int | None = None
        self.arraysize = 1

    def close(self) -> None:
        """The sqlite3 cursor was closed in its trip."""

    def take(self, cursor: sqlite3.Cursor) -> list[Any]:
        rows = cursor.fetchall() if cursor.description else []
        self.description = cursor.description
        self.rowcount = cursor.rowcount
        self.lastrowid = cursor.lastrowid
        cursor.close()
        return rows


class OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    __slots__ = ()
    _awaitable_cursor_close = False  # close() is _ResultOfTrip.close: nothing left to close

    def _make_new_cursor(self, connection: Any) -> Any:
        return _ResultOfTrip()

    def _aenter_cursor(self, cursor: Any) -> Any:
        return cursor

    async def _execute_async(self, operation: Any, parameters: Any) -> Any:
        adapt: OneTripConnection = self._adapt_connection  # type: ignore[assignment]
        if operation == _DEFERRED_BEGIN and not parameters:
            adapt._begin_pending = True
            return self._cursor
        params = () if parameters is None else parameters
        self._rows = collections.deque(await self._trip(lambda c: c.execute(operation, params)))
        return self._cursor

    async def _executemany_async(self, operation: Any, seq_of_parameters: Sequence[Any]) -> Any:
        await self._trip(lambda c: c.executemany(operation, seq_of_parameters))
        return self._cursor

    async def _trip(self, run: Callable[[sqlite3.Connection], sqlite3.Cursor]) -> list[Any]:
        """`run` on the sqlite3 connection in its thread, after the BEGIN waiting for it."""
        adapt: OneTripConnection = self._adapt_connection  # type: ignore[assignment]
        result: _ResultOfTrip = self._cursor  # type: ignore[assignment]
        conn: sqlite3.Connection = self._connection._conn
        begin, adapt._begin_pending = adapt._begin_pending, False

        def trip() -> list[Any]:
            if begin:
                conn.execute(_DEFERRED_BEGIN)
            return result.take(run(conn))

        async with adapt._execute_mutex:
            return await self._connection._execute(trip)  # type: ignore[no-any-return]


class OneTripConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ("_begin_pending",)
    _cursor_cls = OneTripCursor

    def __init__(self, dbapi: Any, connection: Any) -> None:
        super().__init__(dbapi, connection)
        self._begin_pending = False  # a BEGIN waiting for the transaction's first statement

    def _transaction_to_end(self) -> bool:
        """Whether a COMMIT or ROLLBACK has anything to end; a BEGIN that waited for a statement
        and got none is dropped here (nothing was sent, so nothing is open)."""
        if self._begin_pending:
            self._begin_pending = False
            return False
        # sqlite3_get_autocommit: a read of the connection's flag, safe while no statement runs on
        # it, which the adapter's callers (the pool, one task at a time) guarantee
        sqlite_conn = self._connection._connection
        return sqlite_conn is not None and sqlite_conn.in_transaction

    def rollback(self) -> None:
        if self._transaction_to_end():
            super().rollback()

    def commit(self) -> None:
        if self._transaction_to_end():
            super().commit()


class OneTripDbapi(AsyncAdapt_aiosqlite_dbapi):
    def connect(self, *arg: Any, **kw: Any) -> OneTripConnection:
        connection = self.aiosqlite.connect(*arg, **kw)
        connection._thread.daemon = True  # as SQLAlchemy's: a forgotten connection must not hang exit
        return OneTripConnection(self, await_(connection))


def one_trip_dbapi() -> OneTripDbapi:
    """The DBAPI module to pass as `module=` to create_async_engine for sqlite+aiosqlite."""
    return OneTripDbapi(aiosqlite, sqlite3)
