"""The two hot reads against their slow originals: the seats' cached queue against the queue read
afresh the way it was read before (ORM snapshots), and the citizen's case served from the read
model's snapshot (and an officer's, as every console reads it) against the same answer built from
the live workflow query, over a walked case."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from api import queue as api_queue
from api.case_reads import load_case
from api.citizen import Mine
from api.deps import party_of
from api.queue import QueueEntry, QueueOut, answer_statistics, estimated_wait
from db import repository
from domain.models import CaseStatus
from tests.api.conftest import Api
from tests.walker import CaseWalker, Walk

TICKING = ("waiting_seconds", "estimated_wait_seconds")  # computed when read: seconds tick by


async def orm_queue(api: Api) -> QueueOut:
    """The queue as api/queue.py read it before the Core rows: validated ORM snapshots."""
    now = datetime.now(UTC)
    async with api.sessions() as session:
        cases = await repository.list_cases(session, status=[CaseStatus.QUEUED], limit=200)
        avg_answer, avg_gap, n = await answer_statistics(session)
    cases.sort(key=lambda c: (c.reported_at, c.case_number))
    entries = []
    for i, r in enumerate(cases, start=1):
        waited = max(0, int((now - r.reported_at).total_seconds()))
        estimate = estimated_wait(avg_answer, avg_gap, waited, i)
        deadline = r.next_deadline if r.next_deadline_kind == "seat_answer" else None
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
                answer_deadline=deadline,
            )
        )
    return QueueOut(entries=entries, average_answer_seconds=avg_answer, sample_size=n)


def without_ticking(out: dict[str, Any]) -> dict[str, Any]:
    return {
        **out,
        "entries": [{k: v for k, v in e.items() if k not in TICKING} for e in out["entries"]],
    }


async def test_the_cached_queue_equals_the_uncached_one_after_a_change_within_the_bound(api: Api) -> None:
    seat = api.token("seat", "seat-reads")
    await api.client.get("/seat/queue", headers=seat)  # a cached answer from before the change
    case = (await api.raise_alert(("13800000901", "13800000902")))["case_number"]
    await asyncio.sleep(api_queue.QUEUE_CACHE_SECONDS)
    served = (await api.client.get("/seat/queue", headers=seat)).json()
    expected = (await orm_queue(api)).model_dump(mode="json")
    assert case in [e["case_number"] for e in served["entries"]]
    assert without_ticking(served) == without_ticking(expected)
    # and the queue read by the seats is the one read afresh (Core rows), ticking aside
    fresh = (await api_queue.queue(api.kc)).model_dump(mode="json")
    assert without_ticking(fresh) == without_ticking(expected)


async def test_a_stale_queue_is_served_only_while_it_is_read_again(api: Api, monkeypatch) -> None:
    """The requests that arrive while one reads the queue again get the previous answer."""
    reads = 0
    real = api_queue.queue

    async def slow(kc: Any, limit: int = 200, district: str | None = None) -> QueueOut:
        nonlocal reads
        reads += 1
        await asyncio.sleep(0.05)
        return await real(kc, limit, district)

    monkeypatch.setattr(api_queue, "queue", slow)
    monkeypatch.setattr(api_queue, "QUEUE_CACHE_SECONDS", 0.01)
    first = await api_queue.cached_queue(api.kc, district="reads-stale")
    await asyncio.sleep(0.02)
    answers = await asyncio.gather(
        *(api_queue.cached_queue(api.kc, district="reads-stale") for _ in range(10))
    )
    assert reads == 2  # one read for the window, whoever asked
    assert sum(a[1] is first[1] for a in answers) == 9  # the others: the previous answer, at once
    assert answers[0][1] is not first[1]  # the one that read again waited for its own read


async def queried_answer(api: Api, case: str, phone: str, served: dict[str, Any]) -> dict[str, Any]:
    """The citizen's answer as it was built before: the workflow query's view, masked the same
    way (the queue entry as served: it is the cached queue's in both)."""
    snapshot = await load_case(api.kc, case)
    assert snapshot is not None
    party = party_of(snapshot, phone)
    assert party is not None
    live = await api.kc.temporal.view(case)
    assert live is not None
    entry = QueueEntry.model_validate(served["queue"]) if served["queue"] else None
    return Mine(case=snapshot, party=party).answer(live, "workflow", entry).model_dump(mode="json")


def differences(served: dict[str, Any], queried: dict[str, Any]) -> set[str]:
    """The fields that differ; for the deadlines, the kinds the snapshot lacks (-kind) or still
    holds (+kind)."""
    a, b = served["case"], queried["case"]
    fields = {f"case.{k}" for k in a.keys() | b.keys() if a.get(k) != b.get(k) and k != "deadlines"}
    fields |= {k for k in served.keys() - {"case", "source"} if served[k] != queried.get(k)}
    mine = {(d["kind"], d["at"]) for d in a["deadlines"]}
    live = {(d["kind"], d["at"]) for d in b["deadlines"]}
    fields |= {f"deadlines-{kind}" for kind, _ in live - mine} | {
        f"deadlines+{kind}" for kind, _ in mine - live
    }
    return fields


async def queried_staff_answer(api: Api, case: str, served: dict[str, Any]) -> dict[str, Any]:
    """A console's case as it was built before: the workflow query's view (the parties in full
    or masked come from the snapshot either way)."""
    live = await api.kc.temporal.view(case)
    assert live is not None
    return {**served, "case": live.model_dump(mode="json")}


class ComparingWalker(CaseWalker):
    """Before each step, the citizen's and the officer's case as served and as queried, once the
    case is at rest."""

    def __init__(self, api: Api, phones: tuple[str, str]) -> None:
        super().__init__(api.client, api.bearer, api.alert_body, seat="seat-reads", officer="officer-reads")
        self.api, self.phones = api, phones
        self.seen: dict[str, set[str]] = {}

    async def _at_rest(self, status: str, url: str, headers: dict[str, str], queried: Any) -> set[str]:
        diff: set[str] = set()
        for _ in range(30):  # the main line may still be moving after a step: compare at rest
            served = (await self.api.client.get(url, headers=headers)).json()
            diff = differences(served, await queried(served))
            if not diff or served["case"]["status"] != status:
                break
            await asyncio.sleep(0.1)
        return diff

    async def _next_step(self, walk: Walk, case: dict[str, Any], phones: tuple[str, str]) -> bool:
        status = case["status"]
        c = walk.case_number
        citizen = self.api.token("citizen", phone=phones[1])
        diff = await self._at_rest(
            status,
            f"/citizen/cases/{c}",
            citizen,
            lambda served: queried_answer(self.api, c, phones[1], served),
        )
        officer = self.api.token("officer", "officer-reads")
        staff = await self._at_rest(
            status, f"/officer/cases/{c}", officer, lambda served: queried_staff_answer(self.api, c, served)
        )
        self.seen.setdefault(status, set()).update(diff | {f"officer:{d}" for d in staff})
        return await super()._next_step(walk, case, phones)


async def test_the_case_from_the_snapshot_equals_the_query_at_every_status(api: Api) -> None:
    phones = ("13800000911", "13800000912")
    walker = ComparingWalker(api, phones)
    walk = await walker.walk(phones)
    assert walk.final_status == "served"
    assert {"queued", "in_video", "awaiting_decision", "notice_sent", "served"} <= walker.seen.keys()
    # equal at every status: where the snapshot lacks the deadline of the wait the status began
    # after its last step (without api/case_reads.py's LIVE_DEADLINE, the decision, the notice
    # reminder and the review window differed), the query was asked once and its deadline kept
    assert walker.seen == {status: set() for status in walker.seen}


async def test_another_citizen_or_a_seat_does_not_get_my_case(api: Api) -> None:
    case = (await api.raise_alert(("13800000921", "13800000922")))["case_number"]
    mine = await api.client.get(f"/citizen/cases/{case}", headers=api.token("citizen", phone="13800000922"))
    assert mine.status_code == 200 and mine.json()["me"] == "P2"
    assert mine.json()["source"] in ("read_model", "workflow")
    other = await api.client.get(f"/citizen/cases/{case}", headers=api.token("citizen", phone="13800000929"))
    assert other.status_code == 404 and other.json()["code"] == "CASE_NOT_FOUND"
    seat = await api.client.get(f"/citizen/cases/{case}", headers=api.token("seat", "seat-reads"))
    assert seat.status_code == 403
    unknown = await api.client.get(
        "/citizen/cases/LZ20261125-999999", headers=api.token("citizen", phone="13800000922")
    )
    assert unknown.status_code == 404 and unknown.json()["code"] == "CASE_NOT_FOUND"


async def test_the_queue_answered_before_routing_is_the_routes_answer(api: Api, monkeypatch) -> None:
    """api/queue_route.py: the same bytes, headers and metrics as the route; everything it does
    not answer (no token, a bad one, another role) gets the route's answer."""
    from api.metrics import HTTP_REQUESTS

    routed: list[str] = []
    real = api_queue.cached_queue

    async def counted(kc: Any, limit: int = 200, district: str | None = None) -> tuple[QueueOut, bytes]:
        routed.append(str(district))
        return await real(kc, limit, district)

    monkeypatch.setattr("api.seat.cached_queue", counted)
    seat = api.token("seat", "seat-fast")
    counter = HTTP_REQUESTS.labels("GET", "/seat/queue", "2xx")
    first = await api.client.get("/seat/queue", headers=seat)  # may read: through the route
    before, n = counter._value.get(), len(routed)
    second = await api.client.get("/seat/queue", headers=seat | {"X-Request-ID": "fast-1"})
    assert len(routed) == n  # answered before routing
    assert second.status_code == 200 and second.content in (first.content, second.content)
    assert second.headers["content-type"] == "application/json"
    assert second.headers["x-request-id"] == "fast-1"
    assert counter._value.get() == before + 1  # counted under the route's template
    fresh = await api_queue.cached_queue(api.kc)
    assert second.content == fresh[1]
    assert (await api.client.get("/seat/queue")).status_code == 401
    bad = {"Authorization": "Bearer not-a-token"}
    assert (await api.client.get("/seat/queue", headers=bad)).json()["code"] == "INVALID_TOKEN"
    assert (await api.client.get("/seat/queue", headers=api.token("officer"))).status_code == 403
    none = api.token("seat", "seat-nowhere", district="")
    assert (await api.client.get("/seat/queue", headers=none)).json()["entries"] == []
