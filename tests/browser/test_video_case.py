"""A two-vehicle case through the pages: two citizens (phones) raise and join, a seat accepts and
sees both on live video, a citizen drops and resumes with 继续处理, the seat takes the shot list
from the live video and records the call, an invalid plate is refused at its field, the seat
completes; the officer decides through the API; the citizens read and confirm the notice, one
files a claim and the other applies for a review on their pages."""

from __future__ import annotations

import asyncio
import hashlib
import time
from pathlib import Path
from typing import Any

import pytest

from db import repository
from domain.messages import VideoEvent, workflow_id_for
from tests import case_factory
from tests.browser.conftest import CHROMIUM, axe, desktop, phone, shot, watch

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="system chromium not installed (scripts/setup)"),
]

P1_PHONE, P2_PHONE = "13900000001", "13900000002"
T = 20_000  # ms: the longest a page step may take


async def login(stack: Any, page: Any, mobile: str, shot_name: str = "") -> None:
    await page.goto("/h5/")
    await page.get_by_label("手机号码").fill(mobile)
    await page.get_by_role("button", name="获取验证码").click()
    await page.locator("#handset-list li").first.wait_for(timeout=T)  # the simulated phone shows it
    await page.get_by_label("短信验证码").fill(await stack.login_code(mobile))
    if shot_name:
        await axe(page, "h5 login with the simulated phone")
        await shot(page, shot_name)
    await page.get_by_role("button", name="登录", exact=True).click()


async def fill_party(
    page: Any, pid: str, name: str, mobile: str, id_number: str, licence: str, plate: str
) -> None:
    await page.locator(f"#{pid}-name").fill(name)
    await page.locator(f"#{pid}-phone").fill(mobile)
    await page.locator(f"#{pid}-id_number").fill(id_number)
    await page.locator(f"#{pid}-licence").fill(licence)
    await page.locator(f"#{pid}-plate").fill(plate)


async def frames(seat: Any, identity: str, above: int = 0) -> int:
    """Waits until the seat's page decodes video from a participant; returns framesDecoded."""
    for _ in range(150):
        stats = await seat.evaluate("(id) => window.kcSeat.call.stats(id)", identity)
        if stats["framesDecoded"] > above:
            return int(stats["framesDecoded"])
        await asyncio.sleep(0.1)
    raise AssertionError(f"no video decoded from {identity}: {stats}")


async def video_events(stack: Any, case_number: str) -> list[tuple[str, str]]:
    """The video_event signals in the case's workflow history (kind, identity), decoded."""
    handle = stack.client.get_workflow_handle(workflow_id_for(case_number))
    history = await handle.fetch_history()
    out = []
    for e in history.events:
        attrs = e.workflow_execution_signaled_event_attributes
        if e.HasField("workflow_execution_signaled_event_attributes") and attrs.signal_name == "video_event":
            [event] = await stack.client.data_converter.decode(attrs.input.payloads, [VideoEvent])
            out.append((event.kind.value, event.identity.removeprefix(f"{case_number}-")))
    return out


async def wait_for(predicate: Any, within: float = 15.0) -> Any:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if value := await predicate():
            return value
        await asyncio.sleep(0.2)
    raise AssertionError("condition not met in time")


async def test_two_vehicle_case_through_the_pages(stack: Any, browser: Any, page_errors: list[str]) -> None:
    started = time.monotonic()
    seat_ctx = await desktop(browser, stack.base)
    seat = watch(await seat_ctx.new_page(), page_errors)
    await seat.goto("/seat")
    await axe(seat, "seat login")
    await shot(seat, "seat-login-desktop")
    await seat.get_by_label("工号").fill("seat-1")
    await seat.get_by_role("button", name="登录").click()
    await seat.get_by_text("实时", exact=True).wait_for(timeout=T)
    await shot(seat, "seat-queue-empty-desktop")

    # P1 raises the alert on their phone
    p1_ctx = await phone(browser, stack.base)
    p1 = watch(await p1_ctx.new_page(), page_errors)
    await p1.goto("/h5/")
    await axe(p1, "h5 login")
    await login(stack, p1, P1_PHONE, "h5-login-phone")
    await axe(p1, "h5 home")
    await shot(p1, "h5-home-phone")
    await p1.get_by_role("button", name="一键报警").click()
    await p1.get_by_role("button", name="获取当前位置").click()
    await p1.get_by_text("精度约 12 米").wait_for(timeout=T)
    await p1.get_by_label("详细地点").fill("江阳区南城街道示例路100号")
    demo = {p: case_factory.motor_party(p, s) for p, s in (("P1", "ok_picc"), ("P2", "ok_cpic"))}
    for pid, mobile in (("P1", P1_PHONE), ("P2", P2_PHONE)):
        d = demo[pid]
        await fill_party(p1, pid, d.name, mobile, d.id_number, d.licence_number, d.vehicle.plate)
    await p1.get_by_label("我已阅读并同意电子送达").check()
    await axe(p1, "h5 alert form")
    await shot(p1, "h5-alert-form-phone")
    await p1.get_by_role("button", name="提交报警").click()
    await p1.locator("#queue-card").wait_for(timeout=T)
    alerted = time.monotonic()
    number = (await p1.locator("#case-number").inner_text()).strip()

    # the seat's queue shows it without a reload, within a second or so
    row = seat.locator(f"tr[data-case='{number}']")
    await row.wait_for(timeout=5_000)
    queue_latency = time.monotonic() - alerted
    assert queue_latency < 2.0, queue_latency
    await p1.get_by_text("第1位").wait_for(timeout=T)
    await axe(p1, "h5 queue")
    await shot(p1, "h5-queue-phone")
    await axe(seat, "seat queue")
    await shot(seat, "seat-queue-desktop")

    # P2 logs in on their own phone, finds the case and joins
    p2_ctx = await phone(browser, stack.base)
    p2 = watch(await p2_ctx.new_page(), page_errors)
    await login(stack, p2, P2_PHONE)
    await p2.get_by_role("link", name=f"查看案件 {number}").click()
    await p2.locator("#call-card").wait_for(timeout=T)

    # the seat accepts: video from both parties is decoded on the seat's page
    await row.get_by_role("button", name=f"接听案件 {number}").click()
    await seat.locator("[data-tile='P2'] .badge.ok").wait_for(timeout=T)
    p1_frames = await frames(seat, f"{number}-P1", above=10)  # a sustained picture, not one frame
    p2_frames = await frames(seat, f"{number}-P2", above=10)
    await p1.locator("#seat-placeholder").wait_for(state="hidden", timeout=T)

    # P1 turns the camera round (the picture keeps coming) and mutes (the seat sees it)
    await p1.get_by_role("button", name="切换前后摄像头").click()
    await p1.get_by_text("已切换").wait_for(timeout=T)
    switched = await frames(seat, f"{number}-P1")
    await frames(seat, f"{number}-P1", above=switched)
    await p1.get_by_role("button", name="静音").click()
    await seat.locator("[data-tile='P1'] .note").get_by_text("已静音").wait_for(timeout=T)
    await p1.get_by_role("button", name="取消静音").click()
    await seat.locator("[data-tile='P1'] .note").wait_for(state="hidden", timeout=T)
    await axe(seat, "seat call")
    await axe(p1, "h5 call")
    await shot(p1, "h5-call-phone")

    # P1's phone loses the network: the call drops; 继续处理 resumes it with a fresh token
    await p1.evaluate("window.kcCall.ws.close(4000)")  # what a lost network does to the socket
    await p1.get_by_role("button", name="继续处理").wait_for(timeout=T)
    await seat.locator("[data-tile='P1'] .badge.bad").wait_for(timeout=T)
    await shot(p1, "h5-call-dropped-phone")
    await p1.get_by_role("button", name="继续处理").click()
    await seat.locator("[data-tile='P1'] .badge.ok").wait_for(timeout=T)
    resumed_frames = await frames(seat, f"{number}-P1", above=5)  # a new connection: counted afresh
    events = await wait_for(
        lambda: _events_with_resume(stack, number),
    )
    assert ("participant-disconnected", "P1") in events

    # safety checklist, then the shot list from the live video
    for label in ("已开启危险报警闪光灯", "已在车后 50–100 米放置三角警示牌", "人员已撤离至安全区域"):
        await seat.get_by_label(label).check()
    await seat.get_by_text("安全检查已全部确认").wait_for(timeout=T)
    for item in ("正面全景", "背面全景", "碰撞部位", "车辆号牌 P1", "车辆号牌 P2", "当事人合影"):
        await seat.get_by_role("button", name=f"截图：{item}").click()
        await seat.locator(f"li.shot.done:has-text('{item}') [data-sha]").wait_for(timeout=T)
    shown = {
        await li.locator("strong").inner_text(): await li.locator("[data-sha]").get_attribute("data-sha")
        for li in await seat.locator("li.shot.done").all()
    }
    async with stack.sessions() as session:
        stored = {e.sha256: e for e in await repository.list_evidence(session, number)}
    for item, sha in shown.items():
        row_ = stored[sha]
        assert hashlib.sha256((stack.settings.var_dir / row_.storage_path).read_bytes()).hexdigest() == sha, (
            item
        )
        assert row_.content_type == "image/jpeg"
    assert await seat.locator("li.shot.done .badge.ok").count() == 6

    # an invalid plate is refused at its field; the corrected one is saved
    plate = seat.locator("#f-P2-plate")
    await plate.fill("川EI8B21")
    await seat.get_by_role("button", name="保存当事人信息").click()
    await seat.locator("#f-P2-plate[aria-invalid=true]").wait_for(timeout=T)
    assert "字母I和O" in await seat.locator("#f-P2-plate-err").inner_text()
    await axe(seat, "seat with refusal")
    await shot(seat, "seat-call-shots-refusal-desktop")
    await plate.fill("川EA8B21")
    await seat.get_by_role("button", name="保存当事人信息").click()
    await seat.get_by_text("已保存").first.wait_for(timeout=T)

    # the scene: weather and road surface from the lists (the notice prints them, never a default)
    await seat.locator("#sc-weather").select_option(label="阴")
    await seat.locator("#sc-road").select_option(label="潮湿")
    await seat.get_by_role("button", name="保存事故情况").click()
    await seat.get_by_text("事故情况已保存").wait_for(timeout=T)

    # complete: the recording is stored as evidence, the registry checks shown, parties may leave
    await seat.get_by_role("button", name="完成取证并核验").click()
    try:
        await seat.get_by_text("信息核验结果").wait_for(timeout=60_000)  # recording flushed, registry checked
    except Exception:
        print(
            "DEBUG",
            await seat.locator("#finish-problem").inner_text(),
            await seat.locator("#problem-global").inner_text(),
            await seat.locator("#rec-status").inner_text(),
        )
        await shot(seat, "debug-seat")
        raise
    recording = await seat.evaluate("window.kcSeat.recording")
    sha = recording["evidence"]["sha256"]
    path = stack.settings.var_dir / recording["evidence"]["storage_path"]
    assert (
        path.read_bytes()[:4] == b"\x1a\x45\xdf\xa3" and hashlib.sha256(path.read_bytes()).hexdigest() == sha
    )
    assert recording["size_bytes"] > 10_000
    assert await seat.locator("[data-recording-sha]").get_attribute("data-recording-sha") == sha
    assert await seat.locator("#verification .badge.ok").count() == 6  # licence, vehicle, insurance × 2
    await axe(seat, "seat verified")
    await shot(seat, "seat-verified-desktop")
    await p1.locator("#leave-card").wait_for(timeout=T)
    await p2.locator("#leave-card").wait_for(timeout=T)
    await axe(p1, "h5 you may leave")
    await shot(p1, "h5-leave-phone")

    # the officer decides (their console is another piece of work): through the API
    officer = await stack.token("officer", "officer-7")
    async with stack.http() as http:
        d = case_factory.decision(["P1", "P2"])
        body = d.model_dump(mode="json", exclude={"officer_id"})
        r = await http.post(f"/officer/cases/{number}/decision", json=body, headers=officer)
        assert r.status_code == 200, r.text

    # P1 reads the notice, confirms receipt and files the claim; P2 applies for a review
    await p1.locator("#notice-card").wait_for(timeout=T)
    await p1.get_by_role("button", name="查看认定书（PDF）").click()
    await p1.get_by_role("link", name="打开认定书 PDF").wait_for(timeout=T)
    await p1.get_by_role("button", name="我已阅读，确认收到").click()
    await p1.locator("#served-at").wait_for(timeout=T)
    await axe(p1, "h5 notice served")
    await shot(p1, "h5-notice-phone")
    await p2.locator("#notice-card").wait_for(timeout=T)
    await p2.get_by_role("button", name="查看认定书（PDF）").click()
    await p2.get_by_role("button", name="我已阅读，确认收到").click()
    await p2.locator("#review-card").wait_for(timeout=T)
    deadline = await p2.locator("#review-deadline").inner_text()
    assert deadline.endswith("24:00")  # 3 working days after service, ending at 24:00 (Art. 112)
    await p1.get_by_role("button", name="一键报保险").click()
    await p1.get_by_text("报案号").wait_for(timeout=T)
    await axe(p1, "h5 claim")
    await shot(p1, "h5-claim-phone")
    await p2.get_by_label("具体说明").fill("对方车辆突然变道，我方不应承担责任。")
    await axe(p2, "h5 review")
    await shot(p2, "h5-review-phone")
    await p2.get_by_role("button", name="提交复核申请").click()
    await p2.get_by_text("您已申请复核").wait_for(timeout=T)
    await shot(p2, "h5-review-requested-phone")
    assert await p2.locator("#timeline li").count() >= 8

    for ctx in (seat_ctx, p1_ctx, p2_ctx):
        await ctx.close()
    print(
        f"\nframesDecoded P1={p1_frames} P2={p2_frames} after resume={resumed_frames}; "
        f"queue latency {queue_latency:.2f}s; recording {recording['size_bytes']} bytes; "
        f"test {time.monotonic() - started:.1f}s"
    )


async def _events_with_resume(stack: Any, number: str) -> list[tuple[str, str]] | None:
    events = await video_events(stack, number)
    p1 = [kind for kind, who in events if who == "P1"]
    # connected, disconnected (the drop), connected (继续处理)
    return (
        events
        if p1[-3:] == ["participant-connected", "participant-disconnected", "participant-connected"]
        else None
    )
