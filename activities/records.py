"""Read model and audit trail: the workflow's `record_step` local activity writes the case
snapshot (db.repository.upsert_case derives the queried columns from it) and the timeline entries
of one workflow task (one entry before the batched-read-model patch) in a single transaction;
the steps of several cases that arrive together share one (a group commit)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.exceptions import ApplicationError

from activities.declared import implements
from db import repository
from db.session import write_session
from domain import activity_contracts as act
from observability.metrics import record_case_step

BATCH = 64  # steps in one transaction at most


@dataclass
class _Queued:
    step: act.StepRecord
    written: asyncio.Future[set[str]] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )

    def settle(self, keys: set[str] | None = None, error: BaseException | None = None) -> None:
        if self.written.done():  # its local activity was cancelled (timed out): written anyway
            return
        if error is not None:
            self.written.set_exception(error)
        else:
            self.written.set_result(keys or set())


class RecordActivities:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], hash_secret: str) -> None:
        self._sessions = sessions
        self._secret = hash_secret
        self._queue: list[_Queued] = []
        self._writer: asyncio.Task[None] | None = None

    @implements(act.record_step)
    async def record_step(self, step: act.StepRecord) -> None:
        try:
            written = await self._write(step)
        except sa_exc.DataError as err:
            # the database refused the data itself (too long, wrong type): retrying cannot help,
            # and the statement's parameters (names, phones) must not reach the logs
            raise ApplicationError(
                f"read model refused the snapshot: {type(err.orig).__name__}",
                type="RECORD_REFUSED",
                non_retryable=True,
            ) from None
        for e in step.all_entries():
            if e.step_key in written:  # a re-run local activity finds its step_keys taken
                record_case_step(step.snapshot, e.action, e.at, e.status)

    async def _write(self, step: act.StepRecord) -> set[str]:
        """The step keys written now. The steps that arrive while a transaction runs are written
        together in the next one: each step used to wait for the worker's one SQLite connection
        and then hold it for its own BEGIN and COMMIT and the event loop's turns between them
        (at 50 cases in flight: 0.77 s waiting, 12 ms holding; bench/RESULTS.md, session 5)."""
        queued = _Queued(step)
        self._queue.append(queued)
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_queued())
        return await queued.written

    async def _write_queued(self) -> None:
        while self._queue:
            batch, self._queue = self._queue[:BATCH], self._queue[BATCH:]
            try:
                written = await self._write_together([q.step for q in batch])
            except Exception:
                # one step the database refuses must not fail (or hold up) the others: each
                # alone, so that only its own local activity gets the error
                for q in batch:
                    try:
                        keys = (await self._write_together([q.step]))[0]
                    except Exception as err:
                        q.settle(error=err)
                    else:
                        q.settle(keys)
                continue
            for q, keys in zip(batch, written, strict=True):
                q.settle(keys)

    async def _write_together(self, steps: list[act.StepRecord]) -> list[set[str]]:
        """Each step's snapshot and entries, all in one transaction; each step's keys written now."""
        written = []
        async with write_session(self._sessions) as session:
            for step in steps:
                await repository.upsert_case(
                    session, step.snapshot, reporter_phone=step.reporter_phone, secret=self._secret
                )
                rows = [_row(e) for e in step.all_entries()]
                written.append(await repository.append_timeline_steps(session, rows))
        return written

    @implements(act.retain_evidence)
    async def retain_evidence(self, case_number: str) -> int:
        """A decision rests on the case's evidence, recordings included: keep it permanently
        instead of the 6 months of ordinary recordings. Returns how many records changed."""
        async with write_session(self._sessions) as session:
            return await repository.mark_evidence_permanent(session, case_number)


def _row(e: act.TimelineEntry) -> dict[str, object]:
    """The timeline row of an entry."""
    return {
        "case_number": e.case_number,
        "at": e.at,
        "actor_role": e.actor_role,
        "actor_id": e.actor_id,
        "action": e.action,
        "detail": e.detail,
        "step_key": e.step_key or None,  # none: appended without the once-only check
    }
