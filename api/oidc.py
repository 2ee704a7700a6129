"""Login through the detachment's OpenID Connect provider: ``POST /auth/oidc/login``.

The console obtains an ID token from the IdP (its own sign-in page) and exchanges it here for our
staff token. The ID token is verified against the provider's JWKS (KUAICHU_OIDC_JWKS_URL, fetched
and cached by PyJWT's PyJWKClient; an unknown ``kid`` makes it fetch once more, for key rotation):
signature, ``iss``, ``aud``, ``exp`` / ``iat`` / ``nbf``. The staff id is the subject claim; the
role comes from KUAICHU_OIDC_ROLE_CLAIM (a string or a list: the first of our staff roles it
names, or the one the console asks for) and the district from KUAICHU_OIDC_DISTRICT_CLAIM — a
token without a role or a district of ours is refused. Every attempt is audited (db/staff.py,
method ``oidc``). With KUAICHU_OIDC_ISSUER empty the route answers 404."""

from __future__ import annotations

import asyncio
from typing import Any

import jwt
from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from api.auth import CLOCK_SKEW_S, ApiRole, Principal, TokenOut, issue_token, staff_id_of
from api.deps import AppState, State
from api.errors import ApiProblem, problem_responses
from api.staff_login import client_of
from db import staff as store
from domain import refusals as R
from settings import Settings

router = APIRouter(prefix="/auth/oidc", tags=["auth"])
STAFF_ROLES = {r.value for r in ApiRole if r != ApiRole.CITIZEN}
_clients: dict[str, jwt.PyJWKClient] = {}


class OidcLoginIn(BaseModel):
    id_token: str = Field(max_length=16_384, repr=False)
    role: ApiRole | None = Field(
        default=None, description="the console's role, when the token grants several"
    )


class OidcRefused(Exception):
    def __init__(self, outcome: str, code: R.RefusalCode, subject: str = "") -> None:
        super().__init__(outcome)
        self.outcome, self.code, self.subject = outcome, code, subject


def jwks_client(url: str) -> jwt.PyJWKClient:
    if url not in _clients:
        _clients[url] = jwt.PyJWKClient(url, cache_keys=True, lifespan=300, timeout=5)
    return _clients[url]


def verify_id_token(settings: Settings, token: str) -> dict[str, Any]:
    """The verified claims (blocking: the JWKS may be fetched), or OidcRefused."""
    try:
        key = jwks_client(settings.oidc_jwks_url).get_signing_key_from_jwt(token)
        return jwt.decode(
            token,
            key.key,
            algorithms=[a.strip() for a in settings.oidc_algorithms.split(",") if a.strip()],
            audience=settings.oidc_audience,
            issuer=settings.oidc_issuer,
            leeway=CLOCK_SKEW_S,
            options={"require": ["exp", "iat", "iss", "aud", settings.oidc_subject_claim]},
        )
    except jwt.PyJWKClientConnectionError as err:  # the IdP cannot be reached: not the token's fault
        raise OidcRefused("jwks_unreachable", R.SERVICE_UNAVAILABLE) from err
    except (jwt.PyJWTError, ValueError, KeyError, TypeError) as err:
        raise OidcRefused("bad_token:" + type(err).__name__[:20], R.OIDC_TOKEN_INVALID) from err


def principal_of(settings: Settings, claims: dict[str, Any], wanted: ApiRole | None) -> Principal:
    """Our principal for verified claims: the staff id, one of our roles, a district."""
    subject = str(claims.get(settings.oidc_subject_claim, ""))
    try:
        staff_id = staff_id_of(subject)
    except ApiProblem as err:
        raise OidcRefused("bad_subject", R.OIDC_TOKEN_INVALID) from err
    raw = claims.get(settings.oidc_role_claim, [])
    values = [raw] if isinstance(raw, str) else raw if isinstance(raw, list) else []
    prefix = settings.oidc_role_prefix
    granted = [
        ApiRole(v.removeprefix(prefix))
        for v in values
        if isinstance(v, str) and v.startswith(prefix) and v.removeprefix(prefix) in STAFF_ROLES
    ]
    role = wanted if wanted in granted else None if wanted else (granted[0] if granted else None)
    district = claims.get(settings.oidc_district_claim)
    if role is None or not isinstance(district, str) or not district.strip() or len(district) > 64:
        raise OidcRefused("no_role_or_district", R.OIDC_NO_ROLE, staff_id)
    return Principal(role=role, sub=staff_id, district=district.strip())


@router.post("/login", responses=problem_responses(401, 403, 404, 422, 503))
async def oidc_login(body: OidcLoginIn, request: Request, kc: State) -> TokenOut:
    """The IdP's ID token → our staff token (role and district from its claims)."""
    settings = kc.settings
    if not settings.oidc_issuer:
        raise ApiProblem(R.NOT_FOUND)
    try:
        claims = await asyncio.to_thread(verify_id_token, settings, body.id_token)
        principal = principal_of(settings, claims, body.role)
    except OidcRefused as refused:
        await _audit(kc, request, refused.subject, refused.outcome)
        raise ApiProblem(refused.code) from refused
    await _audit(kc, request, principal.sub, "ok")
    return issue_token(settings, principal)


async def _audit(kc: AppState, request: Request, staff_id: str, outcome: str) -> None:
    async with kc.sessions.begin() as session:
        await store.record_attempt(
            session, staff_id=staff_id, method="oidc", outcome=outcome[:32], client=client_of(kc, request)
        )
