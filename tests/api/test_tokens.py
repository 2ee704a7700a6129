"""Bearer tokens: what the signature alone does not check."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
import pytest

from api.auth import ALGORITHM, ISSUER, ApiRole, Principal, citizen_token, issue_token, principal_from_token
from api.errors import ApiProblem
from settings import Settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(_env_file=None, var_dir=tmp_path, jwt_ttl_seconds=3600)


def _mint(settings: Settings, **claims: object) -> str:
    now = datetime.now(UTC)
    base = {"iss": ISSUER, "sub": "seat-1", "role": "seat", "iat": now, "exp": now + timedelta(hours=1)}
    return jwt.encode(base | claims, settings.jwt_secret, algorithm=ALGORITHM)


def test_issued_tokens_are_accepted(settings: Settings) -> None:
    staff = issue_token(settings, Principal(role=ApiRole.OFFICER, sub="officer-9")).access_token
    assert principal_from_token(settings, staff).sub == "officer-9"
    citizen = citizen_token(settings, "13800000001").access_token
    assert principal_from_token(settings, citizen).mobile == "13800000001"


def test_lifetime_is_capped_whatever_exp_says(settings: Settings) -> None:
    long_ago = datetime.now(UTC) - timedelta(days=30)
    forever = _mint(settings, iat=long_ago, exp=datetime.now(UTC) + timedelta(days=3650))
    with pytest.raises(ApiProblem) as err:
        principal_from_token(settings, forever)
    assert err.value.code == "INVALID_TOKEN"


def test_a_citizen_token_cannot_claim_another_phone(settings: Settings) -> None:
    mine = principal_from_token(settings, citizen_token(settings, "13800000001").access_token)
    forged = _mint(settings, role="citizen", sub=mine.sub, mobile="13900000009", channel="app")
    with pytest.raises(ApiProblem):
        principal_from_token(settings, forged)


def test_another_installation_cannot_mint_tokens(tmp_path: Path, settings: Settings) -> None:
    """The embedded secret is generated per installation: a token from another one is refused."""
    other = Settings(_env_file=None, var_dir=tmp_path / "other")
    token = issue_token(other, Principal(role=ApiRole.ADMIN, sub="admin-1")).access_token
    with pytest.raises(ApiProblem):
        principal_from_token(settings, token)


def test_a_token_is_verified_once_and_its_expiry_still_holds_from_the_cache(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    decoded: list[str] = []
    real_decode = jwt.decode

    def counting_decode(token: str, *args: object, **kwargs: object) -> object:
        decoded.append(token)
        return real_decode(token, *args, **kwargs)

    monkeypatch.setattr(jwt, "decode", counting_decode)
    now = datetime.now(UTC)
    token = _mint(settings, iat=now, exp=now + timedelta(seconds=1))
    assert [principal_from_token(settings, token).sub for _ in range(3)] == ["seat-1"] * 3
    assert len(decoded) == 1  # the second and third came from the cache

    expires = jwt.decode(token, options={"verify_signature": False})["exp"]
    time.sleep(max(0.0, expires - time.time()) + 0.05)  # past exp: refused although cached
    with pytest.raises(ApiProblem) as err:
        principal_from_token(settings, token)
    assert err.value.code == "INVALID_TOKEN"
