"""Read model and audit trail: the workflow's `record_step` local activity writes the case
snapshot and one timeline entry in a single transaction."""

from __future__ import annotations

from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.exceptions import ApplicationError

from activities.declared import implements
from db import repository
from db.records import CaseRecord, PartyRecord
from db.session import write_session
from domain import activity_contracts as act
from domain.geo import to_wgs84


def case_record(snapshot: act.CaseSnapshot) -> CaseRecord:
    location = to_wgs84(snapshot.location)
    served = [p.served_at for p in snapshot.parties if p.served_at is not None]
    deadlines = [p.review_deadline for p in snapshot.parties if p.review_deadline is not None]
    return CaseRecord(
        case_number=snapshot.case_number,
        workflow_id=snapshot.workflow_id,
        status=snapshot.status.value,
        category=snapshot.category,
        district=snapshot.district,
        area=snapshot.area,
        reported_at=snapshot.reported_at,
        lat=location.lat,
        lon=location.lon,
        source_system=snapshot.location.system.value,
        address=snapshot.location.address,
        seat_id=snapshot.seat_id or None,
        officer_id=snapshot.officer_id or None,
        next_deadline=snapshot.next_deadline,
        next_deadline_kind=snapshot.next_deadline_kind or None,
        outcome=snapshot.outcome.value if snapshot.outcome else None,
        outcome_reason=snapshot.outcome_reason or None,
        review_deadline=max(deadlines) if deadlines else None,
        served_at=min(served) if served else None,
        snapshot_seq=snapshot.seq,
        parties=[
            PartyRecord.from_party(
                p.party,
                liability=p.liability,
                verification=p.verification.model_dump(mode="json") if p.verification else {},
            )
            for p in snapshot.parties
        ],
    )


class RecordActivities:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], hash_secret: str) -> None:
        self._sessions = sessions
        self._secret = hash_secret

    @implements(act.record_step)
    async def record_step(self, step: act.StepRecord) -> None:
        record = case_record(step.snapshot)
        if step.reporter_phone:
            record.reporter_phone_hash = repository.phone_hash(step.reporter_phone, self._secret)
        try:
            await self._write(record, step.entry)
        except sa_exc.DataError as err:
            # the database refused the data itself (too long, wrong type): retrying cannot help,
            # and the statement's parameters (names, phones) must not reach the logs
            raise ApplicationError(
                f"read model refused the snapshot: {type(err.orig).__name__}",
                type="RECORD_REFUSED",
                non_retryable=True,
            ) from None

    async def _write(self, record: CaseRecord, e: act.TimelineEntry) -> None:
        async with write_session(self._sessions) as session:
            await repository.upsert_case(session, record, secret=self._secret)
            await repository.append_timeline(
                session,
                e.case_number,
                e.actor_role,
                e.actor_id,
                e.action,
                e.detail,
                at=e.at,
                step_key=e.step_key or None,
            )

    @implements(act.retain_evidence)
    async def retain_evidence(self, case_number: str) -> int:
        """A decision rests on the case's evidence, recordings included: keep it permanently
        instead of the 6 months of ordinary recordings. Returns how many records changed."""
        async with write_session(self._sessions) as session:
            return await repository.mark_evidence_permanent(session, case_number)
