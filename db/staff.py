"""Staff accounts and their login audit (tables: db/models.py, revision 0007).

Storage only: the password hash and the encrypted TOTP secret are made by the API
(api/staff_credentials.py); the lock-out rule lives with the login (api/staff_login.py)."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import StaffAccountRow, StaffLoginAuditRow, utcnow


class StaffExists(Exception):
    """An account with this staff id exists already."""


def client_hash(address: str, secret: str) -> str:
    """The client's address as the audit keeps it: 16 hex of an HMAC (the same client gives
    the same value, so repeated attempts from one place show; the address itself is not kept)."""
    return hmac.new(secret.encode(), address.encode(), hashlib.sha256).hexdigest()[:16]


async def get_account(
    session: AsyncSession, staff_id: str, *, for_update: bool = False
) -> StaffAccountRow | None:
    stmt = sa.select(StaffAccountRow).where(StaffAccountRow.staff_id == staff_id)
    if for_update:  # concurrent attempts on one account count one after the other (PostgreSQL)
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def list_accounts(session: AsyncSession) -> Sequence[StaffAccountRow]:
    return (
        (await session.execute(sa.select(StaffAccountRow).order_by(StaffAccountRow.staff_id))).scalars().all()
    )


async def create_account(
    session: AsyncSession,
    *,
    staff_id: str,
    display_name: str,
    roles: list[str],
    district: str,
    password_hash: str,
    totp_secret_enc: str | None = None,
) -> StaffAccountRow:
    if await get_account(session, staff_id) is not None:
        raise StaffExists(staff_id)
    row = StaffAccountRow(
        staff_id=staff_id,
        display_name=display_name,
        roles=list(roles),
        district=district,
        password_hash=password_hash,
        totp_secret_enc=totp_secret_enc,
        failed_attempts=0,
        disabled=False,
    )
    session.add(row)
    try:
        await session.flush()
    except sa.exc.IntegrityError as err:  # the same id created at the same moment
        raise StaffExists(staff_id) from err
    return row


async def record_attempt(
    session: AsyncSession,
    *,
    staff_id: str,
    method: str,
    outcome: str,
    client: str,
    actor: str = "",
    at: datetime | None = None,
) -> None:
    """A login attempt (method password | oidc), or an admin's change (method admin, ``actor``)."""
    session.add(
        StaffLoginAuditRow(
            staff_id=staff_id,
            method=method,
            outcome=outcome,
            client_hash=client,
            actor=actor,
            at=at or utcnow(),
        )
    )


async def list_attempts(
    session: AsyncSession, staff_id: str | None = None, limit: int = 100
) -> Sequence[StaffLoginAuditRow]:
    stmt = sa.select(StaffLoginAuditRow).order_by(StaffLoginAuditRow.id.desc()).limit(limit)
    if staff_id is not None:
        stmt = stmt.where(StaffLoginAuditRow.staff_id == staff_id)
    return (await session.execute(stmt)).scalars().all()
