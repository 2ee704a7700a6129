"""District scoping: a seat or officer of one district neither sees nor acts on another district's
case (404, as for an unknown case; absent from their lists); admins and ``*`` staff see all."""

from __future__ import annotations

from tests import case_factory
from tests.api.conftest import Api

A, B = "江阳区", "龙马潭区"  # 南城街道 is in A, 况场街道 in B (data/pilot_area_luzhou.geojson)


async def raise_in(api: Api, area: str, phones: tuple[str, str]) -> str:
    body = api.alert_body(phones)
    body["location"] = case_factory.point_in_pilot_area(api.settings, area).model_dump(mode="json")
    r = await api.client.post("/citizen/alerts", json=body, headers=api.token("citizen", phone=phones[0]))
    assert r.status_code == 201, r.text
    number = r.json()["case_number"]
    await api.wait_status(number, "queued")
    return number


async def test_staff_of_district_a_do_not_see_or_act_on_a_district_b_case(api: Api) -> None:
    in_a = await raise_in(api, "南城街道", ("13800000711", "13800000712"))
    in_b = await raise_in(api, "况场街道", ("13800000721", "13800000722"))
    seat_a = api.token("seat", "seat-a", district=A)
    officer_a = api.token("officer", "officer-a", district=A)

    # lists: the seat's queue holds its district's cases only
    queue = (await api.client.get("/seat/queue", headers=seat_a)).json()["entries"]
    numbers = [e["case_number"] for e in queue]
    assert in_a in numbers and in_b not in numbers
    assert {e["district"] for e in queue} == {A}
    everyone = api.token("seat", "seat-city", district="*")
    every = [
        e["case_number"] for e in (await api.client.get("/seat/queue", headers=everyone)).json()["entries"]
    ]
    assert {in_a, in_b} <= set(every)
    asked_b = await api.client.get(f"/officer/cases?district={B}", headers=officer_a)
    assert asked_b.status_code == 200 and asked_b.json() == []

    # details and actions: 404, as for a case that does not exist
    for method, path, headers, body in (
        ("GET", f"/seat/cases/{in_b}", seat_a, None),
        ("POST", f"/seat/cases/{in_b}/accept", seat_a, None),
        ("GET", f"/seat/cases/{in_b}/evidence", seat_a, None),
        ("POST", f"/seat/cases/{in_b}/hand-off", seat_a, {"reason": "现场处理"}),
        ("GET", f"/officer/cases/{in_b}", officer_a, None),
        ("POST", f"/officer/cases/{in_b}/hand-off", officer_a, {"reason": "现场处理"}),
        ("GET", f"/officer/cases/{in_b}/verification", officer_a, None),
        ("GET", f"/reviewer/cases/{in_b}", api.token("reviewer", "rev-a", district=A), None),
    ):
        r = await api.client.request(method, path, headers=headers, json=body)
        assert r.status_code == 404, (path, r.text)
        assert r.json()["code"] == "CASE_NOT_FOUND"
        assert "138" not in r.text  # nothing of the case leaks

    # their own district's case, and an admin or a * officer: seen
    assert (await api.client.get(f"/officer/cases/{in_a}", headers=officer_a)).status_code == 200
    city = api.token("officer", "officer-city", district="*")
    assert (await api.client.get(f"/officer/cases/{in_b}", headers=city)).status_code == 200
    accepted = await api.client.post(f"/seat/cases/{in_a}/accept", headers=seat_a)
    assert accepted.status_code == 200, accepted.text


async def test_a_staff_token_without_a_district_sees_no_case(api: Api) -> None:
    number = await raise_in(api, "南城街道", ("13800000731", "13800000732"))
    nowhere = api.token("officer", "officer-x", district="")
    assert (await api.client.get(f"/officer/cases/{number}", headers=nowhere)).status_code == 404
    seat = api.token("seat", "seat-x", district="")
    assert (await api.client.get("/seat/queue", headers=seat)).json()["entries"] == []


async def test_the_dev_login_sees_every_district_unless_given_one(api: Api) -> None:
    every = await api.client.post("/auth/dev-login", json={"role": "officer", "id": "dev-officer"})
    one = await api.client.post("/auth/dev-login", json={"role": "seat", "id": "dev-seat", "district": B})
    assert (every.json()["district"], one.json()["district"]) == ("*", B)
