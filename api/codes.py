"""One-time secrets texted to citizens: SMS login codes and the 110 path's alert links.

Both live in the ``auth_codes`` table, stored only as an HMAC (key KUAICHU_JWT_SECRET), with an
expiry, an attempt counter and a used-at time (single use). Both are texted through
``adapters.sms.SmsSender`` - the workflow's own SMS path (outbox row first, one
message per idempotency key, the configured provider) - so there is one SMS mechanism only.

Rate limits (login codes, per phone): one code per KUAICHU_SMS_CODE_MIN_INTERVAL_SECONDS and at
most KUAICHU_SMS_CODE_MAX_PER_HOUR an hour; 5 wrong attempts spend a code."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import secrets
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from adapters.errors import PermanentFailure
from api.errors import ApiProblem
from db import repository
from db.api_models import AuthCodeRow
from db.session import write_session
from domain import activity_contracts as act
from domain import refusals as R

log = logging.getLogger("kuaichu.api.codes")

LOGIN = "sms_login"
LINK = "link_110"
MAX_ATTEMPTS = 5
SEND_ATTEMPTS = 4


def _now() -> datetime:
    return datetime.now(UTC)


def _digest(kc, value: str) -> str:
    return hmac.new(kc.settings.jwt_secret.encode(), value.encode(), hashlib.sha256).hexdigest()


async def _send(kc, key: str, mobile: str, template: str, params: dict[str, str]) -> None:
    """Through SmsSender: idempotent per key, so a retry never texts twice. Retried
    here a few times (as Temporal retries the workflow's sends): a busy SQLite, a provider hiccup."""
    request = act.SmsRequest(
        idempotency_key=key, case_number="", party_id="", phone=mobile, template=template, params=params
    )
    for attempt in range(SEND_ATTEMPTS):
        try:
            await kc.sms.send(request)
            return
        except PermanentFailure as err:  # refused for good (template, rejected number)
            log.warning("sms %s refused: %s", template, err.code)
            raise ApiProblem(R.SMS_UNAVAILABLE) from err
        except Exception as err:
            log.warning("sms %s attempt %d failed: %s", template, attempt + 1, type(err).__name__)
            if attempt + 1 == SEND_ATTEMPTS:
                raise ApiProblem(R.SMS_UNAVAILABLE) from err
            await asyncio.sleep(0.2 * 2**attempt)


# --------------------------------------------------------------------------- login codes


async def issue_login_code(kc, mobile: str, code: str) -> None:
    s = kc.settings
    now = _now()
    ph = repository.phone_hash(mobile, s.hash_secret)
    async with write_session(kc.sessions) as session:
        await _check_rate(session, s, ph, now)
        row = AuthCodeRow(
            purpose=LOGIN,
            phone_hash=ph,
            phone="",
            code_hash=_digest(kc, f"{ph}:{code}"),
            expires_at=now + timedelta(seconds=s.sms_code_ttl_seconds),
            attempts=0,
            created_at=now,
        )
        session.add(row)
        await session.flush()
        row_id = row.id
    minutes = str(max(1, s.sms_code_ttl_seconds // 60))
    await _send(kc, f"login/{row_id}", mobile, act.SmsTemplate.LOGIN_CODE, {"code": code, "minutes": minutes})


async def _check_rate(session, s, ph: str, now: datetime) -> None:
    """429 when the phone asked less than the minimum interval ago, or too often this hour."""
    recent = (
        await session.scalars(
            sa.select(AuthCodeRow.created_at)
            .where(
                AuthCodeRow.purpose == LOGIN,
                AuthCodeRow.phone_hash == ph,
                AuthCodeRow.created_at >= now - timedelta(hours=1),
            )
            .order_by(AuthCodeRow.created_at.desc())
        )
    ).all()
    if not recent:
        return
    wait = s.sms_code_min_interval_seconds - (now - recent[0]).total_seconds()
    if wait > 0:
        raise ApiProblem(R.SMS_CODE_TOO_SOON, headers={"Retry-After": str(int(wait) + 1)})
    if len(recent) >= s.sms_code_max_per_hour:
        raise ApiProblem(R.SMS_CODE_LIMIT, headers={"Retry-After": "3600"})


async def redeem_login_code(kc, mobile: str, code: str) -> bool:
    now = _now()
    ph = repository.phone_hash(mobile, kc.settings.hash_secret)
    async with write_session(kc.sessions) as session:
        row = (
            await session.scalars(
                sa.select(AuthCodeRow)
                .where(
                    AuthCodeRow.purpose == LOGIN,
                    AuthCodeRow.phone_hash == ph,
                    AuthCodeRow.used_at.is_(None),
                    AuthCodeRow.expires_at > now,
                )
                .order_by(AuthCodeRow.created_at.desc())
                .limit(1)
            )
        ).first()
        if row is None:
            return False
        # count the attempt atomically before comparing: parallel guesses cannot outrun the limit
        table = AuthCodeRow.__table__
        counted = await session.execute(
            sa.update(table)
            .where(table.c.id == row.id, table.c.attempts < MAX_ATTEMPTS, table.c.used_at.is_(None))
            .values(attempts=table.c.attempts + 1)
            .returning(table.c.id)
        )
        if counted.first() is None or not hmac.compare_digest(row.code_hash, _digest(kc, f"{ph}:{code}")):
            return False
        spent = await session.execute(  # single use, even for two right guesses at once
            sa.update(table)
            .where(table.c.id == row.id, table.c.used_at.is_(None))
            .values(used_at=now)
            .returning(table.c.id)
        )
        return spent.first() is not None


# --------------------------------------------------------------------------- 110 links


async def issue_link(kc, mobile: str) -> datetime:
    """Create a one-time alert link for a caller's phone and text it. Returns its expiry."""
    s = kc.settings
    now = _now()
    token = secrets.token_urlsafe(24)
    digest = _digest(kc, f"link:{token}")
    expires = now + timedelta(seconds=s.link_token_ttl_seconds)
    async with kc.sessions.begin() as session:
        session.add(
            AuthCodeRow(
                purpose=LINK,
                phone_hash=repository.phone_hash(mobile, s.hash_secret),
                phone=mobile,
                code_hash=digest,
                expires_at=expires,
                attempts=0,
                created_at=now,
            )
        )
    url = f"{s.public_base_url.rstrip('/')}/h5/alert?t={token}"
    minutes = str(max(1, s.link_token_ttl_seconds // 60))
    await _send(
        kc, f"link/{digest[:32]}", mobile, act.SmsTemplate.ALERT_LINK, {"url": url, "minutes": minutes}
    )
    return expires


async def peek_link(kc, token: str) -> str | None:
    """The phone of a valid (unused, unexpired) link token, without using it."""
    async with kc.sessions() as session:
        row = (
            await session.scalars(
                sa.select(AuthCodeRow).where(
                    AuthCodeRow.purpose == LINK,
                    AuthCodeRow.code_hash == _digest(kc, f"link:{token}"),
                    AuthCodeRow.used_at.is_(None),
                    AuthCodeRow.expires_at > _now(),
                )
            )
        ).first()
        return row.phone if row is not None else None


async def use_link(kc, token: str) -> bool:
    """Spend the link (atomic: of two concurrent alerts with one link, one wins)."""
    async with kc.sessions.begin() as session:
        result = await session.execute(
            sa.update(AuthCodeRow)
            .where(
                AuthCodeRow.purpose == LINK,
                AuthCodeRow.code_hash == _digest(kc, f"link:{token}"),
                AuthCodeRow.used_at.is_(None),
                AuthCodeRow.expires_at > _now(),
            )
            .values(used_at=_now())
        )
        return (result.rowcount or 0) == 1


async def release_link(kc, token: str) -> None:
    """The case could not be started after all (Temporal down): the link may be used again."""
    async with kc.sessions.begin() as session:
        await session.execute(
            sa.update(AuthCodeRow)
            .where(AuthCodeRow.purpose == LINK, AuthCodeRow.code_hash == _digest(kc, f"link:{token}"))
            .values(used_at=None)
        )
