"""POST /seat|/officer/cases/{c}/correction: the seat corrects an address while collecting (the
emoji address a citizen typed could not be accepted; a wrong one can be fixed), the officer may not
while the seat collects; refusals are clear 4xx with a Chinese reason, nothing changed."""

from __future__ import annotations

from db import repository
from tests.api.conftest import Api

PHONES = ("13800000081", "13800000082")


async def test_the_seat_corrects_the_address_audited_and_bad_text_is_refused(api: Api) -> None:
    case = (await api.raise_alert(PHONES))["case_number"]
    seat = api.token("seat", "seat-31")
    assert (await api.client.post(f"/seat/cases/{case}/accept", headers=seat)).status_code == 200
    url = f"/seat/cases/{case}/correction"
    r = await api.client.post(url, headers=seat, json={"address": "南城街道🚗路", "reason": "更正"})
    assert r.status_code == 422 and r.json()["code"] == "UNPRINTABLE_TEXT"
    r = await api.client.post(url, headers=seat, json={"address": "南城街道示例路8号", "reason": " "})
    assert r.status_code == 422 and r.json()["code"] == "REASON_REQUIRED" and r.json()["detail"]
    officer = api.token("officer", "officer-31")
    r = await api.client.post(
        f"/officer/cases/{case}/correction", headers=officer, json={"address": "x路1号", "reason": "更正"}
    )
    assert r.status_code == 409 and r.json()["code"] == "NOT_CORRECTABLE"
    r = await api.client.post(url, headers=seat, json={"address": "南城街道示例路8号", "reason": "定位偏差"})
    assert r.status_code == 200, r.text
    async with api.sessions() as session:
        snapshot = await repository.get_case(session, case)
        timeline = await repository.list_timeline(session, case)
    assert snapshot is not None and snapshot.location.address == "南城街道示例路8号"
    (entry,) = [e for e in timeline if e.action == "case_corrected"]
    assert entry.actor_id == "seat-31" and entry.detail["reason"] == "定位偏差"
