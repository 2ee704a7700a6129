"""API test fixtures: a Temporal dev server, a worker on a unique task queue and the app (via
httpx's ASGI transport), all in the session's event loop, once per database backend
(``database_url`` is parametrised over sqlite and postgres by tests/conftest.py).

Alerts are reported at a pinned working-day morning (the alert clock), inside the pilot area,
with the sandbox registry's demo people (tests/case_factory.py)."""

from __future__ import annotations

import asyncio
import io
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from activities.wiring import build_activities
from adapters.wiring import Providers
from api.app import create_app
from api.auth import ALL_DISTRICTS, ApiRole, Principal, citizen_token, issue_token
from db.seed_registry import seed_registry
from db.session import make_engine, make_sessionmaker
from settings import Settings
from tests import case_factory
from tests.temporal_env import start_dev_server
from worker import make_worker

TWILIO_TOKEN = "test-twilio-auth-token"
PUBLIC_URL = "https://kuaichu.example.test"
# the whole API suite comes from one address (the ASGI client) and shares one database: the
# abuse limits are raised here, and tests/api/test_rate_limits.py checks them at their own values
TEST_RATE_LIMITS = {
    "rate_sms_code_per_ip": "100000/3600",
    "rate_sms_code_global": "100000/60",
    "rate_link_per_phone": "100000/3600",
    "rate_verify_per_ip": "100000/60",
    "rate_verify_per_notice": "100000/3600",
    "rate_staff_login_per_ip": "100000/600",
}


@pytest.fixture(scope="session")
async def api_temporal() -> AsyncIterator[WorkflowEnvironment]:
    env = await start_dev_server()
    yield env
    await env.shutdown()


@dataclass
class Api:
    client: httpx.AsyncClient
    app: Any
    settings: Settings
    sessions: Any
    backend: str

    @property
    def kc(self):
        return self.app.state.kc

    def token(
        self, role: ApiRole | str, sub: str = "", phone: str = "", district: str = ALL_DISTRICTS
    ) -> dict[str, str]:
        role = ApiRole(role)
        if role == ApiRole.CITIZEN:
            tok = citizen_token(self.settings, phone)
        else:
            tok = issue_token(
                self.settings, Principal(role=role, sub=sub or f"{role.value}-1", district=district)
            )
        return {"Authorization": f"Bearer {tok.access_token}"}

    def bearer(self, role: ApiRole | str, sub: str = "", phone: str = "") -> str:
        """The bare token (tests/walker.py's CaseWalker takes this)."""
        return self.token(role, sub, phone)["Authorization"].removeprefix("Bearer ")

    def alert_body(
        self, phones: tuple[str, str] = ("13800000001", "13800000002"), **facts: Any
    ) -> dict[str, Any]:
        alert = case_factory.alert(self.settings, **facts)
        for party, phone in zip(alert.parties, phones, strict=True):
            party.phone = phone
        return {
            "location": alert.location.model_dump(mode="json"),
            "facts": alert.facts.model_dump(mode="json"),
            "parties": [p.model_dump(mode="json") for p in alert.parties],
            "consent_electronic_service": True,
        }

    async def raise_alert(
        self, phones: tuple[str, str] = ("13800000001", "13800000002"), **declared: Any
    ) -> dict[str, Any]:
        """``declared``: more fields of the alert body (e.g. accident_time)."""
        body = {**self.alert_body(phones), **declared}
        r = await self.client.post(
            "/citizen/alerts", json=body, headers=self.token("citizen", phone=phones[0])
        )
        assert r.status_code == 201, r.text
        data = r.json()
        await self.wait_status(data["case_number"], "queued")
        return data

    async def wait_status(self, case_number: str, *statuses: str, within: float = 20.0) -> dict[str, Any]:
        """Poll the read model (through the officer's view) until the case has one of the statuses."""
        deadline = asyncio.get_running_loop().time() + within
        last = None
        while asyncio.get_running_loop().time() < deadline:
            r = await self.client.get(
                f"/officer/cases/{case_number}", headers=self.token("officer", "officer-poll")
            )
            if r.status_code == 200:
                last = r.json()
                if last["case"]["status"] in statuses:
                    return last
            await asyncio.sleep(0.1)
        raise AssertionError(f"case {case_number} not in {statuses}: {last}")


@asynccontextmanager
async def open_api(
    database_url: str, temporal: WorkflowEnvironment, var: Path, **settings_over: Any
) -> AsyncIterator[Api]:
    """The app and a worker on a unique task queue over ``database_url``; ``settings_over``
    changes the test settings (e.g. the object store: tests/api/test_storage_s3.py)."""
    backend = "sqlite" if database_url.startswith("sqlite") else "postgres"
    settings = Settings(
        **{
            "var_dir": var,
            "database_url": database_url,
            "task_queue": f"api-test-{uuid.uuid4().hex[:10]}",
            "twilio_auth_token": TWILIO_TOKEN,
            "public_base_url": PUBLIC_URL,
            "evidence_max_bytes": 256 * 1024,
            "sms_code_min_interval_seconds": 0,
            **TEST_RATE_LIMITS,
            **settings_over,
        }
    )
    engine = make_engine(database_url)
    sessions = make_sessionmaker(engine)
    async with sessions.begin() as session:
        await seed_registry(session)
    worker = make_worker(
        temporal.client,
        settings,
        build_activities(settings, sessions, Providers.in_process(settings, sessions)),
    )
    app = create_app(
        settings, temporal_client=temporal.client, alert_clock=lambda: case_factory.WORKING_MORNING
    )
    async with worker, app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver", timeout=60) as client:
            yield Api(client=client, app=app, settings=settings, sessions=sessions, backend=backend)
    await engine.dispose()


@pytest.fixture(scope="session")
async def api(
    database_url: str, api_temporal: WorkflowEnvironment, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Api]:
    backend = "sqlite" if database_url.startswith("sqlite") else "postgres"
    async with open_api(database_url, api_temporal, tmp_path_factory.mktemp(f"api-var-{backend}")) as api:
        yield api


def image_bytes(fmt: str, seed: int) -> bytes:
    """A real, small JPEG or PNG, different for every seed."""
    from PIL import Image

    img = Image.new("RGB", (16, 16), ((seed * 37) % 256, (seed * 91) % 256, (seed * 53) % 256))
    buf = io.BytesIO()
    img.save(buf, format=fmt)
    return buf.getvalue()


@pytest.fixture
def images() -> Callable[[str, int], bytes]:
    return image_bytes
