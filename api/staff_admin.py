"""Staff accounts, managed by an admin (``/admin/staff``), and the CLI that makes the first admin.

    POST /admin/staff                      create (password set by the admin; no TOTP yet)
    GET  /admin/staff                      list (no hashes, no secrets)
    POST /admin/staff/{id}/totp            enrol (or re-enrol) the TOTP: the otpauth URI, shown once
    POST /admin/staff/{id}/password        reset the password (and lift a lock-out)
    POST /admin/staff/{id}/disable|enable
    GET  /admin/staff/audit?staff_id=      the login attempts, newest first

The first admin (no admin can log in before one exists)::

    python -m api.staff_admin create-admin --staff-id admin-1 --name 管理员 --district '*'

reads the password twice from the terminal (or KUAICHU_BOOTSTRAP_PASSWORD), creates the account
with the admin role and prints the otpauth URI for the authenticator app."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys
import unicodedata
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from api import staff_credentials as cred
from api.auth import ALL_DISTRICTS, AdminP, ApiRole, Principal, staff_id_of
from api.deps import AppState, State
from api.errors import ApiProblem, problem_responses
from db import staff as store
from db.models import StaffAccountRow
from domain import refusals as R
from domain.geo import PilotArea
from domain.models import StaffId
from settings import Settings

router = APIRouter(prefix="/admin/staff", tags=["admin"])
ERRORS = problem_responses(401, 403, 404, 409, 422)
STAFF_ROLES = tuple(r for r in ApiRole if r != ApiRole.CITIZEN)

Password = Annotated[str, Field(max_length=128, repr=False)]
DisplayName = Annotated[str, Field(min_length=1, max_length=64)]
District = Annotated[str, Field(max_length=64, description="e.g. 江阳区; * = every district")]


class StaffPasswordIn(BaseModel):
    password: Password


class StaffAccountIn(StaffPasswordIn):
    staff_id: StaffId
    display_name: DisplayName
    roles: list[ApiRole] = Field(min_length=1, max_length=len(STAFF_ROLES))
    district: District


class StaffOut(BaseModel):
    staff_id: str
    display_name: str
    roles: list[str]
    district: str
    totp_enrolled: bool
    disabled: bool
    locked_until: datetime | None = None
    failed_attempts: int = 0

    @classmethod
    def of(cls, row: StaffAccountRow) -> StaffOut:
        return cls(
            staff_id=row.staff_id,
            display_name=row.display_name,
            roles=list(row.roles),
            district=row.district,
            totp_enrolled=row.totp_secret_enc is not None,
            disabled=row.disabled,
            locked_until=row.locked_until,
            failed_attempts=row.failed_attempts,
        )


class TotpEnrolmentOut(BaseModel):
    staff_id: str
    otpauth_uri: str  # shown once: the QR code for the authenticator app
    secret: str  # the same, for typing in by hand


class LoginAttemptOut(BaseModel):
    staff_id: str
    method: str  # password | oidc | admin (an admin's change to the account)
    outcome: str
    client_hash: str
    actor: str = ""  # admin changes: the admin
    at: datetime


def known_districts(settings: Settings) -> set[str]:
    """The districts of the pilot area (where cases get theirs from), and * for all of them."""
    return {f.district for f in PilotArea.load(settings.pilot_area_file).features} | {ALL_DISTRICTS}


def checked_account(body: StaffAccountIn, settings: Settings) -> StaffAccountIn:
    """The account as it may be stored, or the refusal: id, roles, district, password."""
    staff_id = staff_id_of(body.staff_id)
    name = body.display_name.strip()
    if not name or any(unicodedata.category(c)[0] == "C" for c in name):
        raise ApiProblem(R.INVALID_CHARACTERS, "姓名不能为空，也不能包含控制字符")
    if ApiRole.CITIZEN in body.roles:
        raise ApiProblem(R.INVALID_STAFF_ROLES)
    if body.district.strip() not in known_districts(settings):
        raise ApiProblem(R.INVALID_DISTRICT, f"辖区只能是：{'、'.join(sorted(known_districts(settings)))}")
    _check_password(body.password, settings)
    return body.model_copy(
        update={"staff_id": staff_id, "display_name": name, "district": body.district.strip()}
    )


def _check_password(password: str, settings: Settings) -> None:
    problem = cred.password_problem(password, settings.staff_password_min_length)
    if problem is not None:
        raise ApiProblem(R.WEAK_PASSWORD, problem.reason)


async def create_account(session: AsyncSession, body: StaffAccountIn, settings: Settings) -> StaffAccountRow:
    body = checked_account(body, settings)
    try:
        return await store.create_account(
            session,
            staff_id=body.staff_id,
            display_name=body.display_name,
            roles=sorted({r.value for r in body.roles}),
            district=body.district,
            password_hash=await asyncio.to_thread(cred.hash_password, body.password),
        )
    except store.StaffExists as err:
        raise ApiProblem(R.STAFF_EXISTS) from err


def enrol_totp(row: StaffAccountRow, settings: Settings) -> TotpEnrolmentOut:
    """A new TOTP secret replaces the old one (a lost phone): codes of the old one stop working."""
    secret = cred.new_totp_secret()
    row.totp_secret_enc = cred.encrypt_secret(settings.staff_totp_key, secret)
    row.totp_last_step = None
    return TotpEnrolmentOut(
        staff_id=row.staff_id, otpauth_uri=cred.otpauth_uri(secret, row.staff_id), secret=secret
    )


async def _account(session: AsyncSession, staff_id: str) -> StaffAccountRow:
    row = await store.get_account(session, staff_id_of(staff_id), for_update=True)
    if row is None:
        raise ApiProblem(R.STAFF_NOT_FOUND)
    return row


@router.post("", status_code=201, responses=ERRORS)
async def create_staff(body: StaffAccountIn, kc: State, principal: AdminP) -> StaffOut:
    async with kc.sessions.begin() as session:
        row = await create_account(session, body, kc.settings)
        await _audit(session, row.staff_id, "create", principal)
        return StaffOut.of(row)


@router.get("", responses=problem_responses(401, 403))
async def list_staff(kc: State, principal: AdminP) -> list[StaffOut]:
    async with kc.sessions() as session:
        return [StaffOut.of(r) for r in await store.list_accounts(session)]


@router.get("/audit", responses=problem_responses(401, 403, 422))
async def login_audit(
    kc: State,
    principal: AdminP,
    staff_id: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[LoginAttemptOut]:
    async with kc.sessions() as session:
        rows = await store.list_attempts(session, staff_id, limit)
    return [LoginAttemptOut.model_validate(r, from_attributes=True) for r in rows]


@router.post("/{staff_id}/totp", responses=ERRORS)
async def enrol(staff_id: str, kc: State, principal: AdminP) -> TotpEnrolmentOut:
    async with kc.sessions.begin() as session:
        row = await _account(session, staff_id)
        await _audit(session, row.staff_id, "enrol_totp", principal)
        return enrol_totp(row, kc.settings)


@router.post("/{staff_id}/password", responses=ERRORS)
async def reset_password(staff_id: str, body: StaffPasswordIn, kc: State, principal: AdminP) -> StaffOut:
    _check_password(body.password, kc.settings)
    password_hash = await asyncio.to_thread(cred.hash_password, body.password)
    async with kc.sessions.begin() as session:
        row = await _account(session, staff_id)
        row.password_hash = password_hash
        row.failed_attempts, row.locked_until = 0, None
        await _audit(session, row.staff_id, "reset_password", principal)
        return StaffOut.of(row)


async def _set_disabled(kc: AppState, staff_id: str, disabled: bool, admin: Principal) -> StaffOut:
    async with kc.sessions.begin() as session:
        row = await _account(session, staff_id)
        row.disabled = disabled
        await _audit(session, row.staff_id, "disable" if disabled else "enable", admin)
        return StaffOut.of(row)


async def _audit(session: AsyncSession, staff_id: str, change: str, admin: Principal) -> None:
    """An admin's change to an account, in the same transaction as the change."""
    await store.record_attempt(
        session, staff_id=staff_id, method="admin", outcome=change, client="", actor=admin.sub
    )


@router.post("/{staff_id}/disable", responses=ERRORS)
async def disable(staff_id: str, kc: State, principal: AdminP) -> StaffOut:
    """No more logins (tokens already issued run out within KUAICHU_JWT_TTL_SECONDS)."""
    return await _set_disabled(kc, staff_id, True, principal)


@router.post("/{staff_id}/enable", responses=ERRORS)
async def enable(staff_id: str, kc: State, principal: AdminP) -> StaffOut:
    return await _set_disabled(kc, staff_id, False, principal)


# --------------------------------------------------------------------------- the CLI


async def bootstrap_admin(
    settings: Settings, staff_id: str, name: str, district: str, password: str
) -> TotpEnrolmentOut:
    """The first admin: the schema brought to head, the account made and its TOTP enrolled."""
    from db.session import ensure_schema, make_engine, make_sessionmaker

    await ensure_schema(settings.effective_database_url)
    engine = make_engine(settings.effective_database_url)
    try:
        body = StaffAccountIn(
            staff_id=staff_id, display_name=name, roles=[ApiRole.ADMIN], district=district, password=password
        )
        async with make_sessionmaker(engine).begin() as session:
            return enrol_totp(await create_account(session, body, settings), settings)
    finally:
        await engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m api.staff_admin")
    sub = parser.add_subparsers(dest="command", required=True)
    create = sub.add_parser("create-admin", help="create an admin account and enrol its TOTP")
    create.add_argument("--staff-id", required=True)
    create.add_argument("--name", required=True, help="display name")
    create.add_argument("--district", default=ALL_DISTRICTS)
    args = parser.parse_args(argv)
    from settings import get_settings

    password = os.environ.get("KUAICHU_BOOTSTRAP_PASSWORD") or getpass.getpass("password: ")
    if "KUAICHU_BOOTSTRAP_PASSWORD" not in os.environ and getpass.getpass("again: ") != password:
        print("the passwords differ", file=sys.stderr)
        return 2
    try:
        out = asyncio.run(bootstrap_admin(get_settings(), args.staff_id, args.name, args.district, password))
    except ApiProblem as problem:
        print(f"{problem.code}: {problem.detail}", file=sys.stderr)
        return 1
    print(f"admin {out.staff_id} created; add this to the authenticator app (shown once):")
    print(out.otpauth_uri)
    return 0


if __name__ == "__main__":
    sys.exit(main())
