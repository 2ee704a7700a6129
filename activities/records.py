"""Read model and audit trail: the workflow's `record_step` local activity writes the case
snapshot (db.repository.upsert_case derives the queried columns from it) and the timeline entries
of one workflow task (one entry before the batched-read-model patch) in a single transaction;
the steps of several cases that arrive together share one (db/group_commit.py)."""

from __future__ import annotations

from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.exceptions import ApplicationError

from activities.declared import implements
from db import repository
from db.group_commit import GroupCommit
from db.session import write_session
from domain import activity_contracts as act
from observability.metrics import record_case_step


class RecordActivities:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], hash_secret: str) -> None:
        self._sessions = sessions
        self._secret = hash_secret
        self._steps = GroupCommit(sessions, self._write_step)

    @implements(act.record_step)
    async def record_step(self, step: act.StepRecord) -> None:
        try:
            written = await self._steps.write(step)
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

    async def _write_step(self, session: AsyncSession, step: act.StepRecord) -> set[str]:
        """The snapshot and every entry of one step; the step keys written now."""
        await repository.upsert_case(
            session, step.snapshot, reporter_phone=step.reporter_phone, secret=self._secret
        )
        return await repository.append_timeline_steps(session, [_row(e) for e in step.all_entries()])

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
