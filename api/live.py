"""Live updates for the pages: Server-Sent Events (``text/event-stream``), fed from the read model.

    GET /seat/queue/events               seat: ``event: queue`` with the whole queue (api/queue.py)
                                         each time it changes (a new alert, an accept, a hand-off)
    GET /citizen/cases/{case}/events     citizen, own case: ``event: case`` with the status, the
                                         read model's snapshot number and the queue position;
                                         the page then reads the case (GET /citizen/cases/{case})
    GET /officer/cases/events            officer: ``event: cases`` with the cases awaiting a
                                         decision or redetermination (as GET /officer/cases)
    GET /reviewer/reviews/events         reviewer: ``event: reviews`` with the reviews waiting
                                         (as GET /reviewer/reviews)

The pages read the stream with ``fetch`` (so the bearer token goes in the Authorization header,
never in a URL) and reconnect when it ends. One poller per list and process (``Feed``) reads it
every ``POLL_S`` (one per district) while anyone listens and fans the changes out, so a new alert (or a case
awaiting decision or review) reaches every console within a second whatever their number; a comment line every ``KEEPALIVE_S`` keeps proxies
from closing an idle stream. Waiting times are not pushed every second: the pages count them
from ``reported_at``."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, Generic, TypeVar

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from api.auth import OfficerP, ReviewerP, SeatP
from api.case_reads import load_case
from api.citizen import MyCase
from api.deps import CaseNumber, State, listing_district
from api.errors import problem_responses
from api.officer import cases_waiting
from api.queue import QueueOut, queue
from api.reviewer import reviews_under_way
from api.views import CaseSummary

log = logging.getLogger("kuaichu.api.live")
router = APIRouter(tags=["live"])

POLL_S = 0.4
CASE_POLL_S = 1.0
KEEPALIVE_S = 15.0
SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
T = TypeVar("T")
SSE_DOC = {200: {"content": {"text/event-stream": {"schema": {"type": "string"}}}}}


class Feed(Generic[T]):
    """One list, read once per tick for all its listeners; ``version`` grows with every change.

    ``read`` fetches the list from the read model; ``signature`` says what a change is (the
    queue's waiting seconds tick by without being one)."""

    def __init__(self, read: Callable[[], Awaitable[T]], signature: Callable[[T], str]) -> None:
        self._read = read
        self._sign = signature
        self.latest: T | None = None
        self.version = 0
        self._signature = ""
        self._listeners = 0
        self._changed = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def _poll(self) -> None:
        while self._listeners > 0:
            try:
                out = await self._read()
            except Exception as err:  # the database is busy or down: try again next tick
                log.warning("live poll failed: %s", type(err).__name__)
            else:
                signature = self._sign(out)
                if signature != self._signature or self.latest is None:
                    self._signature, self.latest = signature, out
                    self.version += 1
                    self._changed.set()
                    self._changed = asyncio.Event()
            await asyncio.sleep(POLL_S)
        self._task = None

    @contextlib.asynccontextmanager
    async def listening(self) -> AsyncIterator[Feed[T]]:
        self._listeners += 1
        if self._task is None:
            self._task = asyncio.create_task(self._poll())
        try:
            yield self
        finally:
            self._listeners -= 1

    async def newer_than(self, version: int, within: float) -> bool:
        """Wait until there is a newer version than ``version`` (False after ``within`` seconds)."""
        if self.version > version:
            return True
        changed = self._changed
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(changed.wait(), within)
        return self.version > version

    def stream(self, event: str, dump: Callable[[T], Any]) -> AsyncIterator[str]:
        """The SSE text of this feed: ``event`` with ``dump(latest)`` on every change."""

        async def lines() -> AsyncIterator[str]:
            async with self.listening():
                seen = 0
                while True:
                    if await self.newer_than(seen, KEEPALIVE_S) and self.latest is not None:
                        seen = self.version
                        yield _event(event, dump(self.latest))
                    else:
                        yield ": keep-alive\n\n"

        return lines()


def queue_signature(out: QueueOut) -> str:
    """What a change of the queue is: cases, positions, deadlines (not the seconds ticking by)."""
    return json.dumps(
        [(e.case_number, e.position, str(e.answer_deadline), e.category, e.district) for e in out.entries]
        + [out.sample_size]
    )


def summaries_signature(cases: list[CaseSummary]) -> str:
    return json.dumps([c.model_dump(mode="json") for c in cases])


def _dump_summaries(cases: list[CaseSummary]) -> list[dict[str, Any]]:
    return [c.model_dump(mode="json") for c in cases]


def _feed(request: Request, name: str, make: Callable[[Any], Feed[T]]) -> Feed[T]:
    """The process's one feed of that name (created on first use)."""
    state = request.app.state
    feeds = getattr(state, "live_feeds", None)
    if feeds is None:
        feeds = state.live_feeds = {}
    if name not in feeds:
        feeds[name] = make(state.kc)
    feed: Feed[T] = feeds[name]
    return feed


def feed_of(request: Request, district: str | None) -> Feed[QueueOut]:
    """The queue of one district (None: all, for the unit-wide staff)."""
    return _feed(
        request, f"queue/{district}", lambda kc: Feed(lambda: queue(kc, district=district), queue_signature)
    )


def _scoped(principal: Any) -> str | None:
    """The district a principal's lists show; "" (a district no case has) when none."""
    any_case, district = listing_district(principal)
    return district if any_case else ""


def _event(name: str, data: Any) -> str:
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False, default=str)}\n\n"


@router.get(
    "/seat/queue/events",
    response_class=StreamingResponse,
    responses={**SSE_DOC, **problem_responses(401, 403)},
)
async def seat_queue_events(request: Request, principal: SeatP) -> StreamingResponse:
    """The waiting cases of the seat's district, pushed on every change."""
    feed = feed_of(request, _scoped(principal))
    return _sse(feed.stream("queue", lambda out: out.model_dump(mode="json")))


def _sse(lines: AsyncIterator[str]) -> StreamingResponse:
    return StreamingResponse(lines, media_type="text/event-stream", headers=SSE_HEADERS)


@router.get(
    "/officer/cases/events",
    response_class=StreamingResponse,
    responses={**SSE_DOC, **problem_responses(401, 403)},
)
async def officer_cases_events(request: Request, principal: OfficerP) -> StreamingResponse:
    """The cases awaiting a decision or redetermination, pushed on every change."""
    district = _scoped(principal)
    feed = _feed(
        request,
        f"officer/{district}",
        lambda kc: Feed(lambda: cases_waiting(kc, district=district), summaries_signature),
    )
    return _sse(feed.stream("cases", _dump_summaries))


@router.get(
    "/reviewer/reviews/events",
    response_class=StreamingResponse,
    responses={**SSE_DOC, **problem_responses(401, 403)},
)
async def reviewer_reviews_events(request: Request, principal: ReviewerP) -> StreamingResponse:
    """The reviews waiting, pushed on every change."""
    district = _scoped(principal)
    feed = _feed(
        request,
        f"reviewer/{district}",
        lambda kc: Feed(lambda: reviews_under_way(kc, district=district), summaries_signature),
    )
    return _sse(feed.stream("reviews", _dump_summaries))


@router.get(
    "/citizen/cases/{case_number}/events",
    response_class=StreamingResponse,
    responses={**SSE_DOC, **problem_responses(401, 403, 404)},
)
async def citizen_case_events(
    case_number: CaseNumber, request: Request, kc: State, mine: MyCase
) -> StreamingResponse:
    """My case's status and queue position (in its district's queue, the one its seats take
    calls from), pushed when they change."""
    feed = feed_of(request, mine.case.district)

    async def stream() -> AsyncIterator[str]:
        async with feed.listening():
            last: tuple[Any, ...] | None = None
            quiet = 0.0
            while True:
                record = await load_case(kc, case_number)
                entry = None
                if record is not None and record.status == "queued" and feed.latest is not None:
                    entry = next((e for e in feed.latest.entries if e.case_number == case_number), None)
                state = (
                    record.status if record else None,
                    record.seq if record else None,
                    entry.position if entry else None,
                )
                if state != last:
                    last, quiet = state, 0.0
                    yield _event(
                        "case",
                        {
                            "status": state[0],
                            "snapshot_seq": state[1],
                            "queue": entry.model_dump(mode="json") if entry else None,
                        },
                    )
                elif quiet >= KEEPALIVE_S:
                    quiet = 0.0
                    yield ": keep-alive\n\n"
                await asyncio.sleep(CASE_POLL_S)
                quiet += CASE_POLL_S

    return StreamingResponse(stream(), media_type="text/event-stream", headers=SSE_HEADERS)
