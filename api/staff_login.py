"""Staff login with a password and a TOTP code: ``POST /auth/staff/login``.

The account is made by an admin (api/staff_admin.py). An attempt is refused with one answer for
an unknown id, a wrong password and a wrong code (STAFF_LOGIN_FAILED: nothing tells which), and
every attempt leaves an audit row (db/staff.py) whatever its outcome. After
KUAICHU_STAFF_MAX_FAILED_LOGINS failures in a row the account is locked for
KUAICHU_STAFF_LOCKOUT_MINUTES: while locked, no password is even checked. The audit row and the
failure count are committed before the refusal is answered.

Besides the account's lock-out, one client address may try at most KUAICHU_RATE_STAFF_LOGIN_PER_IP
logins (password and OIDC together; api/rate_limits.py's sliding window): beyond, 429 with
Retry-After and an audit row ``ip_limited``, nothing checked.

The token carries every role of the account (``roles``), the console's as ``role`` (the first
of the account's when the console names none) and the account's token version (``sv``)."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from api import staff_credentials as cred
from api.auth import ApiRole, Principal, TokenOut, issue_token, staff_id_of
from api.deps import AppState, State, utcnow
from api.errors import ApiProblem, problem_responses
from db import staff as store
from db.models import StaffAccountRow
from domain import refusals as R
from domain.models import StaffId

router = APIRouter(prefix="/auth/staff", tags=["auth"])

Password = Annotated[str, Field(min_length=1, max_length=128, repr=False)]
TotpCode = Annotated[
    str, Field(max_length=12, repr=False, description="the 6 digits of the authenticator app")
]


class StaffLoginIn(BaseModel):
    staff_id: StaffId
    password: Password
    totp: TotpCode
    role: ApiRole | None = Field(
        default=None, description="the console's role, when the account has several (default: its first)"
    )


def client_of(kc: AppState, request: Request) -> str:
    from api.rate_limits import client_ip

    return store.client_hash(client_ip(request, kc.settings), kc.settings.hash_secret)


async def staff_login_limit(kc: AppState, request: Request, staff_id: str, method: str) -> None:
    """The per-client-address limit of staff logins (429), its refusal audited."""
    from api.rate_limits import staff_login_limits

    try:
        await staff_login_limits(request, kc)
    except ApiProblem:
        async with kc.sessions.begin() as session:
            await store.record_attempt(
                session, staff_id=staff_id, method=method, outcome="ip_limited", client=client_of(kc, request)
            )
        raise


@router.post("/login", responses=problem_responses(401, 403, 409, 422, 429))
async def staff_login(body: StaffLoginIn, request: Request, kc: State) -> TokenOut:
    """Staff id + password + TOTP code → a staff token (its role and district)."""
    staff_id = staff_id_of(body.staff_id)
    await staff_login_limit(kc, request, staff_id, "password")
    _, principal, refusal = await _attempt(kc, staff_id, body, client_of(kc, request))
    if principal is None:
        raise ApiProblem(refusal or R.STAFF_LOGIN_FAILED)
    return issue_token(kc.settings, principal)


async def _attempt(
    kc: AppState, staff_id: str, body: StaffLoginIn, client: str
) -> tuple[str, Principal | None, R.RefusalCode | None]:
    """(outcome, principal or None, refusal): one transaction, audit row included."""
    now = utcnow()
    async with kc.sessions.begin() as session:
        account = await store.get_account(session, staff_id, for_update=True)
        locked = account is not None and account.locked_until is not None and account.locked_until > now
        # argon2 takes ~0.1 s of CPU: off the event loop (and not at all while locked)
        password_ok = not locked and await asyncio.to_thread(
            cred.verify_password, account.password_hash if account else None, body.password
        )
        outcome, principal, refusal = _check(kc, account, body, password_ok, now)
        await store.record_attempt(
            session, staff_id=staff_id, method="password", outcome=outcome, client=client, at=now
        )
    return outcome, principal, refusal


def _check(
    kc: AppState, account: StaffAccountRow | None, body: StaffLoginIn, password_ok: bool, now: datetime
) -> tuple[str, Principal | None, R.RefusalCode | None]:
    s = kc.settings
    if account is not None and account.locked_until is not None and account.locked_until > now:
        return "locked", None, R.STAFF_LOCKED
    if account is None:
        return "unknown_id", None, R.STAFF_LOGIN_FAILED
    if account.disabled:
        return "disabled", None, R.STAFF_LOGIN_FAILED
    if not password_ok:
        return _failure(account, "bad_password", now, s.staff_max_failed_logins, s.staff_lockout_minutes)
    secret = (
        cred.decrypt_secret(s.staff_totp_key, account.totp_secret_enc) if account.totp_secret_enc else None
    )
    if secret is None:
        return "not_enrolled", None, R.STAFF_NOT_ENROLLED
    step = cred.totp_step(secret, body.totp, account.totp_last_step)
    if step is None:
        return _failure(account, "bad_totp", now, s.staff_max_failed_logins, s.staff_lockout_minutes)
    roles = [ApiRole(r) for r in account.roles]
    role = body.role or (roles[0] if roles else None)
    if role is None or role not in roles:
        return "role_not_granted", None, R.STAFF_ROLE_NOT_GRANTED
    account.failed_attempts, account.locked_until, account.totp_last_step = 0, None, step
    return "ok", account_principal(account, role), None


def account_principal(account: StaffAccountRow, role: ApiRole) -> Principal:
    """The principal of an account's token: all its roles, its district, its token version."""
    return Principal(
        role=role,
        sub=account.staff_id,
        district=account.district,
        roles=tuple(ApiRole(r) for r in account.roles),
        sv=account.token_version or 0,
    )


def _failure(
    account: StaffAccountRow, outcome: str, now: datetime, max_failed: int, lock_minutes: int
) -> tuple[str, Principal | None, R.RefusalCode | None]:
    account.failed_attempts += 1
    if account.failed_attempts >= max_failed:
        account.failed_attempts, account.locked_until = 0, now + timedelta(minutes=lock_minutes)
        return outcome + "+locked", None, R.STAFF_LOCKED
    return outcome, None, R.STAFF_LOGIN_FAILED
