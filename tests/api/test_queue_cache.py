"""The seats' queue cache (api/queue.py): one read per window for every seat asking in it."""

from __future__ import annotations

import asyncio
import json

import pytest

from api import queue as api_queue
from api.queue import QueueOut, cached_queue


class _Engine:  # a stand-in for the app's engine: the cache is keyed by it
    pass


class _State:
    def __init__(self) -> None:
        self.engine = _Engine()


async def test_the_queue_is_read_once_per_window(monkeypatch: pytest.MonkeyPatch) -> None:
    reads: list[int] = []

    async def queue(kc: object, limit: int = 200, district: str | None = None) -> QueueOut:
        reads.append(limit)
        await asyncio.sleep(0.01)  # concurrent askers wait for this read instead of reading too
        return QueueOut(entries=[], sample_size=len(reads))

    monkeypatch.setattr(api_queue, "queue", queue)
    kc = _State()
    answers = await asyncio.gather(*(cached_queue(kc) for _ in range(20)))
    assert reads == [200]
    assert {body for _, body in answers} == {answers[0][1]}
    assert json.loads(answers[0][1]) == answers[0][0].model_dump(mode="json")

    assert (await cached_queue(_State()))[0].sample_size == 2  # another database: its own cache
    monkeypatch.setattr(api_queue, "QUEUE_CACHE_SECONDS", 0.02)
    await asyncio.sleep(0.03)
    assert (await cached_queue(kc))[0].sample_size == 3  # the window passed: read again
