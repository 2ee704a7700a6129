"""OIDC login for detachments with an IdP: the ID token verified against the provider's JWKS, and
the redirect sign-in (Authorization Code + PKCE, state, nonce), against the simulated provider of
tests/api/oidc_provider.py (a real HTTP server on 127.0.0.1 with an RSA key made for the test)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric import rsa

from api import oidc
from api.auth import principal_from_token
from db.models import StaffLoginAuditRow
from settings import Settings, production_problems
from tests.api.conftest import PUBLIC_URL, Api
from tests.api.oidc_provider import AUDIENCE, ISSUER
from tests.api.oidc_provider import SimulatedIdp as Idp


@pytest.fixture
def idp(api: Api, monkeypatch: pytest.MonkeyPatch) -> Iterator[Idp]:
    provider = Idp()
    # a new IdP may get the port (so the JWKS URL) of an earlier test's: its cached JWKS client
    # would not refetch for the new key within PyJWT's 30 s refresh cooldown
    monkeypatch.setattr(oidc, "_clients", {})
    for name, value in (
        ("oidc_issuer", ISSUER),
        ("oidc_audience", AUDIENCE),
        ("oidc_jwks_url", provider.jwks_url),
        ("oidc_discovery_url", provider.discovery_url),
    ):
        monkeypatch.setattr(api.kc.settings, name, value)
    yield provider
    provider.close()


async def exchange(api: Api, id_token: str, role: str | None = None):
    body: dict[str, Any] = {"id_token": id_token}
    if role:
        body["role"] = role
    return await api.client.post("/auth/oidc/login", json=body)


async def last_outcome(api: Api) -> str:
    """The audit's outcome of the last OIDC login (a refusal's cause: bad_token:<error>)."""
    async with api.sessions() as session:
        return (
            await session.execute(
                sa.select(StaffLoginAuditRow.outcome)
                .where(StaffLoginAuditRow.method == "oidc")
                .order_by(StaffLoginAuditRow.id.desc())
                .limit(1)
            )
        ).scalar_one_or_none() or ""


async def test_a_good_id_token_gives_our_token_with_role_and_district(api: Api, idp: Idp) -> None:
    r = await exchange(api, idp.token())
    assert r.status_code == 200, r.text
    principal = principal_from_token(api.settings, r.json()["access_token"])
    assert (principal.role, principal.sub, principal.district) == ("officer", "jy-officer-3", "江阳区")
    # the token works on the officer's routes
    listed = await api.client.get(
        "/officer/cases", headers={"Authorization": f"Bearer {r.json()['access_token']}"}
    )
    assert listed.status_code == 200
    async with api.sessions() as session:
        outcome = (
            await session.execute(
                sa.select(StaffLoginAuditRow.outcome)
                .where(StaffLoginAuditRow.staff_id == "jy-officer-3", StaffLoginAuditRow.method == "oidc")
                .order_by(StaffLoginAuditRow.id.desc())
                .limit(1)
            )
        ).scalar_one()
    assert outcome == "ok"


@pytest.mark.parametrize(
    "case",
    ["wrong_audience", "expired", "unknown_kid", "wrong_issuer", "other_key", "not_a_jwt"],
)
async def test_a_bad_id_token_is_refused(api: Api, idp: Idp, case: str) -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = {
        "wrong_audience": lambda: idp.token(aud="another-app"),
        "expired": lambda: idp.token(iat=int(time.time()) - 7200, exp=int(time.time()) - 3600),
        "unknown_kid": lambda: idp.token(kid="rotated-away", key=other),
        "wrong_issuer": lambda: idp.token(iss="https://evil.test"),
        "other_key": lambda: idp.token(key=other),  # the right kid, signed by someone else
        "not_a_jwt": lambda: "abc.def.ghi",
    }[case]()
    r = await exchange(api, token)
    assert r.status_code == 401, r.text
    assert r.json()["code"] == "OIDC_TOKEN_INVALID"
    assert "统一身份认证" in r.json()["detail"]


async def test_a_token_without_a_role_or_district_of_ours_is_refused(api: Api, idp: Idp) -> None:
    for claims in ({"roles": ["offline_access"]}, {"district": ""}, {"roles": "citizen"}):
        r = await exchange(api, idp.token(**claims))
        assert r.status_code == 403 and r.json()["code"] == "OIDC_NO_ROLE", (
            claims,
            r.text,
            await last_outcome(api),
        )
    # several roles: the console says which; one the token lacks is refused
    several = idp.token(roles=["seat", "officer"])
    assert (await exchange(api, several, role="seat")).json()["role"] == "seat"
    assert (await exchange(api, several, role="admin")).status_code == 403


async def test_without_an_issuer_configured_oidc_login_is_off(api: Api) -> None:
    assert not api.kc.settings.oidc_issuer
    r = await exchange(api, "abc.def.ghi")
    assert r.status_code == 404


def test_production_refuses_an_oidc_provider_without_audience_or_https_jwks(tmp_path: Path) -> None:
    plain = Settings(var_dir=tmp_path, oidc_issuer=ISSUER, oidc_jwks_url="http://idp.test/certs")
    assert any("KUAICHU_OIDC_ISSUER" in p for p in production_problems(plain))
    good = Settings(
        var_dir=tmp_path, oidc_issuer=ISSUER, oidc_audience=AUDIENCE, oidc_jwks_url="https://idp.test/certs"
    )
    assert not any("OIDC" in p for p in production_problems(good))
    assert not any("STAFF_TOTP_KEY" in p for p in production_problems(good))  # generated: strong


# --------------------------------------------------------------------------- the redirect sign-in


async def start(api: Api, role: str = "officer") -> tuple[str, dict[str, str]]:
    """GET /auth/oidc/start, then the provider's authorize endpoint (over HTTP, as a browser):
    (our callback's path and query, the authorize request's parameters)."""
    r = await api.client.get(f"/auth/oidc/start?role={role}")
    assert r.status_code == 302, r.text
    authorize = r.headers["location"]
    params = {k: v[0] for k, v in parse_qs(urlparse(authorize).query).items()}
    async with httpx.AsyncClient() as browser:
        back = await browser.get(authorize)
    assert back.status_code == 302
    callback = back.headers["location"]
    assert callback.startswith(PUBLIC_URL + "/auth/oidc/callback?")
    return callback.removeprefix(PUBLIC_URL), params


async def redeem(api: Api, console_url: str) -> httpx.Response:
    code = console_url.split("#kc_code=", 1)[1]
    return await api.client.post("/auth/oidc/redeem", json={"code": code})


async def test_the_redirect_sign_in_gives_the_console_our_token(api: Api, idp: Idp) -> None:
    idp.user = {"sub": "jy-officer-7", "roles": ["officer", "reviewer"], "district": "江阳区"}
    callback, params = await start(api, "reviewer")
    assert params["code_challenge_method"] == "S256" and params["client_id"] == AUDIENCE
    assert params["redirect_uri"] == PUBLIC_URL + "/auth/oidc/callback"
    assert params["state"] and params["nonce"] and params["state"] != params["nonce"]
    r = await api.client.get(callback)
    assert r.status_code == 303, r.text
    console = r.headers["location"]
    assert console.startswith("/reviewer#kc_code=")  # a fragment: not sent to any server
    tok = await redeem(api, console)
    assert tok.status_code == 200, tok.text
    principal = principal_from_token(api.settings, tok.json()["access_token"])
    assert (principal.role, principal.sub, principal.district) == ("reviewer", "jy-officer-7", "江阳区")
    assert set(principal.roles) == {"officer", "reviewer"}
    headers = {"Authorization": f"Bearer {tok.json()['access_token']}"}
    assert (await api.client.get("/reviewer/reviews", headers=headers)).status_code == 200
    # the hand-off code is good once
    again = await redeem(api, console)
    assert again.status_code == 401 and again.json()["code"] == "OIDC_HANDOFF_INVALID"


async def test_a_bad_or_replayed_state_is_refused(api: Api, idp: Idp) -> None:
    callback, _ = await start(api)
    forged = callback.replace("state=", "state=x", 1)
    r = await api.client.get(forged)
    assert r.status_code == 400 and r.json()["code"] == "OIDC_STATE_INVALID", r.text
    assert "统一身份认证" in r.json()["detail"]
    assert (await api.client.get(callback)).status_code == 303
    replayed = await api.client.get(callback)
    assert replayed.status_code == 400 and replayed.json()["code"] == "OIDC_STATE_INVALID"
    missing = await api.client.get("/auth/oidc/callback?code=abc")
    assert missing.status_code == 400


async def test_an_id_token_with_another_nonce_is_refused(api: Api, idp: Idp) -> None:
    idp.nonce_override = "nonce-of-another-sign-in"
    callback, _ = await start(api)
    r = await api.client.get(callback)
    assert r.status_code == 401 and r.json()["code"] == "OIDC_NONCE_MISMATCH", r.text
    async with api.sessions() as session:
        outcome = (
            await session.execute(
                sa.select(StaffLoginAuditRow.outcome)
                .where(StaffLoginAuditRow.method == "oidc")
                .order_by(StaffLoginAuditRow.id.desc())
                .limit(1)
            )
        ).scalar_one()
    assert outcome == "bad_nonce"


async def test_an_expired_code_is_refused(api: Api, idp: Idp) -> None:
    idp.code_ttl = -1  # every code has expired by the time it is exchanged
    callback, _ = await start(api)
    r = await api.client.get(callback)
    assert r.status_code == 401 and r.json()["code"] == "OIDC_CODE_REJECTED", r.text
    assert "授权码" in r.json()["detail"]


async def test_the_provider_refusing_and_a_role_the_user_lacks_are_refused(api: Api, idp: Idp) -> None:
    callback, _ = await start(api)
    state = parse_qs(urlparse(callback).query)["state"][0]
    r = await api.client.get(f"/auth/oidc/callback?error=access_denied&state={state}")
    assert r.status_code == 401 and r.json()["code"] == "OIDC_PROVIDER_REFUSED"
    callback, _ = await start(api, "admin")  # the user is an officer only
    r = await api.client.get(callback)
    assert r.status_code == 403 and r.json()["code"] == "OIDC_NO_ROLE"
    assert (await api.client.get("/auth/oidc/start?role=dispatcher")).status_code == 422


async def test_oidc_of_an_account_here_ends_with_the_account(api: Api, idp: Idp) -> None:
    """A staff id with an account: its OIDC token carries the account's version (revocable) and
    a disabled account is refused."""
    from tests.api.test_staff_login import make_staff

    staff_id, _ = await make_staff(api, ["officer"])
    r = await exchange(api, idp.token(sub=staff_id))
    assert r.status_code == 200, r.text
    headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
    assert (await api.client.get("/officer/cases", headers=headers)).status_code == 200
    assert (
        await api.client.post(f"/admin/staff/{staff_id}/disable", headers=api.token("admin"))
    ).status_code == 200
    refused = await api.client.get("/officer/cases", headers=headers)
    assert refused.status_code == 401 and refused.json()["code"] == "STAFF_ACCOUNT_DISABLED"
    again = await exchange(api, idp.token(sub=staff_id))
    assert again.status_code == 401 and again.json()["code"] == "STAFF_ACCOUNT_DISABLED"


async def test_oidc_logins_count_in_the_client_address_limit(
    api: Api, idp: Idp, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(api.kc.settings, "rate_staff_login_per_ip", "2/600")
    ip = f"203.0.113.{uuid.uuid4().int % 250 + 1}"
    transport = httpx.ASGITransport(app=api.app, client=(ip, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        answers = [await client.post("/auth/oidc/login", json={"id_token": idp.token()}) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[-1].json()["code"] == "STAFF_LOGIN_IP_LIMIT" and "retry-after" in answers[-1].headers


async def test_the_login_form_learns_whether_oidc_is_on(api: Api) -> None:
    assert (await api.client.get("/auth/oidc/config")).json() == {"enabled": False}
    assert (await api.client.get("/auth/oidc/start?role=officer")).status_code == 404
