"""What the whole-case test (test_video_case.py: officer decision, review, redetermination on the
consoles) does not cover: service by other means on /officer (the API drives a case to its
notice: tests.walker's people, the decision through the API; the officer fetches the PDF and
records P1 served in person); /admin shows the SMS outbox, the pilot area drawn as SVG and loads
a holiday year (refused at the field first); /docs and /redoc load with nothing beyond 127.0.0.1."""

from __future__ import annotations

import base64
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlparse

import pytest

from tests import case_factory
from tests.api.conftest import Api
from tests.browser.conftest import ARTIFACTS, CHROMIUM, axe, desktop, shot, watch
from tests.walker import CaseWalker, Walk

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="system chromium not installed (scripts/setup)"),
]

PHONES = ("13900000011", "13900000012")
T = 40_000  # ms: the longest a page step may take (on a busy machine, as test_video_case.py)


RECORD_JS = """async () => {
  const canvas = Object.assign(document.createElement('canvas'), {width: 160, height: 120});
  const g = canvas.getContext('2d');
  const stream = canvas.captureStream(15);
  const rec = new MediaRecorder(stream, {mimeType: 'video/webm'});
  const parts = [];
  rec.ondataavailable = (e) => parts.push(e.data);
  rec.start();
  for (let i = 0; i < 20; i++) {
    g.fillStyle = `hsl(${i * 18}, 70%, 45%)`; g.fillRect(0, 0, 160, 120);
    await new Promise((r) => setTimeout(r, 60));
  }
  await new Promise((r) => { rec.onstop = r; rec.stop(); });
  const bytes = new Uint8Array(await new Blob(parts).arrayBuffer());
  let bin = ''; for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}"""


class UntilDecision(CaseWalker):
    """The walker's citizens and seat, stopping where the officer's work begins; the seat also
    uploads a call recording (``recording``: WebM bytes) before completing."""

    recording = b""

    async def _next_step(self, walk: Walk, case: dict[str, Any], phones: tuple[str, str]) -> bool:
        if case["status"] == "awaiting_decision":
            return True
        if (
            case["status"] == "in_video"
            and case.get("safety_checked")
            and "recording" not in case["evidence"]
        ):
            await self._record(walk.case_number)
            return False
        return await super()._next_step(walk, case, phones)

    async def _record(self, number: str) -> None:
        seat = self._auth("seat", self.seat)
        base = f"/seat/cases/{number}/recordings"
        r = await self.client.post(base, json={"mime_type": "video/webm"}, headers=seat)
        assert r.status_code == 201, r.text
        upload = r.json()["upload_id"]
        r = await self.client.put(
            f"{base}/{upload}/chunks/0",
            content=self.recording,
            headers={**seat, "Content-Type": "application/octet-stream"},
        )
        assert r.status_code < 300, r.text
        r = await self.client.post(f"{base}/{upload}/finish", headers=seat)
        assert r.status_code < 300, r.text


async def case_awaiting_decision(stack: Any, recording: bytes) -> str:
    tokens = {
        ("seat", "seat-c1"): await stack.token("seat", "seat-c1"),
        ("officer", "officer-look"): await stack.token("officer", "officer-look"),
        ("citizen", PHONES[0]): await stack.token("citizen", phone=PHONES[0]),
    }

    def token(role: str, sub: str = "", phone: str = "") -> str:
        return tokens[(role, sub or phone)]["Authorization"].removeprefix("Bearer ")

    def alert_body(phones: tuple[str, str]) -> dict[str, Any]:
        return Api.alert_body(SimpleNamespace(settings=stack.settings), phones)  # type: ignore[arg-type]

    async with stack.http() as http:
        walker = UntilDecision(http, token, alert_body, patience_s=90, seat="seat-c1", officer="officer-look")
        walker.recording = recording
        walk = await walker.walk(PHONES)
    return walk.case_number


async def axe_except(page: Any, label: str, known: set[str]) -> None:
    """axe on a vendored page: no serious or critical violation but the ``known`` ones of the
    vendored code itself (Swagger UI nests its operation's controls: reported, not ours to patch)."""
    if not await page.evaluate("typeof window.axe !== 'undefined'"):
        await page.add_script_tag(url="/web/vendor/axe-core/axe.min.js")
    result = await page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    bad = [
        f"{v['id']} ({v['impact']}) at {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical") and v["id"] not in known
    ]
    assert not bad, f"axe on {label}: " + "; ".join(bad)


async def login(page: Any, staff_id: str) -> None:
    await page.get_by_label("工号", exact=True).fill(staff_id)
    await page.get_by_role("button", name="登录").click()


async def test_officer_service_admin_and_docs(stack: Any, browser: Any, page_errors: list[str]) -> None:
    started = time.monotonic()
    officer_ctx = await desktop(browser, stack.base)
    officer = watch(await officer_ctx.new_page(), page_errors)
    recording = base64.b64decode(await officer.evaluate(RECORD_JS))  # a real WebM: the seat's recorder
    number = await case_awaiting_decision(stack, recording)
    async with stack.http() as http:
        body = case_factory.decision(["P1", "P2"]).model_dump(mode="json", exclude={"officer_id"})
        headers = await stack.token("officer", "officer-7")
        r = await http.post(f"/officer/cases/{number}/decision", json=body, headers=headers)
        assert r.status_code == 200, r.text

    # the officer opens their decided case: the notice's PDF, then P1 served in person
    await officer.goto("/officer")
    await login(officer, "officer-7")
    await officer.locator("#live.ok").wait_for(timeout=T)
    await officer.get_by_label("案件编号").fill("LZ-NOT-A-CASE")  # refused at the field
    await officer.get_by_role("button", name="打开案件").click()
    await officer.locator("#find-number[aria-invalid=true]").wait_for(timeout=T)
    await officer.get_by_label("案件编号").fill(number)  # decided: no longer on the list
    await officer.get_by_role("button", name="打开案件").click()
    await officer.locator("#notices li[data-notice]").first.wait_for(timeout=T)
    first_notice = await officer.locator("#notices li[data-notice]").first.get_attribute("data-notice")
    await officer.get_by_role("button", name=f"获取 PDF：{first_notice}").click()
    link = officer.get_by_role("link", name=f"打开 PDF {first_notice}")
    await link.wait_for(timeout=T)
    assert (await link.get_attribute("href")).startswith("blob:")  # fetched with the officer's token
    await officer.locator("#service-form").wait_for(timeout=T)
    await officer.get_by_label("当事人", exact=True).select_option("P1")
    await officer.get_by_label("送达方式").select_option("当面送达")
    await axe(officer, "officer service")
    await shot(officer, "officer-service-desktop")
    await officer.get_by_role("button", name="记录送达").click()
    await officer.locator("#served li", has_text="P1").filter(has_text="已送达").wait_for(timeout=T)
    assert "*" not in await officer.locator("#served").inner_text()  # names in full, as in the table

    # the admin console: SMS outbox, the pilot area as SVG, settings, calendar
    admin_ctx = await desktop(browser, stack.base)
    admin = watch(await admin_ctx.new_page(), page_errors)
    await admin.goto("/admin")
    await login(admin, "admin-1")
    await admin.locator("#sms-table tbody tr").first.wait_for(timeout=T)
    sms_rows = await admin.locator("#sms-table tbody tr").count()
    await admin.locator("#pilot-map polygon").first.wait_for(timeout=T)
    polygons = await admin.locator("#pilot-map polygon").count()
    await admin.locator("#service-hours").wait_for(timeout=T)
    await admin.get_by_label("年份").fill("2027")
    await admin.get_by_label("日期（每行一天：日期 休/班 备注）").fill("2027-01-01 休 元旦\n2027-13-01 休")
    await admin.get_by_role("button", name="载入并声明该年完整").click()
    await admin.locator("#cal-days[aria-invalid=true]").wait_for(timeout=T)
    await admin.get_by_label("日期（每行一天：日期 休/班 备注）").fill(
        "2027-01-01 休 元旦\n2027-02-07 班 调休"
    )
    await admin.get_by_role("button", name="载入并声明该年完整").click()
    await admin.get_by_text("2027 年已载入 2 天").wait_for(timeout=T)
    await axe(admin, "admin console")
    await shot(admin, "admin-desktop")

    # /docs and /redoc: nothing from beyond this host
    docs_ctx = await desktop(browser, stack.base)
    docs = await docs_ctx.new_page()
    hosts: set[str] = set()
    docs.on("request", lambda r: hosts.add(urlparse(r.url).hostname or r.url.split(":")[0]))
    await docs.goto("/docs")
    await docs.locator(".swagger-ui .opblock").first.wait_for(timeout=T)
    await axe_except(docs, "/docs", {"nested-interactive"})  # Swagger UI's own markup (see below)
    await docs.screenshot(path=str(ARTIFACTS / "docs-desktop.png"))  # the viewport: the page is long
    await docs.goto("/redoc")
    await docs.get_by_text("快处 kuaichu API").first.wait_for(timeout=T)
    await docs.locator("[data-section-id]").first.wait_for(timeout=T)
    await axe(docs, "/redoc")
    await docs.screenshot(path=str(ARTIFACTS / "redoc-desktop.png"))
    assert hosts <= {"127.0.0.1", "blob", "data"}, hosts

    for ctx in (officer_ctx, admin_ctx, docs_ctx):
        await ctx.close()
    print(
        f"\nsms rows {sms_rows}; polygons {polygons}; "
        f"hosts {sorted(hosts)}; test {time.monotonic() - started:.1f}s"
    )


async def test_admin_makes_an_account_with_several_roles(
    stack: Any, browser: Any, page_errors: list[str]
) -> None:
    """/admin's staff form: several roles ticked, the account listed with them, its TOTP shown
    once; then its roles changed. The login form has no OIDC button (OIDC is not configured)."""
    ctx = await desktop(browser, stack.base)
    admin = watch(await ctx.new_page(), page_errors)
    await admin.goto("/admin")
    assert await admin.locator("#oidc-login").count() == 0
    await login(admin, "admin-1")
    await admin.locator("#staff-form").wait_for(timeout=T)
    staff_id = f"jy-{int(time.time() * 1000) % 10**8}"
    await admin.locator("#staff-new-id").fill(staff_id)
    await admin.get_by_label("账号姓名").fill("王警官")
    await admin.get_by_label("辖区").select_option("江阳区")
    await admin.get_by_label("初始密码").fill("Correct-horse-42")
    await admin.get_by_label("民警").check()
    await admin.get_by_label("复核").check()
    await admin.get_by_role("button", name="新建账号").click()
    await admin.locator("#staff-enrolment").get_by_text("otpauth://totp/").wait_for(timeout=T)
    row = admin.locator(f'#staff-table tr[data-staff="{staff_id}"]')
    await row.wait_for(timeout=T)
    assert (await row.locator("td.roles").inner_text()) == "民警、复核"
    await axe(admin, "admin staff accounts")
    await shot(admin, "admin-staff")
    await row.get_by_role("button", name="修改岗位").click()
    await admin.get_by_label("复核").uncheck()
    await admin.get_by_label("坐席").check()
    await admin.get_by_role("button", name="保存修改").click()
    await admin.get_by_text("账号已修改").wait_for(timeout=T)
    await admin.locator(f'#staff-table tr[data-staff="{staff_id}"] td.roles', has_text="坐席、民警").wait_for(
        timeout=T
    )
    await ctx.close()
