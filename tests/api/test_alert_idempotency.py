"""One accident, one case (api/alert_gate.py): the app's retry with the same Idempotency-Key,
sent at once to two API processes, answers one case (201 then 200, the same number); a second
alert while the reporter's case is on the scene answers that case (200); once it has left the
scene (cancelled here) a new alert is a new case."""

from __future__ import annotations

import asyncio

import httpx
import sqlalchemy as sa

from api.app import create_app
from db import repository
from db.models import CaseRow
from tests import case_factory
from tests.api.conftest import Api

REPORTER, OTHER = "13800000401", "13800000402"


async def cases_of(api: Api, phone: str) -> list[str]:
    async with api.sessions() as session:
        rows = await repository.list_cases(
            session, phone_hash=repository.phone_hash(phone, api.settings.hash_secret), limit=100, offset=0
        )
    return [r.case_number for r in rows]


async def test_one_case_per_accident_across_processes(api: Api) -> None:
    second = create_app(
        api.settings,
        temporal_client=api.kc.temporal._client,
        alert_clock=lambda: case_factory.WORKING_MORNING,
    )
    body = api.alert_body((REPORTER, OTHER))
    me = api.token("citizen", phone=REPORTER)
    key = {"Idempotency-Key": "tap-4f2a9c"}
    async with second.router.lifespan_context(second):
        transport = httpx.ASGITransport(app=second)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver", timeout=60) as other:
            first, retry = await asyncio.gather(
                api.client.post("/citizen/alerts", json=body, headers=me | key),
                other.post("/citizen/alerts", json=body, headers=me | key),
            )
    assert sorted((first.status_code, retry.status_code)) == [200, 201], (first.text, retry.text)
    case = first.json()["case_number"]
    assert retry.json()["case_number"] == case and retry.json()["party_id"] == "P1"
    await api.wait_status(case, "queued")
    assert await cases_of(api, REPORTER) == [case]

    # a second alert (another tap, no key) while the case is on the scene answers it
    again = await api.client.post("/citizen/alerts", json=body, headers=me)
    assert again.status_code == 200 and again.json()["case_number"] == case

    # cancelled: it left the scene; a new alert is a new case
    r = await api.client.post(f"/citizen/cases/{case}/cancel", headers=me, json={"reason": "重复报警"})
    assert r.status_code == 200, r.text
    await api.wait_status(case, "cancelled")
    new = await api.client.post("/citizen/alerts", json=body, headers=me | {"Idempotency-Key": "tap-77"})
    assert new.status_code == 201 and new.json()["case_number"] != case
    async with api.sessions() as session:
        count = await session.scalar(
            sa.select(sa.func.count()).where(CaseRow.case_number.in_([case, new.json()["case_number"]]))
        )
    assert count == 2
    await api.client.post(f"/citizen/cases/{new.json()['case_number']}/cancel", headers=me, json={})


async def test_a_bad_idempotency_key_is_refused(api: Api) -> None:
    r = await api.client.post(
        "/citizen/alerts",
        json=api.alert_body(("13800000411", "13800000412")),
        headers=api.token("citizen", phone="13800000411") | {"Idempotency-Key": "x" * 65},
    )
    assert r.status_code == 422
