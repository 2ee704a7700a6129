"""The seat queue: cases waiting for a seat officer, oldest first, from the read model.

Estimated wait (documented here because the consoles and the citizen page show it):
- ``avg_answer`` = mean of (call accepted - alert reported) over the last 20 answered cases
  (timeline action ``call_accepted``), a rolling average;
- ``avg_gap`` = mean interval between those consecutive accepts (how fast seats take calls),
  capped at ``avg_answer``;
- a case at position p that has waited w seconds: max(0, avg_answer - w) + (p - 1) * avg_gap.
No answered case yet: the estimate is null (unknown), never a made-up number.

``GET /seat/queue`` is served from a short-lived cache (``QUEUE_CACHE_SECONDS``, 300 ms) of the
serialised answer, one per database: every seat sees the same queue, so under load one read and
one serialisation serve all the seats asking in those 300 ms (a queue at most that old, its
waiting seconds computed when it was read). One request reads at a time; the others wait for its
answer instead of all reading the database at once."""

from __future__ import annotations

import asyncio
import itertools
import time
import weakref
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel

from db import repository
from db.models import CaseRow, TimelineRow
from domain.models import CaseStatus

RECENT = 20
QUEUE_CACHE_SECONDS = 0.3


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


@dataclass
class _QueueCache:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    answers: dict[tuple[Any, ...], tuple[float, QueueOut, bytes]] = field(default_factory=dict)


# one cache per database (keyed by the engine: each app, and each test's app, has its own)
_CACHES: weakref.WeakKeyDictionary[Any, _QueueCache] = weakref.WeakKeyDictionary()


async def cached_queue(kc, limit: int = 200, district: str | None = None) -> tuple[QueueOut, bytes]:
    """The queue of one district (or of all) and its JSON, at most QUEUE_CACHE_SECONDS old."""
    cache = _CACHES.setdefault(kc.engine, _QueueCache())
    key = (limit, district)
    hit = cache.answers.get(key)
    if hit is not None and time.monotonic() - hit[0] < QUEUE_CACHE_SECONDS:
        return hit[1], hit[2]
    async with cache.lock:
        hit = cache.answers.get(key)  # read by the request that held the lock meanwhile
        if hit is not None and time.monotonic() - hit[0] < QUEUE_CACHE_SECONDS:
            return hit[1], hit[2]
        read_at = time.monotonic()
        out = await queue(kc, limit, district=district)
        cache.answers[key] = (read_at, out, out.model_dump_json().encode())
        return out, cache.answers[key][2]
