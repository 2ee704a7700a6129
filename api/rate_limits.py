"""Sliding-window rate limits, shared by every API process: each counted request is a row of
``rate_limit_hits`` (db/api_models.py), and a limit of N per W seconds refuses (429, a Chinese
reason, ``Retry-After``) while N rows of its bucket are younger than W. The check and the new
row are one transaction, serialised per bucket (SQLite: BEGIN IMMEDIATE; PostgreSQL: an
advisory lock per bucket), so that concurrent requests on several processes cannot outrun it.

Applied as FastAPI dependencies (``Depends(...)`` on the route): SMS login codes per client
address and in all (per phone: api/codes.py, over the codes it issued), 110 links per phone and
per dispatcher, notice verifications per client address and per notice number, staff logins
(password and OIDC) per client address (called by api/staff_login.py, which audits a refusal). Limits come from
settings.py (``KUAICHU_RATE_*`` = "<count>/<seconds>", 0 switches one off). Buckets hold an HMAC
of whom they count, never a phone or an address in clear.

The client address is the TCP peer; behind a reverse proxy listed in KUAICHU_TRUSTED_PROXIES it
is the rightmost X-Forwarded-For entry that is not itself a trusted proxy (the entries left of
it are whatever the client chose to send)."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Annotated

import sqlalchemy as sa
from fastapi import Depends, Path, Request

from api.auth import DispatcherP
from api.deps import State
from api.errors import ApiProblem
from db.api_models import RateLimitHitRow
from db.session import write_session
from domain import refusals as R
from domain.refusals import RefusalCode
from domain.validators import normalize_mobile, validate_mobile
from settings import Settings


@dataclass(frozen=True)
class Limit:
    """At most `count` requests in any `window`, per bucket; refused with `code`."""

    name: str
    count: int
    window: timedelta
    code: RefusalCode

    @classmethod
    def parse(cls, name: str, spec: str, code: RefusalCode) -> Limit:
        count, seconds = spec.split("/")
        return cls(name, int(count), timedelta(seconds=int(seconds)), code)


@dataclass(frozen=True)
class Hit:
    """One limit applied to one subject (an address, a phone, a dispatcher, a notice, or all)."""

    limit: Limit
    bucket: str


def _digest(settings: Settings, subject: str) -> str:
    return hmac.new(settings.hash_secret.encode(), subject.encode(), hashlib.sha256).hexdigest()[:32]


def hit(settings: Settings, limit: Limit, subject: str = "*") -> Hit:
    return Hit(limit, f"{limit.name}:{_digest(settings, subject)}")


def _lock_key(bucket: str) -> int:
    return int.from_bytes(hashlib.sha256(bucket.encode()).digest()[:8], "big", signed=True)


async def check(kc, hits: list[Hit], now: datetime | None = None) -> None:
    """Count this request in every bucket, or refuse (429) without counting it in any."""
    hits = [h for h in hits if h.limit.count > 0]
    if not hits:
        return
    now = now or datetime.now(UTC)
    table = RateLimitHitRow.__table__
    async with write_session(kc.sessions) as session:
        if session.bind.dialect.name == "postgresql":
            for key in sorted({_lock_key(h.bucket) for h in hits}):  # one order: no deadlock
                await session.execute(sa.select(sa.func.pg_advisory_xact_lock(key)))
        for h in hits:
            since = now - h.limit.window
            await session.execute(sa.delete(table).where(table.c.bucket == h.bucket, table.c.at <= since))
            counted = sa.select(sa.func.count(), sa.func.min(table.c.at))  # min keeps the UTC type
            count, oldest = (await session.execute(counted.where(table.c.bucket == h.bucket))).one()
            if count >= h.limit.count:
                wait = (oldest + h.limit.window - now).total_seconds() if oldest else 1
                raise ApiProblem(h.limit.code, headers={"Retry-After": str(max(1, math.ceil(wait)))})
        await session.execute(sa.insert(table), [{"bucket": h.bucket, "at": now} for h in hits])


# --------------------------------------------------------------------------- the client address


@lru_cache(maxsize=16)
def _trusted(spec: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(p.strip(), strict=False) for p in spec.split(",") if p.strip())


def _is_trusted(address: str, spec: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in _trusted(spec))


def client_ip(request: Request, settings: Settings) -> str:
    """The client's address: the peer, unless the peer is a trusted proxy (then X-Forwarded-For)."""
    peer = request.client.host if request.client else ""
    spec = settings.trusted_proxies
    if not spec or not _is_trusted(peer, spec):
        return peer
    forwarded = [a.strip() for a in ",".join(request.headers.getlist("x-forwarded-for")).split(",")]
    for address in reversed([a for a in forwarded if a]):
        if not _is_trusted(address, spec):
            return address
    return peer


# --------------------------------------------------------------------------- the routes' limits


async def _body_phone(request: Request) -> str | None:
    """The body's `phone`, normalised, when it is a valid mobile (else the route answers 422)."""
    try:
        phone = json.loads(await request.body()).get("phone")
    except (ValueError, AttributeError, RecursionError):
        return None
    if not isinstance(phone, str) or validate_mobile(phone) is not None:
        return None
    return normalize_mobile(phone)


async def sms_code_limits(request: Request, kc: State) -> None:
    s = kc.settings
    await check(
        kc,
        [
            hit(s, Limit.parse("sms_ip", s.rate_sms_code_per_ip, R.SMS_CODE_IP_LIMIT), client_ip(request, s)),
            hit(s, Limit.parse("sms_all", s.rate_sms_code_global, R.SMS_CODE_BUSY)),
        ],
    )


async def link_limits(request: Request, kc: State, principal: DispatcherP) -> None:
    s = kc.settings
    hits = [hit(s, Limit.parse("link_staff", s.rate_link_per_dispatcher, R.LINK_LIMIT), principal.sub)]
    phone = await _body_phone(request)
    if phone is not None:
        hits.append(hit(s, Limit.parse("link_phone", s.rate_link_per_phone, R.LINK_LIMIT), phone))
    await check(kc, hits)


async def verify_limits(
    request: Request, kc: State, notice_number: Annotated[str, Path(max_length=40)]
) -> None:
    s = kc.settings
    await check(
        kc,
        [
            hit(s, Limit.parse("verify_ip", s.rate_verify_per_ip, R.VERIFY_LIMIT), client_ip(request, s)),
            hit(s, Limit.parse("verify_no", s.rate_verify_per_notice, R.VERIFY_LIMIT), notice_number),
        ],
    )


async def staff_login_limits(request: Request, kc: State) -> None:
    """Staff login attempts (password, OIDC) from one client address (api/staff_login.py audits)."""
    s = kc.settings
    limit = Limit.parse("staff_login_ip", s.rate_staff_login_per_ip, R.STAFF_LOGIN_IP_LIMIT)
    await check(kc, [hit(s, limit, client_ip(request, s))])


SmsCodeLimits = Depends(sms_code_limits)
LinkLimits = Depends(link_limits)
VerifyLimits = Depends(verify_limits)
