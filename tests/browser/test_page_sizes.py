"""Every page at phone and desktop sizes: it loads without script errors, passes axe-core (no
serious or critical violation) and is written as a screenshot artefact."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import CHROMIUM, axe, desktop, phone, shot, watch

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="system chromium not installed (scripts/setup)"),
]

PAGES = [
    ("/", "landing", "请选择入口"),
    ("/h5/", "h5-login", "手机号登录"),
    ("/officer", "officer-login", "民警登录"),
    ("/reviewer", "reviewer-login", "复核民警登录"),
    ("/admin", "admin-login", "管理员登录"),
    ("/seat", "seat-login", "坐席登录"),  # last: the test logs in on it below
]


async def test_every_page_at_both_sizes(stack: Any, browser: Any, page_errors: list[str]) -> None:
    for size, make in (("phone", phone), ("desktop", desktop)):
        ctx = await make(browser, stack.base)
        page = watch(await ctx.new_page(), page_errors)
        for path, name, heading in PAGES:
            await page.goto(path)
            await page.get_by_role("heading", name=heading).wait_for(timeout=10_000)
            await axe(page, f"{name} ({size})")
            await shot(page, f"{name}-{size}")
        # the consoles once logged in, and the H5 alert form on a wide screen
        await page.get_by_label("工号").fill(f"seat-{size}")
        await page.get_by_role("button", name="登录").click()
        await page.get_by_text("实时", exact=True).wait_for(timeout=10_000)
        await axe(page, f"seat desk ({size})")
        await shot(page, f"seat-desk-{size}")
        await ctx.close()
