"""Twilio webhooks: a valid signature has its effect; a missing or wrong one is 403 and nothing
changes. Also the 110 path (dispatcher link → alert without a login)."""

from __future__ import annotations

import asyncio
import re
from urllib.parse import parse_qs, urlparse

import sqlalchemy as sa
from twilio.request_validator import RequestValidator

from db import repository
from db.models import SmsRow
from tests.api.conftest import PUBLIC_URL, TWILIO_TOKEN, Api


def signed(path: str, params: dict[str, str], token: str = TWILIO_TOKEN) -> dict[str, str]:
    return {"X-Twilio-Signature": RequestValidator(token).compute_signature(PUBLIC_URL + path, params)}


async def _outbox_row(api: Api, case_number: str) -> SmsRow:
    async with api.sessions() as session:
        return (
            await session.scalars(
                sa.select(SmsRow).where(SmsRow.case_number == case_number).order_by(SmsRow.id)
            )
        ).first()


async def _timeline(api: Api, case_number: str) -> list[str]:
    from db import repository

    async with api.sessions() as session:
        return [e.action for e in await repository.list_timeline(session, case_number)]


async def test_sms_status_callback(api: Api) -> None:
    case = (await api.raise_alert(("13800000051", "13800000052")))["case_number"]
    row = await _outbox_row(api, case)
    sid = f"SM{row.id:032d}"
    async with api.sessions.begin() as session:
        await session.execute(sa.update(SmsRow).where(SmsRow.id == row.id).values(provider_message_id=sid))
    path = "/webhooks/twilio/sms-status"
    params = {"MessageSid": sid, "MessageStatus": "undelivered", "ErrorCode": "30003"}

    for headers in ({}, {"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"}, signed(path, params, "other-token")):
        r = await api.client.post(path, data=params, headers=headers)
        assert r.status_code == 403 and r.json()["code"] == "BAD_SIGNATURE"
    # a signature for other parameters does not fit either
    r = await api.client.post(
        path, data=params, headers=signed(path, {**params, "MessageStatus": "delivered"})
    )
    assert r.status_code == 403
    assert (await _outbox_row(api, case)).status == row.status  # nothing changed

    r = await api.client.post(path, data=params, headers=signed(path, params))
    assert r.status_code == 204, r.text
    updated = await _outbox_row(api, case)
    assert updated.status == "undelivered" and updated.error_code == "30003"


async def test_video_status_callback(api: Api) -> None:
    case = (await api.raise_alert(("13800000061", "13800000062")))["case_number"]
    seat = api.token("seat", "seat-61")
    accepted = await api.client.post(f"/seat/cases/{case}/accept", headers=seat)
    room = accepted.json()["video"]["room_name"]
    path = "/webhooks/twilio/video-status"
    params = {
        "StatusCallbackEvent": "participant-disconnected",
        "RoomName": room,
        "ParticipantIdentity": f"{case}-P1",
        "Timestamp": "2026-11-25T02:05:00Z",
    }

    async def resume_clock_running(expected: bool) -> bool:
        for _ in range(50):
            view = (await api.client.get(f"/seat/cases/{case}", headers=seat)).json()["case"]
            if any(d["kind"] == "video_resume" for d in view["deadlines"]) == expected:
                return True
            await asyncio.sleep(0.1)
        return False

    # nobody is on the video yet when the seat answers: the resume clock runs
    assert await resume_clock_running(True)
    connected = {**params, "StatusCallbackEvent": "participant-connected"}
    before = await _timeline(api, case)
    r = await api.client.post(path, data=connected, headers={})
    assert r.status_code == 403
    r = await api.client.post(path, data=connected, headers=signed(path, connected, "wrong"))
    assert r.status_code == 403
    assert await resume_clock_running(True)  # the unsigned "connected" changed nothing
    assert await _timeline(api, case) == before

    # signed: connected stops the clock, disconnected starts it again
    assert (await api.client.post(path, data=connected, headers=signed(path, connected))).status_code == 204
    assert await resume_clock_running(False)
    assert (await api.client.post(path, data=params, headers=signed(path, params))).status_code == 204
    assert await resume_clock_running(True)
    # an event of an unknown room or kind is acknowledged and ignored
    other = {**params, "RoomName": "not-ours"}
    assert (await api.client.post(path, data=other, headers=signed(path, other))).status_code == 204
    await api.client.post(f"/seat/cases/{case}/hand-off", headers=seat, json={"reason": "测试结束"})


async def test_110_link_raises_an_alert_once(api: Api) -> None:
    phones = ("13800000071", "13800000072")
    r = await api.client.post(
        "/dispatcher/links", json={"phone": phones[0]}, headers=api.token("citizen", phone=phones[0])
    )
    assert r.status_code == 403
    r = await api.client.post(
        "/dispatcher/links", json={"phone": phones[0]}, headers=api.token("dispatcher", "d-1")
    )
    assert r.status_code == 201, r.text
    assert r.json()["phone"] == "138****0071"
    async with api.sessions() as session:  # the embedded outbox is the caller's simulated phone
        rows = await repository.list_sms(session, limit=500)
    body = next(r.body for r in rows if r.template == "alert_link" and r.phone == phones[0])
    token = parse_qs(urlparse(re.search(r"https?://\S+?(?=（|$)", body)[0]).query)["t"][0]

    r = await api.client.post(
        "/citizen/alerts", json=api.alert_body(phones), headers={"X-Link-Token": "wrong"}
    )
    assert r.status_code == 401 and r.json()["code"] == "LINK_INVALID"
    # an ineligible alert does not spend the link
    bad = api.alert_body(phones)
    bad["consent_electronic_service"] = False
    r = await api.client.post("/citizen/alerts", json=bad, headers={"X-Link-Token": token})
    assert r.status_code == 422
    r = await api.client.post("/citizen/alerts", json=api.alert_body(phones), headers={"X-Link-Token": token})
    assert r.status_code == 201, r.text
    data = r.json()
    assert data["party_id"] == "P1" and data["access_token"]["role"] == "citizen"
    await api.wait_status(data["case_number"], "queued")
    mine = await api.client.get(
        f"/citizen/cases/{data['case_number']}",
        headers={"Authorization": f"Bearer {data['access_token']['access_token']}"},
    )
    assert mine.status_code == 200 and mine.json()["me"] == "P1"
    r = await api.client.post("/citizen/alerts", json=api.alert_body(phones), headers={"X-Link-Token": token})
    assert r.status_code == 401  # single use
