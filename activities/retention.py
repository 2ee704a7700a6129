"""The retention sweep's activity (workflows/retention.py): for each evidence record past its
6 months (never one kept permanently), delete its file from the object store and write an audit
record on the case's timeline, in one database transaction per record:

1. lock the row and check it is still due (a decision marking it permanent meanwhile waits on
   the lock, then leaves the deleted row alone; one already permanent is skipped);
2. delete the object (deleting what is already gone is no error: a retry after step 3 failed);
3. mark the row deleted (``deleted_at``; the row keeps its SHA-256) and append the audit record
   (step key ``retention:<evidence id>``: written once however often this is retried).

A failure before the commit leaves the row due, so the next attempt does it again; the object
store is never asked to delete what the database still calls permanent."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity

from activities.declared import implements
from adapters.storage import ObjectStore, evidence_key_of
from db import repository
from db.session import write_session
from domain import activity_contracts as act

AUDIT_ACTION = "evidence_deleted"
AUDIT_ACTOR = "retention"


class RetentionActivities:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], evidence: ObjectStore) -> None:
        self._sessions = sessions
        self._evidence = evidence

    @implements(act.purge_expired_evidence)
    async def purge_expired_evidence(self, sweep: act.RetentionSweep) -> act.RetentionSweepResult:
        async with self._sessions() as session:
            due = await repository.list_evidence_due_for_deletion(session, sweep.now, limit=sweep.limit)
            ids = [row.evidence_id for row in due]
        result = act.RetentionSweepResult(more=len(ids) >= sweep.limit)
        for n, evidence_id in enumerate(ids):
            outcome = await self._purge(evidence_id, sweep.now)
            if outcome == "deleted":
                result.deleted += 1
            elif outcome == "absent":
                result.absent += 1
            else:
                result.skipped += 1
            if activity.in_activity():
                activity.heartbeat(n + 1)
        return result

    async def _purge(self, evidence_id: str, now: datetime) -> str:
        async with write_session(self._sessions) as session:
            row = await repository.lock_evidence_due(session, evidence_id, now)
            if row is None:
                return "skipped"
            key = evidence_key_of(row.storage_path)
            existed = key is not None and await asyncio.to_thread(self._evidence.delete, key)
            outcome = "deleted" if existed else "absent"
            at = datetime.now(UTC)
            await repository.mark_evidence_deleted(session, evidence_id, at)
            await repository.append_timeline(
                session,
                row.case_number,
                "system",
                AUDIT_ACTOR,
                AUDIT_ACTION,
                {
                    "evidence_id": evidence_id,
                    "kind": row.kind,
                    "sha256": row.sha256,
                    "storage_path": row.storage_path,
                    "size_bytes": row.size_bytes,
                    "captured_at": row.captured_at,
                    "retain_until": row.retain_until,
                    "object": outcome,  # deleted | absent (already gone)
                    "store": self._evidence.name,
                },
                at=at,
                step_key=f"retention:{evidence_id}",
            )
            return outcome
