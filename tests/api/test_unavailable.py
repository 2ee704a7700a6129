"""Temporal unreachable: the app still starts, /readyz says so, workflow-backed calls answer 503
problem+json, reads fall back to the read model; NUL characters are refused before routing."""

from __future__ import annotations

import httpx

from api.app import create_app
from api.auth import ApiRole, Principal, citizen_token, issue_token
from db import repository
from domain.case_view import CaseSnapshot, PartySnapshot, case_view
from domain.messages import PartyVerification
from domain.models import CaseStatus, Liability
from settings import Settings
from tests import case_factory


async def test_temporal_down(tmp_path) -> None:
    settings = Settings(
        var_dir=tmp_path,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'down.db'}",
        temporal_address="127.0.0.1:9",  # nothing listens there
    )
    app = create_app(settings, alert_clock=lambda: case_factory.WORKING_MORNING)
    alert = case_factory.alert(settings)
    body = {
        "location": alert.location.model_dump(mode="json"),
        "facts": alert.facts.model_dump(mode="json"),
        "parties": [p.model_dump(mode="json") for p in alert.parties],
        "consent_electronic_service": True,
    }
    citizen = {"Authorization": "Bearer " + citizen_token(settings, alert.reporter_phone).access_token}
    seat = {
        "Authorization": "Bearer "
        + issue_token(settings, Principal(role=ApiRole.SEAT, sub="s1", district="*")).access_token
    }
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            assert (await client.get("/healthz")).status_code == 200
            r = await client.get("/readyz")
            assert r.status_code == 503 and r.json() == {
                "status": "not_ready",
                "database": "ok",
                "temporal": "unavailable",
            }
            r = await client.post("/citizen/alerts", json=body, headers=citizen)
            assert r.status_code == 503, r.text
            assert r.headers["content-type"].startswith("application/problem+json")
            assert r.json()["code"] == "TEMPORAL_UNAVAILABLE"
            # reads from the read model still work
            assert (await client.get("/seat/queue", headers=seat)).status_code == 200
            assert (await client.get("/citizen/cases", headers=citizen)).json() == []
            # a stored case reads from its snapshot: the same masked view, parties by role
            number = await _store_served_case(app, alert)
            r = await client.get(f"/citizen/cases/{number}", headers=citizen)
            assert r.status_code == 200, r.text
            mine = r.json()
            assert mine["source"] == "read_model" and mine["me"] == "P1"
            assert mine["case"] == case_view(await _stored(app, number)).model_dump(mode="json")
            assert mine["case"]["parties"][1]["phone"].count("*") == 4
            own, other = mine["parties"]
            assert own["phone"] == alert.parties[0].phone and own["policy_number"] == "REG-P1"
            assert other["name"].startswith(alert.parties[1].name[0]) and other["policy_number"] == ""
            assert own["insurer_name"] == "中国人保（登记）"  # the registry's, over the declared one
            assert [
                c["case_number"] for c in (await client.get("/citizen/cases", headers=citizen)).json()
            ] == [number]
            # NUL characters never reach a handler
            r = await client.post("/auth/dev-login", json={"role": "seat", "id": "a\u0000b"})
            assert r.status_code == 422 and r.json()["code"] == "INVALID_CHARACTERS"
            r = await client.get("/notices/X%00/verify")
            assert r.status_code == 422


async def _stored(app, number: str) -> CaseSnapshot:
    async with app.state.kc.sessions() as session:
        snapshot = await repository.get_case(session, number)
    assert snapshot is not None
    return snapshot


async def _store_served_case(app, alert) -> str:
    """A served case as its workflow would have recorded it (the workflow itself is gone)."""
    number = case_factory.new_case_number()
    parties = [
        PartySnapshot(
            party=p,
            liability=Liability.FULL if i == 0 else Liability.NONE,
            verification=PartyVerification(
                party_id=p.party_id, insurer_name="中国人保（登记）", policy_number=f"REG-{p.party_id}"
            ),
            served_at=case_factory.WORKING_MORNING,
        )
        for i, p in enumerate(alert.parties)
    ]
    snapshot = CaseSnapshot(
        case_number=number,
        seq=9,
        workflow_id=f"case-{number}",
        status=CaseStatus.SERVED,
        category=alert.facts.category.value,
        reported_at=alert.reported_at,
        location=alert.location,
        parties=parties,
    )
    async with app.state.kc.sessions.begin() as session:
        await repository.upsert_case(
            session, snapshot, reporter_phone=alert.reporter_phone, secret=app.state.kc.settings.hash_secret
        )
    return number
