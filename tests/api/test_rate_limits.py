"""Abuse limits (api/rate_limits.py) hold across API processes: two apps, each with its own engine
(as two processes), share one database; requests alternate between them and are sent at once.
Refusals are 429 with a Chinese reason and Retry-After; nothing is texted for a refused request.
On SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from api.app import create_app
from api.auth import ApiRole, Principal, issue_token
from db.models import SmsRow
from settings import Settings

LIMITS = {
    "rate_sms_code_per_ip": "3/3600",
    "rate_sms_code_global": "1000/60",
    "rate_link_per_phone": "2/3600",
    "rate_link_per_dispatcher": "4/3600",
    "rate_verify_per_ip": "1000/60",
    "rate_verify_per_notice": "3/3600",
}


class Processes:
    """Two API apps over one database; `client(ip)` calls them in turn, as peer `ip`."""

    def __init__(self, apps: list[Any], settings: Settings) -> None:
        self.apps, self.settings, self.turn = apps, settings, 0
        self.first_sms_id = 0  # the database is shared with other tests: count this test's SMS

    async def start(self) -> None:
        async with self.apps[0].state.kc.sessions() as session:
            self.first_sms_id = (await session.scalar(sa.select(sa.func.max(SmsRow.id)))) or 0

    def client(self, ip: str) -> httpx.AsyncClient:
        self.turn += 1
        app = self.apps[self.turn % len(self.apps)]
        transport = httpx.ASGITransport(app=app, client=(ip, 40000))
        return httpx.AsyncClient(transport=transport, base_url="http://testserver")

    async def post(self, ip: str, url: str, **kwargs: Any) -> httpx.Response:
        async with self.client(ip) as c:
            return await c.post(url, **kwargs)

    async def get(self, ip: str, url: str, **kwargs: Any) -> httpx.Response:
        async with self.client(ip) as c:
            return await c.get(url, **kwargs)

    async def texted(self, template: str) -> int:
        async with self.apps[0].state.kc.sessions() as session:
            return await session.scalar(
                sa.select(sa.func.count())
                .select_from(SmsRow)
                .where(SmsRow.template == template, SmsRow.id > self.first_sms_id)
            )


@asynccontextmanager
async def processes(database_url: str, var: Path, **over: Any) -> AsyncIterator[Processes]:
    settings = Settings(
        _env_file=None,
        var_dir=var,
        database_url=database_url,
        hash_secret=secrets.token_hex(32),  # this test's own buckets and phone hashes
        temporal_address="127.0.0.1:1",  # no Temporal needed here
        sms_code_min_interval_seconds=0,
        **{**LIMITS, **over},
    )
    apps = [create_app(settings), create_app(settings)]
    async with AsyncExitStack() as stack:
        for app in apps:
            await stack.enter_async_context(app.router.lifespan_context(app))
        processes = Processes(apps, settings)
        await processes.start()
        yield processes


def refused_as(r: httpx.Response, code: str) -> bool:
    body = r.json()
    return (
        r.status_code == 429
        and body["code"] == code
        and any("\u4e00" <= ch <= "\u9fff" for ch in body["detail"])  # a reason in Chinese
        and int(r.headers["Retry-After"]) > 0
    )


@pytest.fixture
def var(tmp_path: Path) -> Path:
    return tmp_path


async def test_sms_codes_per_client_address_hold_across_processes(database_url: str, var: Path) -> None:
    async with processes(database_url, var) as p:
        phones = [f"1370100{i:04d}" for i in range(25)]  # 25 phones from one address, at once
        answers = await asyncio.gather(
            *(p.post("203.0.113.7", "/auth/sms-code", json={"phone": ph}) for ph in phones)
        )
        assert sorted(r.status_code for r in answers) == [200] * 3 + [429] * 22
        assert all(refused_as(r, "SMS_CODE_IP_LIMIT") for r in answers if r.status_code == 429)
        assert await p.texted("login_code") == 3  # nothing texted for a refused request
        # another address still gets its code
        r = await p.post("203.0.113.8", "/auth/sms-code", json={"phone": "13701009999"})
        assert r.status_code == 200, r.text


async def test_sms_codes_in_all(database_url: str, var: Path) -> None:
    async with processes(database_url, var, rate_sms_code_global="5/60") as p:
        answers = [
            await p.post(f"198.51.100.{i}", "/auth/sms-code", json={"phone": f"1370200{i:04d}"})
            for i in range(8)
        ]
        assert [r.status_code for r in answers] == [200] * 5 + [429] * 3
        assert all(refused_as(r, "SMS_CODE_BUSY") for r in answers[5:])


async def test_forwarded_for_is_believed_only_from_a_trusted_proxy(database_url: str, var: Path) -> None:
    async with processes(database_url, var, trusted_proxies="10.0.0.0/24") as p:
        # a client that forges a new X-Forwarded-For each time is still one address
        forged = [
            await p.post(
                "203.0.113.20",
                "/auth/sms-code",
                json={"phone": f"1370300{i:04d}"},
                headers={"X-Forwarded-For": f"192.0.2.{i}"},
            )
            for i in range(4)
        ]
        assert [r.status_code for r in forged] == [200, 200, 200, 429]
        # behind the trusted proxy each client is counted on its own (the proxy's own hop ignored)
        behind = [
            await p.post(
                "10.0.0.5",
                "/auth/sms-code",
                json={"phone": f"1370400{i:04d}"},
                headers={"X-Forwarded-For": f"192.0.2.{i}, 10.0.0.9"},
            )
            for i in range(6)
        ]
        assert all(r.status_code == 200 for r in behind), [r.text for r in behind]


async def test_dispatcher_links_per_phone_and_per_dispatcher(database_url: str, var: Path) -> None:
    async with processes(database_url, var) as p:

        def dispatcher(sub: str) -> dict[str, str]:
            token = issue_token(p.settings, Principal(role=ApiRole.DISPATCHER, sub=sub)).access_token
            return {"Authorization": f"Bearer {token}"}

        burst = await asyncio.gather(
            *(
                p.post(
                    "203.0.113.30",
                    "/dispatcher/links",
                    json={"phone": "13705000001"},
                    headers=dispatcher(f"d-{i}"),
                )
                for i in range(10)
            )
        )
        assert sorted(r.status_code for r in burst) == [201] * 2 + [429] * 8
        assert all(refused_as(r, "LINK_LIMIT") for r in burst if r.status_code == 429)
        assert await p.texted("alert_link") == 2
        one = [
            await p.post(
                "203.0.113.30",
                "/dispatcher/links",
                json={"phone": f"1370600{i:04d}"},
                headers=dispatcher("d-busy"),
            )
            for i in range(5)
        ]
        assert [r.status_code for r in one] == [201] * 4 + [429]


async def test_notice_verification_guesses_per_notice_and_per_address(database_url: str, var: Path) -> None:
    async with processes(database_url, var, rate_verify_per_ip="5/60") as p:
        guesses = [
            await p.get(f"203.0.113.{40 + i}", "/notices/LZ2026-000001/verify", params={"code": f"GUESS{i}"})
            for i in range(4)
        ]
        assert [r.status_code for r in guesses] == [200] * 3 + [429]
        assert refused_as(guesses[-1], "VERIFY_LIMIT")
        per_address = [
            await p.get("203.0.113.60", f"/notices/LZ2026-00010{i}/verify", params={"code": "X"})
            for i in range(6)
        ]
        assert [r.status_code for r in per_address] == [200] * 5 + [429]
