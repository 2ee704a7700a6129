"""The seat queue: cases waiting for a seat officer, oldest first, from the read model.

Estimated wait (documented here because the consoles and the citizen page show it):
- ``avg_answer`` = mean of (call accepted - alert reported) over the last 20 answered cases
  (timeline action ``call_accepted``), a rolling average;
- ``avg_gap`` = mean interval between those consecutive accepts (how fast seats take calls),
  capped at ``avg_answer``;
- a case at position p that has waited w seconds: max(0, avg_answer - w) + (p - 1) * avg_gap.
No answered case yet: the estimate is null (unknown), never a made-up number."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import sqlalchemy as sa
from pydantic import BaseModel

from db import repository
from db.models import CaseRow, TimelineRow
from domain.models import CaseStatus

RECENT = 20


class QueueEntry(BaseModel):
    case_number: str
    position: int
    reported_at: datetime
    waiting_seconds: int
    estimated_wait_seconds: int | None = None
    district: str = ""
    area: str = ""
    category: str | None = None
    answer_deadline: datetime | None = None


class QueueOut(BaseModel):
    entries: list[QueueEntry]
    average_answer_seconds: float | None = None
    sample_size: int = 0


async def answer_statistics(session) -> tuple[float | None, float | None, int]:
    rows = (
        await session.execute(
            sa.select(TimelineRow.at, CaseRow.reported_at)
            .join(CaseRow, CaseRow.case_number == TimelineRow.case_number)
            .where(TimelineRow.action == "call_accepted")
            .order_by(TimelineRow.id.desc())
            .limit(RECENT)
        )
    ).all()
    if not rows:
        return None, None, 0

    def aware(d: datetime) -> datetime:
        return d if d.tzinfo else d.replace(tzinfo=UTC)

    answers = [max(0.0, (aware(at) - aware(rep)).total_seconds()) for at, rep in rows]
    avg_answer = sum(answers) / len(answers)
    accepts = sorted(aware(at) for at, _ in rows)
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(accepts)]
    avg_gap = min(sum(gaps) / len(gaps), avg_answer) if gaps else avg_answer
    return avg_answer, avg_gap, len(rows)


async def queue(kc, limit: int = 200, district: str | None = None) -> QueueOut:
    """The queue of one district (positions within it), or of all (district None)."""
    now = datetime.now(UTC)
    async with kc.sessions() as session:
        cases = await repository.list_cases(
            session, status=[CaseStatus.QUEUED], district=district, limit=limit
        )
        avg_answer, avg_gap, n = await answer_statistics(session)
    cases.sort(key=lambda c: (c.reported_at, c.case_number))
    entries = []
    for i, r in enumerate(cases, start=1):
        waited = max(0, int((now - r.reported_at).total_seconds()))
        estimate = None
        if avg_answer is not None and avg_gap is not None:
            estimate = int(max(0.0, avg_answer - waited) + (i - 1) * avg_gap)
        entries.append(
            QueueEntry(
                case_number=r.case_number,
                position=i,
                reported_at=r.reported_at,
                waiting_seconds=waited,
                estimated_wait_seconds=estimate,
                district=r.district,
                area=r.area,
                category=r.category or None,
                answer_deadline=r.next_deadline if r.next_deadline_kind == "seat_answer" else None,
            )
        )
    return QueueOut(entries=entries, average_answer_seconds=avg_answer, sample_size=n)
