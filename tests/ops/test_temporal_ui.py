"""Operators read cases in the real Temporal UI (the dev server's UI 2.x, pointed at the API's
codec with --ui-codec-endpoint): an operator signed in at /ops/ sees a case's input decoded; an
anonymous visitor of the same UI sees only ciphertext."""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from activities.wiring import build_activities
from adapters.wiring import Providers
from api.app import create_app
from db.seed_registry import seed_registry
from db.session import ensure_schema, make_engine, make_sessionmaker
from settings import Settings
from tests import case_factory
from tests.browser.conftest import BROWSER_ARGS, CHROMIUM
from tests.live_server import free_port, serve
from tests.temporal_env import TEST_CONVERTER, _binary
from worker import make_worker
from workflows import search_attributes as sa

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="system chromium not installed (scripts/setup)"),
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "artefacts" / "temporal-ui"


async def _case_page_text(page, url: str, settled: str) -> str:
    """The page's text once ``settled`` shows: the UI decodes after the first render, one codec
    call per payload group (headers included), which takes seconds on a loaded machine."""
    await page.goto(url)
    await page.get_by_text("Event History", exact=False).first.wait_for(timeout=20_000)
    text = ""
    for _ in range(60):
        await asyncio.sleep(0.5)
        text = await page.inner_text("body")
        if settled in text:
            break
    return text


async def test_operator_sees_decoded_payloads_anyone_else_ciphertext(tmp_path: Path) -> None:
    from playwright.async_api import async_playwright

    api_port, ui_port = free_port(), free_port()
    api_url = f"http://127.0.0.1:{api_port}"
    env = await WorkflowEnvironment.start_local(
        data_converter=TEST_CONVERTER,
        dev_server_existing_path=_binary("temporal"),
        search_attributes=sa.ALL,
        ui=True,
        ui_port=ui_port,
        dev_server_extra_args=["--ui-codec-endpoint", f"{api_url}/codec"],
    )
    ui_url = f"http://127.0.0.1:{ui_port}"
    settings = Settings(
        var_dir=tmp_path,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'kc.db'}",
        task_queue=f"ui-test-{uuid.uuid4().hex[:8]}",
        temporal_address=env.client.service_client.config.target_host,
        temporal_ui_origins=ui_url,
        temporal_ui_url=ui_url,
        payload_keys="test1:" + __import__("base64").b64encode(bytes(range(32))).decode(),
    )
    await ensure_schema(settings.effective_database_url)
    engine = make_engine(settings.effective_database_url)
    sessions = make_sessionmaker(engine)
    async with sessions.begin() as session:
        await seed_registry(session)
    worker = make_worker(
        env.client, settings, build_activities(settings, sessions, Providers.in_process(settings, sessions))
    )
    app = create_app(settings, alert_clock=lambda: case_factory.WORKING_MORNING)
    try:
        async with worker:
            with serve(app, api_port):
                case = await _raise_case(api_url, settings)
                handle = env.client.get_workflow_handle(f"case-{case['case_number']}")
                run_id = (await handle.describe()).run_id
                url = f"{ui_url}/namespaces/default/workflows/case-{case['case_number']}/{run_id}/history"
                reporter = case["reporter_phone"]
                await asyncio.to_thread(SCREENSHOTS.mkdir, parents=True, exist_ok=True)
                async with async_playwright() as p:
                    browser = await p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
                    page = await (
                        await browser.new_context(viewport={"width": 1440, "height": 1000})
                    ).new_page()
                    # the UI is told to send credentials to the codec (its codec settings panel)
                    await page.goto(ui_url)
                    await page.evaluate(
                        """(endpoint) => {
                            localStorage.setItem('endpoint', JSON.stringify(endpoint));
                            localStorage.setItem('includeCredentials', 'true');
                            localStorage.setItem('overrideRemoteCodecConfiguration', 'true');
                        }""",
                        f"{api_url}/codec",
                    )

                    anonymous = await _case_page_text(page, url, "Codec Server could not connect")
                    await page.screenshot(path=str(SCREENSHOTS / "anonymous.png"), full_page=True)
                    assert case["case_number"] in anonymous  # the workflow id is no secret
                    assert reporter not in anonymous and "Codec Server could not connect" in anonymous

                    await page.goto(f"{api_url}/ops/")
                    await page.get_by_role("button", name="登录并开启解密").click()
                    await page.get_by_text("已登录").wait_for()
                    await page.screenshot(path=str(SCREENSHOTS / "ops-signed-in.png"), full_page=True)

                    operator = await _case_page_text(page, url, reporter)
                    await page.screenshot(path=str(SCREENSHOTS / "operator.png"), full_page=True)
                    assert reporter in operator and "Codec Server could not connect" not in operator

                    await page.goto(f"{api_url}/ops/")
                    await page.get_by_role("button", name="退出").click()
                    await page.get_by_text("已退出").wait_for()
                    signed_out = await _case_page_text(page, url, "Codec Server could not connect")
                    assert reporter not in signed_out and "Codec Server could not connect" in signed_out
                    await browser.close()
    finally:
        await engine.dispose()
        await env.shutdown()


async def _raise_case(api_url: str, settings: Settings) -> dict[str, str]:
    alert = case_factory.alert(settings)
    phone = alert.parties[0].phone
    async with httpx.AsyncClient(base_url=api_url, timeout=30) as client:
        token = (await client.post("/auth/dev-login", json={"role": "citizen", "phone": phone})).json()
        body = {
            "location": alert.location.model_dump(mode="json"),
            "facts": alert.facts.model_dump(mode="json"),
            "parties": [p.model_dump(mode="json") for p in alert.parties],
            "consent_electronic_service": True,
        }
        r = await client.post(
            "/citizen/alerts", json=body, headers={"Authorization": f"Bearer {token['access_token']}"}
        )
        assert r.status_code == 201, r.text
    return {**json.loads(r.text), "reporter_phone": phone}
