"""The public verification page in a real browser (the system Chromium): a citizen or an
insurer scans the QR code on a printed notice and sees whether it is genuine and in force."""

from __future__ import annotations

import asyncio
import shutil
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import uvicorn

from adapters.notice.content import build_notice_content
from adapters.notice.service import NoticeService
from api.app import create_app
from db import repository
from db.session import ensure_schema, make_engine, make_sessionmaker
from domain.case_view import CaseSnapshot, PartySnapshot
from domain.masking import mask_name
from domain.models import CaseStatus
from settings import Settings
from tests import case_factory
from tests.browser.conftest import BROWSER_ARGS, CHROMIUM
from tests.notice.conftest import artefact_dir, decode_qr

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="system chromium not installed (scripts/setup)"),
    pytest.mark.skipif(shutil.which("zbarimg") is None, reason="zbar-tools not installed (scripts/setup)"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Settings]]:
    """The API on a real port, in its own thread (a browser needs a real server)."""
    var = tmp_path_factory.mktemp("browser-var")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    settings = Settings(
        var_dir=var,
        database_url=f"sqlite+aiosqlite:///{var / 'kc.db'}",
        notice_verify_base_url=base,
        temporal_address="127.0.0.1:1",  # no Temporal needed for the public page
    )
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    while not srv.started:
        threading.Event().wait(0.05)
    yield base, settings
    srv.should_exit = True
    thread.join(10)


async def _issue_notice(settings: Settings) -> tuple[Path, list]:
    """A notice as the workflow's activity issues it: rendered, signed, stored, recorded."""
    await ensure_schema(settings.effective_database_url)
    engine = make_engine(settings.effective_database_url)
    sessions = make_sessionmaker(engine)
    number = case_factory.new_case_number()
    alert = case_factory.alert(settings)
    now = datetime.now(UTC)
    content = build_notice_content(
        number,
        f"{number}-1",
        1,
        case_factory.decision(["P1", "P2"]),
        alert.parties,
        alert.location,
        alert.reported_at,
        now,
        review_unit=settings.notice_review_unit,
    )
    record, path = await asyncio.to_thread(NoticeService.from_settings(settings).issue_notice, content)
    async with sessions.begin() as session:
        await repository.upsert_case(
            session,
            CaseSnapshot(
                case_number=number,
                workflow_id=f"case-{number}",
                status=CaseStatus.NOTICE_SENT,
                category=alert.facts.category.value,
                reported_at=alert.reported_at,
                location=alert.location,
                parties=[PartySnapshot(party=p) for p in alert.parties],
            ),
        )
        await repository.add_notice(
            session, **record.model_dump(include=_NOTICE_COLUMNS), kind=record.kind.value
        )
    await engine.dispose()
    return path, alert.parties


_NOTICE_COLUMNS = {
    "notice_number",
    "case_number",
    "version",
    "issued_at",
    "pdf_path",
    "sha256",
    "signature",
    "short_code",
    "content_signature",
    "key_id",
    "content_digest",
}


async def test_scanning_the_qr_code_opens_a_page_saying_the_notice_is_genuine(server, tmp_path):
    from playwright.async_api import async_playwright

    base, settings = server
    pdf, parties = await _issue_notice(settings)
    [url] = decode_qr(pdf, tmp_path)
    assert url.startswith(f"{base}/notices/")

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        page = await browser.new_page()
        await page.goto(url)
        body = await page.inner_text("body")
        assert "道路交通事故认定书" in body and "未被篡改" in body
        # the essentials to compare a printout with: parties masked, each one's liability
        assert "泸州市公安局交通警察支队江阳大队" in body and "全部责任" in body and "无责任" in body
        for label, party in zip("甲乙", parties, strict=False):
            assert f"{label}\t{mask_name(party.name)}" in body
            assert party.name not in body and party.phone not in body and party.id_number not in body
        await page.screenshot(path=str(artefact_dir() / "verify-page.png"), full_page=True)

        await page.goto(url.replace("code=", "code=X"))
        assert "验证码不正确" in await page.inner_text("body")

        pdf.write_bytes(pdf.read_bytes().replace(b"%%EOF", b"%%EOF\n%tampered"))
        await page.goto(url)
        assert "不一致" in await page.inner_text("body")
        await browser.close()
