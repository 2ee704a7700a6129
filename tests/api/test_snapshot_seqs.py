"""api/snapshot_seqs.py: the requests' snapshot numbers, many to a query, never an old query's."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from api.snapshot_seqs import SnapshotSeqs

ENGINE: Any = None  # the query is replaced: no database


async def test_a_request_is_answered_by_a_query_that_started_after_it_arrived() -> None:
    seqs = SnapshotSeqs()
    queries: list[list[str]] = []

    async def query(engine: object, numbers: list[str]) -> dict[str, int]:
        queries.append(sorted(numbers))
        n = len(queries)
        await asyncio.sleep(0.02)
        return {x: n for x in numbers if x != "unknown"}

    seqs._query = query  # type: ignore[method-assign]
    first = asyncio.create_task(seqs.seq(ENGINE, "A"))
    await asyncio.sleep(0.005)  # its query is under way
    later = await asyncio.gather(
        seqs.seq(ENGINE, "A"), seqs.seq(ENGINE, "B"), seqs.seq(ENGINE, "A"), seqs.seq(ENGINE, "unknown")
    )
    assert await first == 1
    assert later == [2, 2, 2, None]  # the next query, one for all of them
    assert queries == [["A"], ["A", "B", "unknown"]]


async def test_a_failed_query_fails_its_requests_and_the_next_ones_read_again() -> None:
    seqs = SnapshotSeqs()
    calls = 0

    async def query(engine: object, numbers: list[str]) -> dict[str, int]:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise OSError("database gone")
        return dict.fromkeys(numbers, 7)

    seqs._query = query  # type: ignore[method-assign]
    with pytest.raises(OSError):
        await seqs.seq(ENGINE, "A")
    assert await seqs.seq(ENGINE, "A") == 7
