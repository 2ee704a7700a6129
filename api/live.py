"""Live updates for the pages: Server-Sent Events (``text/event-stream``), fed from the read model.

    GET /seat/queue/events               seat: ``event: queue`` with the queue of the seat's
                                         district (api/queue.py, api/deps.py) each time it
                                         changes (a new alert, an accept, a hand-off)
    GET /citizen/cases/{case}/events     citizen, own case: ``event: case`` with the status, the
                                         read model's snapshot number and the queue position;
                                         the page then reads the case (GET /citizen/cases/{case})

The pages read the stream with ``fetch`` (so the bearer token goes in the Authorization header,
never in a URL) and reconnect when it ends. One poller per process reads the queue every
``POLL_S`` (per district) while anyone listens and fans the changes out, so a new alert reaches every seat
within a second whatever the number of seats; a comment line every ``KEEPALIVE_S`` keeps proxies
from closing an idle stream. Waiting times are not pushed every second: the pages count them
from ``reported_at``."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from api.auth import SeatP
from api.citizen import MyCase
from api.deps import CaseNumber, State, listing_district, load_case
from api.errors import problem_responses
from api.queue import QueueOut, queue

log = logging.getLogger("kuaichu.api.live")
router = APIRouter(tags=["live"])

POLL_S = 0.4
CASE_POLL_S = 1.0
KEEPALIVE_S = 15.0
SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
SSE_DOC = {200: {"content": {"text/event-stream": {"schema": {"type": "string"}}}}}


class QueueFeed:
    """The queue (of one district, or all), read once per tick for all its listeners;
    ``version`` grows with every change."""

    def __init__(self, kc: Any, district: str | None = None) -> None:
        self._kc = kc
        self._district = district
        self.latest: QueueOut | None = None
        self.version = 0
        self._signature = ""
        self._listeners = 0
        self._changed = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @staticmethod
    def signature(out: QueueOut) -> str:
        """What a change is: cases, positions, deadlines (not the seconds ticking by)."""
        return json.dumps(
            [(e.case_number, e.position, str(e.answer_deadline), e.category, e.district) for e in out.entries]
            + [out.sample_size]
        )

    async def _poll(self) -> None:
        while self._listeners > 0:
            try:
                out = await queue(self._kc, district=self._district)
            except Exception as err:  # the database is busy or down: try again next tick
                log.warning("queue poll failed: %s", type(err).__name__)
            else:
                signature = self.signature(out)
                if signature != self._signature or self.latest is None:
                    self._signature, self.latest = signature, out
                    self.version += 1
                    self._changed.set()
                    self._changed = asyncio.Event()
            await asyncio.sleep(POLL_S)
        self._task = None

    @contextlib.asynccontextmanager
    async def listening(self) -> AsyncIterator[QueueFeed]:
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


def feed_of(request: Request, district: str | None) -> QueueFeed:
    state = request.app.state
    feeds = getattr(state, "queue_feeds", None)
    if feeds is None:
        feeds = state.queue_feeds = {}
    if district not in feeds:
        feeds[district] = QueueFeed(state.kc, district)
    return feeds[district]


def _event(name: str, data: Any) -> str:
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False, default=str)}\n\n"


@router.get(
    "/seat/queue/events",
    response_class=StreamingResponse,
    responses={**SSE_DOC, **problem_responses(401, 403)},
)
async def seat_queue_events(request: Request, principal: SeatP) -> StreamingResponse:
    """The waiting cases of the seat's district, pushed on every change."""
    any_case, district = listing_district(principal)
    # a seat without a district: a feed of nothing (a district no case has)
    feed = feed_of(request, district if any_case else "")

    async def stream() -> AsyncIterator[str]:
        async with feed.listening():
            seen = 0
            while True:
                if await feed.newer_than(seen, KEEPALIVE_S) and feed.latest is not None:
                    seen = feed.version
                    yield _event("queue", feed.latest.model_dump(mode="json"))
                else:
                    yield ": keep-alive\n\n"

    return StreamingResponse(stream(), media_type="text/event-stream", headers=SSE_HEADERS)


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
