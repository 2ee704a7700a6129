"""The seat queue: cases waiting for a seat officer, oldest first, from the read model.

Estimated wait (documented here because the consoles and the citizen page show it):
- ``avg_answer`` = mean of (call accepted - alert reported) over the last 20 answered cases
  (timeline action ``call_accepted``), a rolling average;
- ``avg_gap`` = mean interval between those consecutive accepts (how fast seats take calls),
  capped at ``avg_answer``;
- a case at position p that has waited w seconds: max(0, avg_answer - w) + (p - 1) * avg_gap.
No answered case yet: the estimate is null (unknown), never a made-up number.

``GET /seat/queue`` is served from a shared cache (``QUEUE_CACHE_SECONDS``, 0.5 s) of the
serialised answer, one per database and district: every seat of a district sees the same queue,
so a request is its role and district check and a dict lookup (the bytes are sent as they are).
The first request after the window reads again; the requests meanwhile get the previous answer
(so an answer is at most the window plus one read old, its waiting seconds computed when it was
read); when there is no answer yet they wait for that one read instead of all reading at once.
The read itself takes Core rows (the queue's columns, a few fields out of the snapshot's JSON),
not ORM entities and validated snapshots."""

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

from db.models import CaseRow, TimelineRow
from domain.models import CaseStatus

RECENT = 20
QUEUE_CACHE_SECONDS = 0.5


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


async def _queued_rows(session, limit: int, district: str | None) -> list[Any]:
    """The queued cases' columns the queue shows, oldest first, as Core rows: the area, category
    and deadline kind from the stored snapshot's JSON, so no snapshot is parsed and validated."""
    cases, snapshot = CaseRow.__table__.c, CaseRow.__table__.c.snapshot
    stmt = sa.select(
        cases.case_number,
        cases.reported_at,
        cases.district,
        cases.next_deadline,
        snapshot["area"].as_string().label("area"),
        snapshot["category"].as_string().label("category"),
        snapshot["next_deadline_kind"].as_string().label("next_deadline_kind"),
    ).where(cases.status == CaseStatus.QUEUED.value)
    if district is not None:
        stmt = stmt.where(cases.district == district)
    # the oldest first, so that a queue longer than `limit` keeps the cases seats take next
    stmt = stmt.order_by(cases.reported_at, cases.case_number).limit(limit)
    return list((await session.execute(stmt)).all())


def estimated_wait(avg_answer: float | None, avg_gap: float | None, waited: int, position: int) -> int | None:
    """Seconds until a seat answers (the formula above); None without statistics."""
    if avg_answer is None or avg_gap is None:
        return None
    return int(max(0.0, avg_answer - waited) + (position - 1) * avg_gap)


async def queue(kc, limit: int = 200, district: str | None = None) -> QueueOut:
    """The queue of one district (positions within it), or of all (district None)."""
    now = datetime.now(UTC)
    async with kc.sessions() as session:
        rows = await _queued_rows(session, limit, district)
        avg_answer, avg_gap, n = await answer_statistics(session)
    entries = []
    for i, r in enumerate(rows, start=1):
        waited = max(0, int((now - r.reported_at).total_seconds()))
        estimate = estimated_wait(avg_answer, avg_gap, waited, i)
        entries.append(
            QueueEntry(
                case_number=r.case_number,
                position=i,
                reported_at=r.reported_at,
                waiting_seconds=waited,
                estimated_wait_seconds=estimate,
                district=r.district,
                area=r.area or "",
                category=r.category or None,
                answer_deadline=r.next_deadline if r.next_deadline_kind == "seat_answer" else None,
            )
        )
    return QueueOut(entries=entries, average_answer_seconds=avg_answer, sample_size=n)


@dataclass(frozen=True)
class _Answer:
    read_at: float  # time.monotonic() when its read began
    out: QueueOut
    body: bytes


@dataclass
class _QueueCache:
    answers: dict[tuple[Any, ...], _Answer] = field(default_factory=dict)
    reads: dict[tuple[Any, ...], asyncio.Task[_Answer]] = field(default_factory=dict)


# one cache per database (keyed by the engine: each app, and each test's app, has its own)
_CACHES: weakref.WeakKeyDictionary[Any, _QueueCache] = weakref.WeakKeyDictionary()


async def _read(kc, limit: int, district: str | None) -> _Answer:
    read_at = time.monotonic()
    out = await queue(kc, limit, district=district)
    return _Answer(read_at, out, out.model_dump_json().encode())


def cached_answer(kc, limit: int = 200, district: str | None = None) -> bytes | None:
    """The serialised queue when cached_queue would answer it without reading (fresh, or the
    previous one while another request reads it again); None when it would read."""
    cache = _CACHES.get(kc.engine)
    hit = cache.answers.get((limit, district)) if cache is not None else None
    if hit is None:
        return None
    fresh = time.monotonic() - hit.read_at < QUEUE_CACHE_SECONDS
    return hit.body if fresh or (limit, district) in cache.reads else None


async def cached_queue(kc, limit: int = 200, district: str | None = None) -> tuple[QueueOut, bytes]:
    """The queue of one district (or of all) and its JSON: read at most QUEUE_CACHE_SECONDS ago,
    or the previous answer while another request reads it again."""
    cache = _CACHES.setdefault(kc.engine, _QueueCache())
    key = (limit, district)
    hit = cache.answers.get(key)
    if hit is not None and time.monotonic() - hit.read_at < QUEUE_CACHE_SECONDS:
        return hit.out, hit.body
    reading = cache.reads.get(key)
    if reading is not None and hit is not None:
        return hit.out, hit.body
    if reading is None:
        reading = asyncio.create_task(_read(kc, limit, district))
        cache.reads[key] = reading

        def done(task: asyncio.Task[_Answer]) -> None:
            cache.reads.pop(key, None)
            if not task.cancelled() and task.exception() is None:
                cache.answers[key] = task.result()

        reading.add_done_callback(done)
    # shielded: a client that goes away does not cancel the read the others wait for
    answer = await asyncio.shield(reading)
    return answer.out, answer.body
