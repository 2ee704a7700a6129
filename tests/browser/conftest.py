"""The whole system for browser tests: a Temporal dev server, the worker (in the test's loop), the
API on a real port (uvicorn in a thread: a browser needs a real server), SQLite under a temporary
var/, and the system Chromium with a fake camera and microphone. Pages are served from
http://127.0.0.1 (getUserMedia needs a secure context; localhost counts as one).

Helpers: `phone(browser)` / `desktop(browser)` contexts, `axe(page)` (the vendored axe-core:
no serious or critical violations allowed), `shot(page, name)` (screenshots as artefacts under
KUAICHU_TEST_ARTIFACTS, default var/test-artifacts/browser/)."""

from __future__ import annotations

import os
import re
import shutil
import socket
import threading
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
import uvicorn

from activities.wiring import build_activities
from adapters.wiring import Providers
from api.app import create_app
from db import repository
from db.seed_registry import seed_registry
from db.session import ensure_schema, make_engine, make_sessionmaker
from settings import ROOT, Settings
from tests.temporal_env import start_dev_server
from worker import connect, make_worker

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
]
ARTIFACTS = Path(os.environ.get("KUAICHU_TEST_ARTIFACTS", ROOT / "var" / "test-artifacts" / "browser"))
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1440, "height": 900}
AXE = "/web/vendor/axe-core/axe.min.js"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Stack:
    base: str
    settings: Settings
    sessions: Any
    client: Any  # temporalio Client (the worker's)

    def http(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.base, timeout=60)

    async def token(self, role: str, sub: str = "", phone: str = "") -> dict[str, str]:
        async with self.http() as c:
            r = await c.post("/auth/dev-login", json={"role": role, "id": sub, "phone": phone})
            r.raise_for_status()
            return {"Authorization": f"Bearer {r.json()['access_token']}"}

    async def sms_to(self, phone: str, template: str) -> str:
        """The newest message of a template to a phone (the embedded outbox = the simulated phone)."""
        async with self.sessions() as session:
            rows = await repository.list_sms(session, limit=500)
        return next(r.body for r in rows if r.template == template and r.phone == phone)

    async def login_code(self, phone: str) -> str:
        return re.search(r"验证码为(\d{6})", await self.sms_to(phone, "login_code"))[1]


def _today_and_tomorrow(tz: str) -> list[date]:
    today = datetime.now(ZoneInfo(tz)).date()
    return [today, today + timedelta(days=1)]


def _serve(app: Any, port: int) -> tuple[uvicorn.Server, threading.Thread]:
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", ws="websockets-sansio")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        threading.Event().wait(0.05)
    return server, thread


@pytest.fixture(scope="session")
async def stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    env = await start_dev_server()
    var = tmp_path_factory.mktemp("browser-stack")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    settings = Settings(
        _env_file=None,
        var_dir=var,
        database_url=f"sqlite+aiosqlite:///{var / 'kc.db'}",
        temporal_address=env.client.service_client.config.target_host,
        task_queue=f"browser-{uuid.uuid4().hex[:10]}",
        public_base_url=base,
        api_internal_url=base,
        notice_verify_base_url=base,
        sms_code_min_interval_seconds=0,
        service_windows="00:00-23:59:59",  # as a newcomer trying it out of hours would (README)
    )
    await ensure_schema(settings.effective_database_url)
    engine = make_engine(settings.effective_database_url)
    sessions = make_sessionmaker(engine)
    async with sessions.begin() as session:
        await seed_registry(session)
        for day in _today_and_tomorrow(settings.timezone):  # and on a weekend: a working day
            await repository.put_calendar_override(session, day, True, note="browser test", loaded_by="test")
    client = await connect(settings)
    worker = make_worker(
        client, settings, build_activities(settings, sessions, Providers.in_process(settings, sessions))
    )
    server, thread = _serve(create_app(settings), port)
    try:
        async with worker:
            yield Stack(base=base, settings=settings, sessions=sessions, client=client)
    finally:
        server.should_exit = True
        thread.join(10)
        await engine.dispose()
        await env.shutdown()


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        b = await p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        yield b
        await b.close()


# the longest one page action (a click, a check) may wait: a starved renderer (a shared machine,
# four pages decoding and encoding video in software) can take far longer than Playwright's 30 s
ACTION_TIMEOUT_MS = int(os.environ.get("KUAICHU_BROWSER_ACTION_TIMEOUT_MS", "60000"))


def watch(page: Any, errors: list[str]) -> Any:
    """Collects the page's script errors (a test fails on any); sets its action timeout."""
    page.on("pageerror", lambda e: errors.append(f"{page.url}: {e}"))
    page.set_default_timeout(ACTION_TIMEOUT_MS)
    return page


async def phone(browser: Any, base: str, location: tuple[float, float] | None = None) -> Any:
    lat, lon = location or (28.87525, 105.4343125)
    return await browser.new_context(
        base_url=base,
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        permissions=["camera", "microphone", "geolocation"],
        geolocation={"latitude": lat, "longitude": lon, "accuracy": 12},
    )


async def desktop(browser: Any, base: str) -> Any:
    return await browser.new_context(
        base_url=base,
        viewport=DESKTOP,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        permissions=["camera", "microphone"],
    )


async def axe(page: Any, label: str) -> None:
    """axe-core on the page as it is now: no serious or critical violation."""
    if not await page.evaluate("typeof window.axe !== 'undefined'"):
        await page.add_script_tag(url=AXE)
    result = await page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    bad = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not bad, f"axe on {label}: " + "; ".join(bad)


async def shot(page: Any, name: str) -> Path:
    os.makedirs(ARTIFACTS, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    await page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture
def page_errors() -> Iterator[list[str]]:
    errors: list[str] = []
    yield errors
    assert not errors, "script errors on the pages: " + "; ".join(errors)
