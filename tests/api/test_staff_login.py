"""Staff log in for real: accounts made by an admin (argon2 hash, TOTP enrolment shown once), the
login with password + TOTP, lock-out after failures, an audit row for every attempt, and the
first admin made by the CLI."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
import sqlalchemy as sa

from api import staff_admin
from api.auth import principal_from_token
from db.models import StaffAccountRow, StaffLoginAuditRow
from settings import Settings
from tests.api.conftest import Api

PASSWORD = "Correct-horse-42"
ADMIN = {"role": "admin"}


def new_id(prefix: str = "s") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


async def make_staff(api: Api, roles: list[str], district: str = "江阳区") -> tuple[str, pyotp.TOTP]:
    """An account made and enrolled through the admin endpoints: (staff id, its authenticator)."""
    staff_id = new_id()
    admin = api.token("admin")
    body = {
        "staff_id": staff_id,
        "display_name": "测试民警",
        "roles": roles,
        "district": district,
        "password": PASSWORD,
    }
    r = await api.client.post("/admin/staff", json=body, headers=admin)
    assert r.status_code == 201, r.text
    assert r.json()["totp_enrolled"] is False
    r = await api.client.post(f"/admin/staff/{staff_id}/totp", headers=admin)
    assert r.status_code == 200, r.text
    uri = r.json()["otpauth_uri"]
    assert uri.startswith("otpauth://totp/") and staff_id in uri
    return staff_id, pyotp.parse_uri(uri)


async def login(api: Api, staff_id: str, password: str, code: str, role: str | None = None):
    body = {"staff_id": staff_id, "password": password, "totp": code}
    if role:
        body["role"] = role
    return await api.client.post("/auth/staff/login", json=body)


async def audit(api: Api, staff_id: str) -> list[str]:
    async with api.sessions() as session:
        rows = (
            await session.execute(
                sa.select(StaffLoginAuditRow.outcome)
                .where(StaffLoginAuditRow.staff_id == staff_id)
                .order_by(StaffLoginAuditRow.id)
            )
        ).scalars()
        return list(rows)


async def test_login_with_password_and_totp_gives_a_token_with_role_and_district(api: Api) -> None:
    staff_id, totp = await make_staff(api, ["officer"], "龙马潭区")
    code = totp.now()
    r = await login(api, staff_id, PASSWORD, code)
    assert r.status_code == 200, r.text
    principal = principal_from_token(api.settings, r.json()["access_token"])
    assert (principal.role, principal.sub, principal.district) == ("officer", staff_id, "龙马潭区")
    # the same code again (a replay within its 30 s) is refused
    again = await login(api, staff_id, PASSWORD, code)
    assert again.status_code == 401 and again.json()["code"] == "STAFF_LOGIN_FAILED"
    assert await audit(api, staff_id) == ["create", "enrol_totp", "ok", "bad_totp"]


async def test_only_the_argon2_hash_and_the_encrypted_totp_secret_are_stored(api: Api) -> None:
    staff_id, totp = await make_staff(api, ["seat"])
    async with api.sessions() as session:
        row = await session.get(StaffAccountRow, staff_id)
    assert row is not None
    assert row.password_hash.startswith("$argon2id$") and PASSWORD not in row.password_hash
    assert row.totp_secret_enc is not None and totp.secret not in row.totp_secret_enc
    listed = (await api.client.get("/admin/staff", headers=api.token("admin"))).text
    assert staff_id in listed and "argon2" not in listed and totp.secret not in listed


async def test_the_totp_code_is_required(api: Api) -> None:
    staff_id, totp = await make_staff(api, ["officer"])
    near = {totp.at(time.time() + d) for d in (-30, 0, 30)}  # the codes the drift accepts
    wrong = next(c for c in ("000000", "111111", "222222", "333333") if c not in near)
    for code in ("", wrong, "12345x", "１２３４５６"):
        r = await login(api, staff_id, PASSWORD, code)
        assert r.status_code == 401, r.text
        assert r.json()["code"] == "STAFF_LOGIN_FAILED"
    # an account an admin made but never enrolled cannot log in, even with the right password
    unenrolled = new_id()
    body = {
        "staff_id": unenrolled,
        "display_name": "未绑定",
        "roles": ["seat"],
        "district": "江阳区",
        "password": PASSWORD,
    }
    assert (await api.client.post("/admin/staff", json=body, headers=api.token("admin"))).status_code == 201
    r = await login(api, unenrolled, PASSWORD, "123456")
    assert r.status_code == 409 and r.json()["code"] == "STAFF_NOT_ENROLLED"


async def test_lockout_after_n_failures_and_every_attempt_audited(api: Api) -> None:
    staff_id, totp = await make_staff(api, ["officer"])
    n = api.settings.staff_max_failed_logins
    answers = [await login(api, staff_id, "wrong-password-1", totp.now()) for _ in range(n)]
    assert [a.status_code for a in answers] == [401] * (n - 1) + [429]
    assert answers[-1].json()["code"] == "STAFF_LOCKED"
    # locked: even the right password and code are refused, and nothing is checked
    r = await login(api, staff_id, PASSWORD, totp.now())
    assert r.status_code == 429 and r.json()["code"] == "STAFF_LOCKED"
    outcomes = await audit(api, staff_id)
    assert outcomes == ["create", "enrol_totp"] + ["bad_password"] * (n - 1) + [
        "bad_password+locked",
        "locked",
    ]
    async with api.sessions() as session:
        row = await session.get(StaffAccountRow, staff_id)
        assert row is not None and row.locked_until is not None
        assert row.locked_until - datetime.now(UTC) > timedelta(
            minutes=api.settings.staff_lockout_minutes - 1
        )
        client = (
            await session.execute(
                sa.select(StaffLoginAuditRow.client_hash)
                .where(StaffLoginAuditRow.staff_id == staff_id, StaffLoginAuditRow.method == "password")
                .limit(1)
            )
        ).scalar_one()
    assert len(client) == 16 and "." not in client  # an HMAC, not the address
    # the admin's reset lifts the lock; the audit is readable by the admin only
    reset = await api.client.post(
        f"/admin/staff/{staff_id}/password", json={"password": "Another-pass-77"}, headers=api.token("admin")
    )
    assert reset.status_code == 200 and reset.json()["locked_until"] is None
    ok = await login(api, staff_id, "Another-pass-77", totp.now())
    assert ok.status_code == 200, ok.text
    trail = await api.client.get(f"/admin/staff/audit?staff_id={staff_id}", headers=api.token("admin"))
    assert trail.status_code == 200 and trail.json()[0]["outcome"] == "ok"
    changes = [(t["outcome"], t["actor"]) for t in trail.json() if t["method"] == "admin"]
    assert changes == [("reset_password", "admin-1"), ("enrol_totp", "admin-1"), ("create", "admin-1")]
    assert (await api.client.get("/admin/staff/audit", headers=api.token("officer"))).status_code == 403


async def test_unknown_id_and_disabled_account_answer_like_a_wrong_password(api: Api) -> None:
    staff_id, totp = await make_staff(api, ["seat"])
    r = await api.client.post(f"/admin/staff/{staff_id}/disable", headers=api.token("admin"))
    assert r.status_code == 200 and r.json()["disabled"] is True
    disabled = await login(api, staff_id, PASSWORD, totp.now())
    unknown_id = new_id("nobody")
    unknown = await login(api, unknown_id, PASSWORD, "123456")
    assert disabled.status_code == unknown.status_code == 401
    assert disabled.json()["detail"] == unknown.json()["detail"]
    assert await audit(api, staff_id) == ["create", "enrol_totp", "disable", "disabled"]
    assert await audit(api, unknown_id) == ["unknown_id"]


async def test_a_role_the_account_lacks_is_refused(api: Api) -> None:
    staff_id, totp = await make_staff(api, ["seat", "officer"])
    r = await login(api, staff_id, PASSWORD, totp.now(), role="admin")
    assert r.status_code == 403 and r.json()["code"] == "STAFF_ROLE_NOT_GRANTED"
    r = await login(api, staff_id, PASSWORD, totp.now(), role="seat")
    assert r.status_code == 200 and r.json()["role"] == "seat"


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"password": "short1"}, "WEAK_PASSWORD"),
        ({"password": "onlyletterslong"}, "WEAK_PASSWORD"),
        ({"district": "朝阳区"}, "INVALID_DISTRICT"),
        ({"roles": ["citizen"]}, "INVALID_STAFF_ROLES"),
        ({"roles": ["chief"]}, "VALIDATION_FAILED"),
        ({"staff_id": "工号1"}, "INVALID_STAFF_ID"),
        ({"display_name": "张\u200b三\x07"}, "INVALID_CHARACTERS"),
    ],
)
async def test_admin_refuses_a_bad_account_with_a_reason(api: Api, change: dict, code: str) -> None:
    body = {
        "staff_id": new_id(),
        "display_name": "张三",
        "roles": ["seat"],
        "district": "江阳区",
        "password": PASSWORD,
    }
    r = await api.client.post("/admin/staff", json={**body, **change}, headers=api.token("admin"))
    assert r.status_code == 422, r.text
    assert r.json()["code"] == code


async def test_staff_management_is_for_admins_only(api: Api) -> None:
    body = {
        "staff_id": new_id(),
        "display_name": "张三",
        "roles": ["admin"],
        "district": "*",
        "password": PASSWORD,
    }
    for role in ("seat", "officer", "reviewer", "dispatcher", "ops"):
        assert (await api.client.post("/admin/staff", json=body, headers=api.token(role))).status_code == 403
    assert (await api.client.post("/admin/staff", json=body)).status_code == 401
    assert (await api.client.post("/admin/staff", json=body, headers=api.token("admin"))).status_code == 201
    dup = await api.client.post("/admin/staff", json=body, headers=api.token("admin"))
    assert dup.status_code == 409 and dup.json()["code"] == "STAFF_EXISTS"
    missing = await api.client.post("/admin/staff/nobody-here/totp", headers=api.token("admin"))
    assert missing.status_code == 404 and missing.json()["code"] == "STAFF_NOT_FOUND"


async def test_create_admin_cli_bootstraps_the_first_admin(api: Api) -> None:
    staff_id = new_id("admin")
    settings: Settings = api.settings
    out = await staff_admin.bootstrap_admin(settings, staff_id, "首任管理员", "*", PASSWORD)
    totp = pyotp.parse_uri(out.otpauth_uri)
    r = await login(api, staff_id, PASSWORD, totp.now())
    assert r.status_code == 200, r.text
    assert (r.json()["role"], r.json()["district"]) == ("admin", "*")


async def test_one_client_address_may_try_only_so_many_logins(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Beside the account's lock-out: the sliding window per client address (api/rate_limits.py),
    password and OIDC logins together; 429 with Retry-After, each refusal audited."""
    import httpx

    monkeypatch.setattr(api.kc.settings, "rate_staff_login_per_ip", "3/600")
    staff_id, totp = await make_staff(api, ["officer"])
    ip = f"198.51.100.{uuid.uuid4().int % 250 + 1}"
    transport = httpx.ASGITransport(app=api.app, client=(ip, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        body = {"staff_id": staff_id, "password": "wrong-password-1", "totp": "000000"}
        tried = [
            await client.post("/auth/staff/login", json={**body, "staff_id": new_id()}) for _ in range(3)
        ]
        assert [t.status_code for t in tried] == [401, 401, 401]
        # the fourth, for another account and with the right password, is refused unchecked
        r = await client.post("/auth/staff/login", json={**body, "password": PASSWORD, "totp": totp.now()})
        assert r.status_code == 429, r.text
        assert r.json()["code"] == "STAFF_LOGIN_IP_LIMIT" and "稍后" in r.json()["detail"]
        assert 1 <= int(r.headers["retry-after"]) <= 600
    assert await audit(api, staff_id) == ["create", "enrol_totp", "ip_limited"]
    async with api.sessions() as session:
        row = await session.get(StaffAccountRow, staff_id)
        assert row is not None and row.failed_attempts == 0  # nothing was checked
    # another address is not held back
    other = httpx.ASGITransport(app=api.app, client=("2001:db8::" + uuid.uuid4().hex[:4], 40000))
    async with httpx.AsyncClient(transport=other, base_url="http://testserver") as client:
        ok = await client.post("/auth/staff/login", json={**body, "password": PASSWORD, "totp": totp.now()})
    assert ok.status_code == 200, ok.text
