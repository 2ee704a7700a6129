"""A staff token lives no longer than its account allows (api/staff_sessions.py): disabling,
deleting, changing roles or district, resetting the password and the admin's "revoke sessions"
end it at once, with a reason; and an account may hold several roles, all in its token."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
import pytest
import sqlalchemy as sa

from api.auth import ALGORITHM, ISSUER, principal_from_token
from db.models import StaffAccountRow
from tests.api.conftest import Api
from tests.api.test_staff_login import PASSWORD, audit, login, make_staff


async def logged_in(api: Api, roles: list[str], role: str | None = None) -> tuple[str, dict[str, str]]:
    staff_id, totp = await make_staff(api, roles)
    r = await login(api, staff_id, PASSWORD, totp.now(), role=role)
    assert r.status_code == 200, r.text
    return staff_id, {"Authorization": f"Bearer {r.json()['access_token']}"}


async def officer_list(api: Api, headers: dict[str, str]):
    return await api.client.get("/officer/cases", headers=headers)


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (("POST", "/disable", None), "STAFF_ACCOUNT_DISABLED"),
        (("POST", "/revoke-sessions", None), "STAFF_SESSION_REVOKED"),
        (("POST", "/password", {"password": "Another-pass-77"}), "STAFF_SESSION_REVOKED"),
        (("PATCH", "", {"district": "龙马潭区"}), "STAFF_SESSION_REVOKED"),
        (("PATCH", "", {"roles": ["officer", "seat"]}), "STAFF_SESSION_REVOKED"),
        (("POST", "/totp", None), "STAFF_SESSION_REVOKED"),
        (("DELETE", "", None), "STAFF_ACCOUNT_GONE"),
    ],
)
async def test_an_admin_change_ends_the_accounts_tokens_at_once(
    api: Api, change: tuple[str, str, dict | None], code: str
) -> None:
    staff_id, headers = await logged_in(api, ["officer"])
    assert (await officer_list(api, headers)).status_code == 200  # read, and now in the cache
    method, suffix, body = change
    r = await api.client.request(
        method, f"/admin/staff/{staff_id}{suffix}", json=body, headers=api.token("admin")
    )
    assert r.status_code in (200, 204), r.text
    refused = await officer_list(api, headers)
    assert refused.status_code == 401, refused.text
    assert refused.json()["code"] == code
    assert refused.headers["www-authenticate"] == "Bearer"
    if code == "STAFF_ACCOUNT_DISABLED":
        assert "账号已停用" in refused.json()["detail"]


async def test_after_revoking_sessions_a_new_login_works_and_the_change_is_audited(api: Api) -> None:
    staff_id, totp = await make_staff(api, ["officer"])
    first = await login(api, staff_id, PASSWORD, totp.now())
    old = {"Authorization": f"Bearer {first.json()['access_token']}"}
    r = await api.client.post(f"/admin/staff/{staff_id}/revoke-sessions", headers=api.token("admin"))
    assert r.status_code == 200, r.text
    assert (await officer_list(api, old)).status_code == 401
    async with api.sessions.begin() as session:  # the next code step: a TOTP code is good once
        row = await session.get(StaffAccountRow, staff_id)
        assert row is not None
        row.totp_last_step = None
    again = await login(api, staff_id, PASSWORD, totp.now())
    assert again.status_code == 200, again.text
    assert (
        await officer_list(api, {"Authorization": f"Bearer {again.json()['access_token']}"})
    ).status_code == 200
    assert "revoke_sessions" in await audit(api, staff_id)
    # only admins revoke
    assert (
        await api.client.post(f"/admin/staff/{staff_id}/revoke-sessions", headers=api.token("officer"))
    ).status_code == 403


async def test_the_account_is_read_at_most_every_few_seconds_per_process(api: Api) -> None:
    """A change made by another API process (here: straight in the database) shows once this
    process's cached state is older than the cache's ttl (5 s)."""
    staff_id, headers = await logged_in(api, ["officer"])
    cache = api.kc.account_cache
    assert cache.ttl <= 5
    before = cache.reads
    for _ in range(3):
        assert (await officer_list(api, headers)).status_code == 200
    assert cache.reads - before <= 1  # one read, then the cache
    async with api.sessions.begin() as session:
        await session.execute(
            sa.update(StaffAccountRow).where(StaffAccountRow.staff_id == staff_id).values(disabled=True)
        )
    assert (await officer_list(api, headers)).status_code == 200  # within the ttl: the cached state
    cache.forget(staff_id)  # what the ttl's passing does
    r = await officer_list(api, headers)
    assert r.status_code == 401 and r.json()["code"] == "STAFF_ACCOUNT_DISABLED"


async def test_an_account_with_several_roles_acts_in_each_with_one_token(api: Api) -> None:
    _, headers = await logged_in(api, ["officer", "reviewer"], role="officer")
    principal = principal_from_token(api.settings, headers["Authorization"].removeprefix("Bearer "))
    assert principal.role == "officer" and set(principal.roles) == {"officer", "reviewer"}
    assert (await api.client.get("/officer/cases", headers=headers)).status_code == 200
    assert (await api.client.get("/reviewer/reviews", headers=headers)).status_code == 200
    assert (await api.client.get("/seat/queue", headers=headers)).status_code == 403
    assert (await api.client.get("/admin/staff", headers=headers)).status_code == 403
    # without a console's role the token acts in the account's first; it still holds both
    staff_id2, totp2 = await make_staff(api, ["reviewer", "officer"])
    r = await login(api, staff_id2, PASSWORD, totp2.now())
    assert (
        r.status_code == 200
        and r.json()["role"] == "officer"
        and r.json()["roles"] == ["officer", "reviewer"]
    )


async def test_the_admin_api_creates_and_edits_several_roles(api: Api) -> None:
    staff_id, _ = await make_staff(api, ["seat", "officer", "seat"])
    listed = {
        s["staff_id"]: s for s in (await api.client.get("/admin/staff", headers=api.token("admin"))).json()
    }
    assert listed[staff_id]["roles"] == ["seat", "officer"]
    r = await api.client.patch(
        f"/admin/staff/{staff_id}", json={"roles": ["reviewer", "officer"]}, headers=api.token("admin")
    )
    assert r.status_code == 200 and r.json()["roles"] == ["officer", "reviewer"], r.text
    for bad, status in (({"roles": []}, 422), ({"roles": ["citizen"]}, 422), ({"district": "朝阳区"}, 422)):
        r = await api.client.patch(f"/admin/staff/{staff_id}", json=bad, headers=api.token("admin"))
        assert r.status_code == status, (bad, r.text)
    assert (
        await api.client.patch(
            f"/admin/staff/{staff_id}", json={"roles": ["admin"]}, headers=api.token("officer")
        )
    ).status_code == 403
    assert "change:roles" in await audit(api, staff_id)


async def test_a_token_of_before_the_roles_claim_still_works(api: Api) -> None:
    """Tokens issued before ``roles`` (one ``role``, no ``sv``) until they run out."""
    now = datetime.now(UTC)
    claims = {
        "iss": ISSUER,
        "sub": "old-officer-1",
        "role": "officer",
        "district": "*",
        "iat": now,
        "exp": now + timedelta(minutes=5),
    }
    token = jwt.encode(claims, api.settings.jwt_secret, algorithm=ALGORITHM)
    headers = {"Authorization": f"Bearer {token}"}
    assert (await api.client.get("/officer/cases", headers=headers)).status_code == 200
    assert (await api.client.get("/reviewer/reviews", headers=headers)).status_code == 403
    # a token that mixes the citizen's role with a staff role is no token of ours
    mixed = jwt.encode(
        {**claims, "roles": ["officer", "citizen"]}, api.settings.jwt_secret, algorithm=ALGORITHM
    )
    r = await api.client.get("/officer/cases", headers={"Authorization": f"Bearer {mixed}"})
    assert r.status_code == 401


async def test_a_revoked_seat_token_is_refused_on_the_queue_s_fast_path_too(api: Api) -> None:
    """GET /seat/queue may be answered before routing (api/queue_route.py): the account check
    runs there as well."""
    staff_id, headers = await logged_in(api, ["seat"])
    for _ in range(2):  # the second from the cached answer, before routing
        assert (await api.client.get("/seat/queue", headers=headers)).status_code == 200
    r = await api.client.post(f"/admin/staff/{staff_id}/revoke-sessions", headers=api.token("admin"))
    assert r.status_code == 200, r.text
    refused = await api.client.get("/seat/queue", headers=headers)
    assert refused.status_code == 401 and refused.json()["code"] == "STAFF_SESSION_REVOKED"
