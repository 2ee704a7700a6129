"""OIDC login for detachments with an IdP: the ID token verified against the provider's JWKS,
served here by a real HTTP server on 127.0.0.1 with an RSA key made for the test."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jwt
import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from api.auth import principal_from_token
from db.models import StaffLoginAuditRow
from settings import Settings, production_problems
from tests.api.conftest import Api

ISSUER = "https://idp.detachment.test/realms/police"
AUDIENCE = "kuaichu"


class Idp:
    """A key pair published as a JWKS at ``jwks_url``; ``token()`` signs an ID token."""

    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = "key-" + uuid.uuid4().hex[:6]
        jwk = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        body = json.dumps({"keys": [{**jwk, "kid": self.kid, "use": "sig", "alg": "RS256"}]}).encode()
        self.fetches = 0
        idp = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                idp.fetches += 1
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.jwks_url = f"http://127.0.0.1:{self.server.server_port}/certs"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def token(self, kid: str | None = None, key: Any = None, **claims: Any) -> str:
        now = int(time.time())
        payload = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": "jy-officer-3",
            "iat": now,
            "exp": now + 300,
            "roles": ["offline_access", "officer"],
            "district": "江阳区",
            **claims,
        }
        return jwt.encode(payload, key or self.key, algorithm="RS256", headers={"kid": kid or self.kid})


@pytest.fixture
def idp(api: Api, monkeypatch: pytest.MonkeyPatch) -> Iterator[Idp]:
    provider = Idp()
    for name, value in (
        ("oidc_issuer", ISSUER),
        ("oidc_audience", AUDIENCE),
        ("oidc_jwks_url", provider.jwks_url),
    ):
        monkeypatch.setattr(api.kc.settings, name, value)
    yield provider
    provider.server.shutdown()


async def exchange(api: Api, id_token: str, role: str | None = None):
    body: dict[str, Any] = {"id_token": id_token}
    if role:
        body["role"] = role
    return await api.client.post("/auth/oidc/login", json=body)


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
        assert r.status_code == 403 and r.json()["code"] == "OIDC_NO_ROLE", (claims, r.text)
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
