"""Group commit: the writes that arrive while a transaction runs are made together in the next
one. On SQLite a process has one write connection (worker.engine_options): each write used to
wait for it and then hold it for its own BEGIN and COMMIT and the event loop's turns between
them (at 50 cases in flight: 0.77 s waiting, 12 ms holding; bench/RESULTS.md, session 5).

A batch that fails (a write the database refuses as data, a poisoned row) is made again one
write at a time, so that only the failing write's caller gets the error and nobody else waits
on it."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.session import write_session

T = TypeVar("T")
R = TypeVar("R")
BATCH = 64  # writes in one transaction at most


@dataclass
class _Queued(Generic[T, R]):
    item: T
    done: asyncio.Future[R] = field(default_factory=lambda: asyncio.get_running_loop().create_future())

    def settle(self, result: R | None = None, error: BaseException | None = None) -> None:
        if self.done.done():  # its caller was cancelled (a timed-out activity): written anyway
            return
        if error is not None:
            self.done.set_exception(error)
        else:
            self.done.set_result(result)  # type: ignore[arg-type]


class GroupCommit(Generic[T, R]):
    """``await commit.write(item)``: ``write_one(session, item)`` inside a shared transaction."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        write_one: Callable[[AsyncSession, T], Awaitable[R]],
    ) -> None:
        self._sessions = sessions
        self._write_one = write_one
        self._queue: list[_Queued[T, R]] = []
        self._writer: asyncio.Task[None] | None = None

    async def write(self, item: T) -> R:
        queued: _Queued[T, R] = _Queued(item)
        self._queue.append(queued)
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_queued())
        return await queued.done

    async def _write_queued(self) -> None:
        while self._queue:
            batch, self._queue = self._queue[:BATCH], self._queue[BATCH:]
            try:
                results = await self._write_together([q.item for q in batch])
            except Exception:
                for q in batch:  # each alone: only the failing one's caller gets its error
                    try:
                        (result,) = await self._write_together([q.item])
                    except Exception as err:
                        q.settle(error=err)
                    else:
                        q.settle(result)
                continue
            for q, result in zip(batch, results, strict=True):
                q.settle(result)

    async def _write_together(self, items: list[T]) -> list[R]:
        async with write_session(self._sessions) as session:
            return [await self._write_one(session, item) for item in items]
