"""The 110 path in a browser: a dispatcher texts a caller the one-time link; the caller opens it on
their phone, sees which number it was sent to, is refused with the reason while someone is hurt,
then raises the alert (no login needed: the link is the authority) and follows the case; the link
cannot be used twice; the caller cancels (settled privately)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests import case_factory
from tests.browser.conftest import CHROMIUM, axe, desktop, phone, shot, watch

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="system chromium not installed (scripts/setup)"),
]

CALLER, OTHER = "13900000011", "13900000012"
T = 20_000


async def test_the_110_link_opens_the_h5_alert(stack: Any, browser: Any, page_errors: list[str]) -> None:
    async with stack.http() as http:
        r = await http.post(
            "/dispatcher/links", json={"phone": CALLER}, headers=await stack.token("dispatcher", "d-110")
        )
        assert r.status_code == 201, r.text
    url = re.search(r"(http\S+/h5/alert\?t=[\w-]+)", await stack.sms_to(CALLER, "alert_link"))[1]
    assert url.startswith(stack.base)

    ctx = await phone(browser, stack.base)
    page = watch(await ctx.new_page(), page_errors)
    await page.goto(url)
    await page.get_by_text("本链接已发送至 139****0011").wait_for(timeout=T)
    await page.get_by_role("button", name="获取当前位置").click()
    await page.get_by_text("已定位").wait_for(timeout=T)
    await page.get_by_label("详细地点").fill("江阳区北城街道示例路8号")
    for pid, scenario, mobile in (("P1", "ok_pingan_new_energy", CALLER), ("P2", "ok_cpic", OTHER)):
        d = case_factory.motor_party(pid, scenario)
        await page.locator(f"#{pid}-name").fill(d.name)
        await page.locator(f"#{pid}-phone").fill(mobile)
        await page.locator(f"#{pid}-id_number").fill(d.id_number)
        await page.locator(f"#{pid}-licence").fill(d.licence_number)
        await page.locator(f"#{pid}-plate").fill(d.vehicle.plate)
    await page.get_by_label("我已阅读并同意电子送达").check()

    # somebody is hurt: refused at once, with the reason and what to do instead
    await page.get_by_label("有人受伤需要救治").check()
    await page.get_by_role("button", name="提交报警").click()
    refusal = page.locator("#refusal")
    await refusal.get_by_text("不符合线上视频快处条件").wait_for(timeout=T)
    assert "伤" in await refusal.inner_text() and "110" in await refusal.inner_text()
    await axe(page, "h5 refusal")
    await shot(page, "h5-link-refused-phone")

    await page.get_by_label("无人受伤", exact=True).check()
    await page.get_by_role("button", name="提交报警").click()
    await page.locator("#queue-card").wait_for(timeout=T)
    number = (await page.locator("#case-number").inner_text()).strip()
    await page.get_by_text("报警已受理").wait_for(timeout=T)  # the timeline, live
    await page.locator("#self-video").evaluate("v => v.srcObject !== null")
    await shot(page, "h5-link-queued-phone")

    # the link was spent by the alert
    other = watch(await (await phone(browser, stack.base)).new_page(), page_errors)
    await other.goto(url)
    await other.get_by_text("链接已失效或已使用").wait_for(timeout=T)
    await axe(other, "h5 spent link")
    await shot(other, "h5-link-spent-phone")

    # the same page on a desktop browser
    wide = watch(await (await desktop(browser, stack.base)).new_page(), page_errors)
    await wide.goto(url)
    await wide.get_by_text("链接已失效或已使用").wait_for(timeout=T)
    await shot(wide, "h5-link-spent-desktop")

    # settled privately: the caller cancels from the page
    await page.get_by_text("不再需要线上处理？取消报警").click()
    await page.get_by_role("button", name="确认取消报警").click()
    await page.locator("#final-card").get_by_role("heading", name="已取消").wait_for(timeout=T)
    await shot(page, "h5-link-cancelled-phone")
    async with stack.sessions() as session:
        from db import repository

        assert (await repository.get_case(session, number)).status == "cancelled"
    for c in browser.contexts:
        await c.close()
