"""The staff consoles on one case: the API drives it to awaiting_decision (tests.walker's people);
the officer opens it on /officer, sees the evidence photos and the registry results, is refused
FULL + FULL at the liability field, decides and sees the notice; a citizen applies for a review
(API); two reviewers on /reviewer, each with their own login, concur and conclude "redetermine"
with reasons; the officer decides again (the new notice revokes the old one); /admin shows the SMS
outbox and the pilot area drawn as SVG; /docs and /redoc load with no request beyond 127.0.0.1."""

from __future__ import annotations

import asyncio
import base64
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlparse

import pytest

from tests.api.conftest import Api
from tests.browser.conftest import ARTIFACTS, CHROMIUM, axe, desktop, shot, watch
from tests.walker import CaseWalker, Walk

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="system chromium not installed (scripts/setup)"),
]

PHONES = ("13900000011", "13900000012")
T = 20_000  # ms: the longest a page step may take


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


async def choose_liabilities(page: Any, shares: dict[str, str]) -> None:
    for pid, share in shares.items():
        await page.locator(f"#d-liab-{pid}").select_option(share)


async def wait_status(stack: Any, number: str, status: str, within: float = 20.0) -> None:
    headers = await stack.token("officer", "officer-look")
    deadline = time.monotonic() + within
    async with stack.http() as http:
        while time.monotonic() < deadline:
            r = await http.get(f"/officer/cases/{number}", headers=headers)
            if r.status_code == 200 and r.json()["case"]["status"] == status:
                return
            await asyncio.sleep(0.2)
    raise AssertionError(f"{number} never reached {status}")


async def test_officer_reviewers_admin_and_docs(stack: Any, browser: Any, page_errors: list[str]) -> None:
    started = time.monotonic()
    officer_ctx = await desktop(browser, stack.base)
    officer = watch(await officer_ctx.new_page(), page_errors)
    recording = base64.b64decode(await officer.evaluate(RECORD_JS))  # a real WebM: the seat's recorder
    number = await case_awaiting_decision(stack, recording)

    # the officer opens the case: parties in full, registry results, the photos, the recording
    await officer.goto("/officer")
    await officer.get_by_role("heading", name="民警登录").wait_for(timeout=T)
    await axe(officer, "officer login")
    await shot(officer, "officer-login-desktop")
    await login(officer, "officer-7")
    await officer.locator(f"#cases button[data-case='{number}']").click()
    await officer.locator("#evidence figure.evidence img").nth(5).wait_for(timeout=T)
    photos = await officer.locator("#evidence figure.evidence img").count()
    loaded = await officer.evaluate(
        "[...document.querySelectorAll('#evidence img')].every(i => i.complete && i.naturalWidth > 0)"
    )
    assert photos == 6 and loaded
    video = officer.locator("#evidence figure.evidence video")
    await officer.wait_for_function(
        "() => document.querySelector('#evidence video')?.readyState >= 1", timeout=T
    )  # the recording's metadata decoded: it plays
    assert await video.count() == 1 and await video.get_attribute("controls") is not None
    assert await officer.locator("#verification .badge.ok").count() == 6
    assert await officer.locator("table.parties tbody tr").count() == 2

    # FULL + FULL is refused at the liability field
    await choose_liabilities(officer, {"P1": "FULL", "P2": "FULL"})
    await officer.get_by_label("事故事实（以甲、乙等称呼当事人）").fill(
        "甲车未与前车保持安全距离，追尾乙车尾部。"
    )
    await officer.get_by_label("事故形态（GA 16.2）").select_option("13")
    await officer.locator("#d-impact-P1").select_option("P1:01")
    await officer.locator("#d-impact-P2").select_option("P2:06")
    await officer.get_by_role("button", name="作出认定并出具认定书").click()
    await officer.locator("#d-liabilities[aria-invalid=true]").wait_for(timeout=T)
    refusal = await officer.locator("#d-liabilities-err").inner_text()
    assert "多方有过错" in refusal, refusal
    await axe(officer, "officer decision refused")
    await shot(officer, "officer-decision-refused-desktop")

    # a valid decision: the notice is issued and its PDF opens
    await choose_liabilities(officer, {"P2": "NONE"})
    await officer.get_by_role("button", name="作出认定并出具认定书").click()
    await officer.locator("#notices li[data-notice]").first.wait_for(timeout=T)
    first_notice = await officer.locator("#notices li[data-notice]").first.get_attribute("data-notice")
    await officer.get_by_role("button", name=f"获取 PDF：{first_notice}").click()
    link = officer.get_by_role("link", name=f"打开 PDF {first_notice}")
    await link.wait_for(timeout=T)
    assert (await link.get_attribute("href")).startswith("blob:")  # fetched with the officer's token
    async with stack.http() as http:
        r = await http.get(
            f"/officer/cases/{number}/notice", headers=await stack.token("officer", "officer-7")
        )
        assert r.content[:5] == b"%PDF-" and r.headers["content-type"] == "application/pdf"
    await officer.locator("#service-form").wait_for(timeout=T)
    await axe(officer, "officer notice issued")
    await shot(officer, "officer-notice-desktop")

    # P1 is served in person (recorded by the officer); P2 confirms receipt on their phone (API)
    await officer.get_by_label("当事人", exact=True).select_option("P1")
    await officer.get_by_label("送达方式").select_option("当面送达")
    await officer.get_by_role("button", name="记录送达").click()
    await officer.locator("#served li", has_text="P1").filter(has_text="已送达").wait_for(timeout=T)

    # P2 applies for a review (their page has its own test)
    async with stack.http() as http:
        for phone in PHONES[1:]:
            me = await stack.token("citizen", phone=phone)
            r = await http.post(f"/citizen/cases/{number}/receipt", headers=me)
            assert r.status_code == 200, r.text
        r = await http.post(
            f"/citizen/cases/{number}/review",
            json={"reason_code": "LIABILITY_DISPUTED", "text": "对方突然变道，我方不应承担责任。"},
            headers=await stack.token("citizen", phone=PHONES[1]),
        )
        assert r.status_code == 200, r.text
    await wait_status(stack, number, "under_review")

    # two reviewers, each with their own login: reviewer-2 concurs, reviewer-1 concludes
    pages = {}
    for rid in ("reviewer-2", "reviewer-1"):
        ctx = await desktop(browser, stack.base)
        page = watch(await ctx.new_page(), page_errors)
        await page.goto("/reviewer")
        await login(page, rid)
        await page.locator(f"#cases button[data-case='{number}']").click()
        await page.locator("#evidence figure.evidence img").first.wait_for(timeout=T)
        assert "对方突然变道" in await page.locator("#review-text").inner_text()
        assert await page.locator("#review-reason").inner_text() == "责任划分不当"
        pages[rid] = (ctx, page)
    second = pages["reviewer-2"][1]
    await axe(second, "reviewer case")
    await shot(second, "reviewer-case-desktop")
    await second.get_by_role("radio", name="撤销原认定，责令重新认定").first.check()
    await second.locator("#r-name").fill("赵复核")  # each reviewer signs the written conclusion
    await second.locator("#r-badge").fill("050002")
    await second.get_by_role("button", name="记录本人意见").click()
    await second.get_by_text("已记录本人意见").wait_for(timeout=T)
    first = pages["reviewer-1"][1]
    await first.locator("#conclusion-form").get_by_role("radio", name="撤销原认定，责令重新认定").check()
    await first.get_by_label("共同复核民警工号（以逗号分隔）").fill("reviewer-2")
    await first.locator("#r-name").fill("钱复核")
    await first.locator("#r-badge").fill("050001")
    await first.get_by_role("button", name="作出复核结论").click()  # no reason: refused at the field
    await first.locator("#k-reason[aria-invalid=true]").wait_for(timeout=T)
    await first.get_by_label("复核理由").fill("证据显示乙车变道在先，原认定责任划分不当。")
    await first.get_by_role("button", name="作出复核结论").click()
    await first.locator("#concluded").wait_for(timeout=T)
    await axe(first, "reviewer concluded")
    await shot(first, "reviewer-concluded-desktop")

    # the officer decides again: the new notice revokes the old one
    await wait_status(stack, number, "awaiting_redetermination")
    await officer.get_by_role("button", name="刷新").click()
    await officer.locator(f"#cases button[data-case='{number}']").click()
    await officer.locator("#redetermine-note").wait_for(timeout=T)
    await choose_liabilities(officer, {"P1": "EQUAL", "P2": "EQUAL"})
    await officer.get_by_label("事故事实（以甲、乙等称呼当事人）").fill(
        "甲车与乙车同向行驶，乙车变道时两车刮擦。"
    )
    await officer.get_by_label("事故形态（GA 16.2）").select_option("15")
    await officer.get_by_role("button", name="作出认定并出具认定书").click()
    await officer.locator("#notices li", has_text="撤销道路交通事故认定书").wait_for(timeout=T)
    notices = await officer.locator("#notices li[data-notice]").count()
    assert notices >= 3, notices
    await axe(officer, "officer redetermined")
    await shot(officer, "officer-redetermined-desktop")

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

    for ctx in (officer_ctx, admin_ctx, docs_ctx, *(c for c, _ in pages.values())):
        await ctx.close()
    print(
        f"\nphotos {photos}; sms rows {sms_rows}; polygons {polygons}; notices {notices}; "
        f"hosts {sorted(hosts)}; test {time.monotonic() - started:.1f}s"
    )
