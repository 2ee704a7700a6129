"""The stored snapshot numbers (``cases.snapshot_seq``) of the cases being read, many requests to
one query: a request joins the next query, one that starts after it arrived (never one already
under way, which may predate a step the caller has been told of), so every answer is as new as
a query of its own would have been. Under load the requests that arrive while a query runs are
answered together by the next one: one round trip for all of them instead of one each."""

from __future__ import annotations

import asyncio

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from db.models import CaseRow

_CASES = CaseRow.__table__.c
BATCH = 500  # case numbers in one query at most


class SnapshotSeqs:
    """One per database; the engine is passed in, not held (the caches are keyed by it weakly)."""

    def __init__(self) -> None:
        self.waiting: dict[str, list[asyncio.Future[int | None]]] = {}
        self.reader: asyncio.Task[None] | None = None

    async def seq(self, engine: AsyncEngine, case_number: str) -> int | None:
        """The case's stored snapshot number; None for an unknown case."""
        answer: asyncio.Future[int | None] = asyncio.get_running_loop().create_future()
        self.waiting.setdefault(case_number, []).append(answer)
        if self.reader is None or self.reader.done():
            self.reader = asyncio.create_task(self._read(engine))
        return await answer

    async def _read(self, engine: AsyncEngine) -> None:
        while self.waiting:
            numbers = list(self.waiting)[:BATCH]
            batch = {n: self.waiting.pop(n) for n in numbers}
            try:
                seqs = await self._query(engine, numbers)
            except Exception as err:  # each waiting request fails as its own query would have
                for answers in batch.values():
                    _settle(answers, error=err)
                continue
            except BaseException:  # cancelled (shutdown): nobody waits for an answer never coming
                for answers in [*batch.values(), *self.waiting.values()]:
                    _settle(answers, error=RuntimeError("snapshot numbers not read"))
                raise
            for number, answers in batch.items():
                _settle(answers, seqs.get(number))

    async def _query(self, engine: AsyncEngine, numbers: list[str]) -> dict[str, int]:
        stmt = sa.select(_CASES.case_number, _CASES.snapshot_seq).where(_CASES.case_number.in_(numbers))
        async with engine.connect() as conn:
            return {n: s for n, s in (await conn.execute(stmt)).all()}


def _settle(
    answers: list[asyncio.Future[int | None]], value: int | None = None, error: Exception | None = None
) -> None:
    for answer in answers:
        if answer.done():  # its request went away
            continue
        if error is not None:
            answer.set_exception(error)
        else:
            answer.set_result(value)
