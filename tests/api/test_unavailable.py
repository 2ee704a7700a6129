"""Temporal unreachable: the app still starts, /readyz says so, workflow-backed calls answer 503
problem+json, reads fall back to the read model; NUL characters are refused before routing."""

from __future__ import annotations

import httpx

from api.app import create_app
from api.auth import ApiRole, Principal, citizen_token, issue_token
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
        + issue_token(settings, Principal(role=ApiRole.SEAT, sub="s1")).access_token
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
            # NUL characters never reach a handler
            r = await client.post("/auth/dev-login", json={"role": "seat", "id": "a\u0000b"})
            assert r.status_code == 422 and r.json()["code"] == "INVALID_CHARACTERS"
            r = await client.get("/notices/X%00/verify")
            assert r.status_code == 422
