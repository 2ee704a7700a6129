"""Staff accounts, managed by an admin (``/admin/staff``), and the CLI that makes the first admin.

    POST /admin/staff                      create (password set by the admin; no TOTP yet)
    GET  /admin/staff                      list (no hashes, no secrets)
    POST /admin/staff/{id}/totp            enrol (or re-enrol) the TOTP: the otpauth URI, shown once
    POST /admin/staff/{id}/password        reset the password (and lift a lock-out)
    PATCH /admin/staff/{id}                change the name, the roles (several), the district
    POST /admin/staff/{id}/disable|enable
    POST /admin/staff/{id}/revoke-sessions log out everywhere: every token of the account ends
    DELETE /admin/staff/{id}               delete the account (its audit stays)
    GET  /admin/staff/audit?staff_id=      the login attempts, newest first

Disabling, deleting, a change of roles or district, a password reset, a TOTP re-enrolment and
"revoke sessions" end the account's tokens at once (api/staff_sessions.py: its token version).

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
from api import staff_sessions
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


class StaffChangeIn(BaseModel):
    """What an admin changes of an account; a field left out stays as it is."""

    display_name: DisplayName | None = None
    roles: list[ApiRole] | None = Field(default=None, min_length=1, max_length=len(STAFF_ROLES))
    district: District | None = None


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
    name = _checked_name(body.display_name)
    _check_roles(body.roles)
    district = _checked_district(body.district, settings)
    _check_password(body.password, settings)
    return body.model_copy(update={"staff_id": staff_id, "display_name": name, "district": district})


def _checked_name(value: str) -> str:
    name = value.strip()
    if not name or any(unicodedata.category(c)[0] == "C" for c in name):
        raise ApiProblem(R.INVALID_CHARACTERS, "姓名不能为空，也不能包含控制字符")
    return name


def _check_roles(roles: list[ApiRole]) -> None:
    if ApiRole.CITIZEN in roles:
        raise ApiProblem(R.INVALID_STAFF_ROLES)


def _checked_district(value: str, settings: Settings) -> str:
    if value.strip() not in known_districts(settings):
        raise ApiProblem(R.INVALID_DISTRICT, f"辖区只能是：{'、'.join(sorted(known_districts(settings)))}")
    return value.strip()


def stored_roles(roles: list[ApiRole]) -> list[str]:
    """The account's roles as stored: each once, in the order of ApiRole."""
    return [r.value for r in ApiRole if r in roles]


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
            roles=stored_roles(body.roles),
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
    staff_sessions.revoke(row)  # the old phone's sessions end with it
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
        out = enrol_totp(row, kc.settings)
    staff_sessions.forget(kc, out.staff_id)
    return out


@router.post("/{staff_id}/password", responses=ERRORS)
async def reset_password(staff_id: str, body: StaffPasswordIn, kc: State, principal: AdminP) -> StaffOut:
    _check_password(body.password, kc.settings)
    password_hash = await asyncio.to_thread(cred.hash_password, body.password)
    async with kc.sessions.begin() as session:
        row = await _account(session, staff_id)
        row.password_hash = password_hash
        row.failed_attempts, row.locked_until = 0, None
        staff_sessions.revoke(row)
        await _audit(session, row.staff_id, "reset_password", principal)
        out = StaffOut.of(row)
    staff_sessions.forget(kc, out.staff_id)
    return out


@router.patch("/{staff_id}", responses=ERRORS)
async def change_staff(staff_id: str, body: StaffChangeIn, kc: State, principal: AdminP) -> StaffOut:
    """The name, the roles (one or several) or the district; a change of roles or district ends
    the account's tokens (a token carries both)."""
    name = None if body.display_name is None else _checked_name(body.display_name)
    district = None if body.district is None else _checked_district(body.district, kc.settings)
    roles = None if body.roles is None else stored_roles(body.roles)
    if body.roles is not None:
        _check_roles(body.roles)
    async with kc.sessions.begin() as session:
        row = await _account(session, staff_id)
        changes = []
        if name is not None and name != row.display_name:
            row.display_name = name
            changes.append("name")
        if roles is not None and roles != list(row.roles):
            row.roles = roles
            changes.append("roles")
        if district is not None and district != row.district:
            row.district = district
            changes.append("district")
        if {"roles", "district"} & set(changes):
            staff_sessions.revoke(row)
        if changes:
            await _audit(session, row.staff_id, "change:" + ",".join(changes), principal)
        out = StaffOut.of(row)
    staff_sessions.forget(kc, out.staff_id)
    return out


@router.post("/{staff_id}/revoke-sessions", responses=ERRORS)
async def revoke_sessions(staff_id: str, kc: State, principal: AdminP) -> StaffOut:
    """Log out everywhere: every token issued for the account so far stops working."""
    async with kc.sessions.begin() as session:
        row = await _account(session, staff_id)
        staff_sessions.revoke(row)
        await _audit(session, row.staff_id, "revoke_sessions", principal)
        out = StaffOut.of(row)
    staff_sessions.forget(kc, out.staff_id)
    return out


@router.delete("/{staff_id}", status_code=204, responses=ERRORS)
async def delete_staff(staff_id: str, kc: State, principal: AdminP) -> None:
    """The account goes (its tokens with it); its login audit stays."""
    sid = staff_id_of(staff_id)
    if sid == principal.sub:
        raise ApiProblem(R.STAFF_DELETE_SELF)
    async with kc.sessions.begin() as session:
        await session.delete(await _account(session, sid))
        await _audit(session, sid, "delete", principal)
    staff_sessions.forget(kc, sid)


async def _set_disabled(kc: AppState, staff_id: str, disabled: bool, admin: Principal) -> StaffOut:
    async with kc.sessions.begin() as session:
        row = await _account(session, staff_id)
        row.disabled = disabled
        if disabled:
            staff_sessions.revoke(row)
        await _audit(session, row.staff_id, "disable" if disabled else "enable", admin)
        out = StaffOut.of(row)
    staff_sessions.forget(kc, out.staff_id)
    return out


async def _audit(session: AsyncSession, staff_id: str, change: str, admin: Principal) -> None:
    """An admin's change to an account, in the same transaction as the change."""
    await store.record_attempt(
        session, staff_id=staff_id, method="admin", outcome=change, client="", actor=admin.sub
    )


@router.post("/{staff_id}/disable", responses=ERRORS)
async def disable(staff_id: str, kc: State, principal: AdminP) -> StaffOut:
    """No more logins, and the tokens already issued stop working (api/staff_sessions.py)."""
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
