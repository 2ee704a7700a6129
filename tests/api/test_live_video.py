"""The signalling WebSocket and the live streams on a real server (uvicorn on a port, beside the
API fixture's app: same database, Temporal, worker and payload keys): who may join a room, what
is relayed, and that joining and leaving reach the workflow - the video-lost clock stops while a
party is on the call and runs again when they drop, until they resume (继续处理)."""

from __future__ import annotations

import asyncio
import base64
import json
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import uvicorn
from websockets.asyncio.client import connect as ws_connect
from websockets.exceptions import ConnectionClosed

from api.app import create_app
from tests import case_factory
from tests.api.conftest import Api

P1, P2 = "13800000201", "13800000202"  # own reporters: one case on the scene per reporter
TEST_KEYS = "test1:" + base64.b64encode(bytes(range(32))).decode()  # tests/temporal_env.TEST_CODEC


@pytest.fixture(scope="session")
def live(api: Api, api_temporal: Any) -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings = api.settings.model_copy(
        update={
            "payload_keys": TEST_KEYS,
            "temporal_address": api_temporal.client.service_client.config.target_host,
        }
    )
    app = create_app(settings, alert_clock=lambda: case_factory.WORKING_MORNING)
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", ws="websockets-sansio")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    yield f"127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


async def _join(live: str, token: str) -> Any:
    ws = await ws_connect(f"ws://{live}/video/ws")
    await ws.send(json.dumps({"type": "join", "token": token}))
    return ws


async def _next(ws: Any, kind: str) -> dict[str, Any]:
    while True:
        message = json.loads(await asyncio.wait_for(ws.recv(), 10))
        if message["type"] == kind:
            return message


async def _closed_with(ws: Any) -> int:
    with pytest.raises(ConnectionClosed):
        while True:
            await asyncio.wait_for(ws.recv(), 10)
    return ws.close_code


async def _clock_running(api: Api, case: str) -> bool:
    view = await api.kc.temporal.view(case)
    return any(d.kind == "video_resume" for d in view.deadlines)


async def _until(predicate: Any, within: float = 10.0) -> None:
    deadline = time.monotonic() + within
    while not await predicate():
        assert time.monotonic() < deadline, "not in time"
        await asyncio.sleep(0.1)


async def test_signalling_relays_and_tells_the_workflow(api: Api, live: str) -> None:
    c = api.client
    alert = await api.raise_alert((P1, P2))
    case, p1_access = alert["case_number"], alert["video"]
    seat = api.token("seat", "seat-ws")
    accepted = (await c.post(f"/seat/cases/{case}/accept", headers=seat)).json()
    # nobody on the video yet: the resume clock runs from the answer
    assert await _clock_running(api, case)

    p1 = await _join(live, p1_access["token"])
    welcome = await _next(p1, "welcome")
    assert (
        welcome["you"] == f"{case}-P1" and welcome["peers"] == [] and welcome["ice_transport_policy"] == "all"
    )
    await _until(lambda: _not(_clock_running(api, case)))  # participant-connected reached the workflow

    s = await _join(live, accepted["video"]["token"])
    seat_welcome = await _next(s, "welcome")
    assert seat_welcome["peers"] == [{"id": f"{case}-P1", "role": "citizen"}]
    assert (await _next(p1, "peer-joined"))["peer"] == {"id": f"{case}-seat-seat-ws", "role": "seat"}
    offer = {"sdp": {"type": "offer", "sdp": "v=0 fake"}}
    await s.send(json.dumps({"type": "signal", "to": f"{case}-P1", "data": offer}))
    await s.send(json.dumps({"type": "signal", "to": f"{case}-P9", "data": offer}))  # nobody: dropped
    relayed = await _next(p1, "signal")
    assert relayed == {"type": "signal", "from": f"{case}-seat-seat-ws", "data": offer}
    await p1.send(json.dumps({"type": "state", "data": {"muted": True}}))
    assert (await _next(s, "state"))["data"] == {"muted": True}
    await p1.send(json.dumps({"type": "ping"}))
    await _next(p1, "pong")

    # the party's connection drops: the seat is told, the clock runs again
    await p1.close()
    assert (await _next(s, "peer-left"))["peer"]["id"] == f"{case}-P1"
    await _until(lambda: _clock_running(api, case))

    # 继续处理: a fresh token, same room; joining twice replaces the older socket (no drop between)
    fresh = (
        await c.post(f"/citizen/cases/{case}/video-token", headers=api.token("citizen", phone=P1))
    ).json()
    assert fresh["room_name"] == p1_access["room_name"] and fresh["identity"] == f"{case}-P1"
    first = await _join(live, fresh["token"])
    await _next(first, "welcome")
    await _until(lambda: _not(_clock_running(api, case)))
    second = await _join(live, fresh["token"])
    await _next(second, "welcome")
    assert (await _next(first, "replaced"))["type"] == "replaced"
    assert await _closed_with(first) == 4409
    await asyncio.sleep(0.5)
    assert not await _clock_running(api, case)

    # the case leaves the video phase: nobody joins its room any more
    await c.post(f"/citizen/cases/{case}/cancel", headers=api.token("citizen", phone=P1), json={})
    await api.wait_status(case, "cancelled")
    late = await _join(live, fresh["token"])
    assert await _closed_with(late) == 4410
    for ws in (s, second):
        await ws.close()


async def _not(awaitable: Any) -> bool:
    return not await awaitable


async def test_signalling_refuses_bad_joins(live: str) -> None:
    for first in ("not json", json.dumps({"type": "hello"}), json.dumps({"type": "join", "token": "x.y.z"})):
        ws = await ws_connect(f"ws://{live}/video/ws")
        await ws.send(first)
        assert await _closed_with(ws) in (4400, 4401), first
    ws = await ws_connect(f"ws://{live}/video/ws")
    await ws.send(json.dumps({"type": "join", "token": "x" * 70_000}))
    assert await _closed_with(ws) == 4400


async def _events(url: str, headers: dict[str, str], out: list[tuple[float, dict]]) -> None:
    async with httpx.AsyncClient(timeout=30) as http, http.stream("GET", url, headers=headers) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        async for line in r.aiter_lines():
            if line.startswith("data: "):
                out.append((time.monotonic(), json.loads(line[6:])))


async def test_a_new_alert_reaches_the_seats_stream_within_a_second(api: Api, live: str) -> None:
    seat = api.token("seat", "seat-sse")
    got: list[tuple[float, dict]] = []
    task = asyncio.create_task(_events(f"http://{live}/seat/queue/events", seat, got))
    try:
        await _until(lambda: _true(bool(got)))  # the current queue comes first
        raised = time.monotonic()
        # other reporters: P1's own case is still on the scene, a second alert would answer it
        case = (await api.raise_alert(("13800000171", "13800000172")))["case_number"]
        await _until(lambda: _true(any(case in json.dumps(d) for _, d in got)), within=5)
        arrived = next(t for t, d in got if case in json.dumps(d))
        assert arrived - raised < 1.5  # the alert's own round trip included
    finally:
        task.cancel()
    async with httpx.AsyncClient(timeout=10) as http:
        r = await http.get(f"http://{live}/seat/queue/events", headers=api.token("citizen", phone=P1))
        assert r.status_code == 403
        r = await http.get(
            f"http://{live}/citizen/cases/{case}/events", headers=api.token("citizen", phone="13800000099")
        )
        assert r.status_code == 404


async def _true(value: bool) -> bool:
    return value


async def test_a_seats_stream_holds_its_districts_cases_only(api: Api, live: str) -> None:
    """District scoping (api/deps.py) on the live queue: a 江阳区 seat never gets a 龙马潭区 alert."""
    seat = api.token("seat", "seat-sse-a", district="江阳区")
    got: list[tuple[float, dict]] = []
    task = asyncio.create_task(_events(f"http://{live}/seat/queue/events", seat, got))
    try:
        await _until(lambda: _true(bool(got)))
        other = api.alert_body(("13800000811", "13800000812"))
        other["location"] = case_factory.point_in_pilot_area(api.settings, "况场街道").model_dump(mode="json")
        r = await api.client.post(
            "/citizen/alerts", json=other, headers=api.token("citizen", phone="13800000811")
        )
        assert r.status_code == 201, r.text
        elsewhere = r.json()["case_number"]
        await api.wait_status(elsewhere, "queued")
        mine = (await api.raise_alert(("13800000821", "13800000822")))["case_number"]
        await _until(lambda: _true(any(mine in json.dumps(d) for _, d in got)), within=5)
        assert not any(elsewhere in json.dumps(d) for _, d in got)
        assert {e["district"] for _, d in got for e in d["entries"]} <= {"江阳区"}
    finally:
        task.cancel()


async def test_the_officer_and_reviewer_streams_are_theirs_alone(api: Api, live: str) -> None:
    """Each console's stream opens with its list for its role, and is refused to the others."""
    streams = {
        "/officer/cases/events": ("officer", "cases"),
        "/reviewer/reviews/events": ("reviewer", "reviews"),
    }
    for path, (role, event) in streams.items():
        async with (
            httpx.AsyncClient(timeout=10) as http,
            http.stream("GET", f"http://{live}{path}", headers=api.token(role, f"{role}-sse")) as r,
        ):
            assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
            lines = r.aiter_lines()
            assert await anext(lines) == f"event: {event}"
            assert isinstance(json.loads((await anext(lines)).removeprefix("data: ")), list)
        async with httpx.AsyncClient(timeout=10) as http:
            for other in ("seat", "officer", "reviewer"):
                if other != role:
                    r = await http.get(f"http://{live}{path}", headers=api.token(other, f"{other}-x"))
                    assert r.status_code == 403, (path, other)
            r = await http.get(f"http://{live}{path}", headers=api.token("citizen", phone=P1))
            assert r.status_code == 403
