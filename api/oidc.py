"""Login through the detachment's OpenID Connect provider: ``POST /auth/oidc/login`` (the console
has an ID token) or the redirect sign-in (``GET /auth/oidc/start`` ... ``/auth/oidc/callback``).

The console obtains an ID token from the IdP (its own sign-in page) and exchanges it here for our
staff token. The ID token is verified against the provider's JWKS (KUAICHU_OIDC_JWKS_URL, fetched
and cached by PyJWT's PyJWKClient; an unknown ``kid`` makes it fetch once more, for key rotation):
signature, ``iss``, ``aud``, ``exp`` / ``iat`` / ``nbf``. The staff id is the subject claim; the
role comes from KUAICHU_OIDC_ROLE_CLAIM (a string or a list: the first of our staff roles it
names, or the one the console asks for) and the district from KUAICHU_OIDC_DISTRICT_CLAIM — a
token without a role or a district of ours is refused. Every attempt is audited (db/staff.py,
method ``oidc``) and counts in the per-client-address limit of staff logins (api/staff_login.py).
With KUAICHU_OIDC_ISSUER empty the routes answer 404 (``GET /auth/oidc/config`` says so, for the
login form's "使用统一身份认证登录" button).

A staff id that also has an account here (api/staff_admin.py) is refused while it is disabled,
and its token carries the account's token version, so that the admin's changes end it as they
end a password login's (api/staff_sessions.py); without an account the IdP governs the session.

The redirect sign-in, Authorization Code flow with PKCE (S256), ``state`` and ``nonce``:

1. ``GET /auth/oidc/start?role=officer`` makes a random state, nonce and PKCE verifier, keeps
   them (``oidc_logins``: the state's hash, 10 minutes) and redirects to the provider's
   authorization endpoint (from its discovery document, KUAICHU_OIDC_DISCOVERY_URL or the
   issuer's ``/.well-known/openid-configuration``, cached 5 minutes).
2. The provider sends the browser to ``GET /auth/oidc/callback?code&state`` (KUAICHU_OIDC_REDIRECT_URL,
   default KUAICHU_PUBLIC_BASE_URL + that path). The state is used once (unknown, used or expired:
   400 OIDC_STATE_INVALID); the code is exchanged at the token endpoint with the verifier (refused:
   401 OIDC_CODE_REJECTED); the ID token is verified as above and must carry the state's nonce
   (401 OIDC_NONCE_MISMATCH); role and district come from its claims as above, the console's role
   the one wanted.
3. The callback redirects (303) to the console with a one-time hand-off code in the fragment
   (``/officer#kc_code=...``: a fragment is not sent to servers, nor logged); the console trades
   it within 60 s, once, at ``POST /auth/oidc/redeem`` for our token (kept in the tab's
   sessionStorage, as a password login's)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import secrets
import time
from datetime import timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

import httpx
import jwt
import sqlalchemy as sa
from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field

from api import staff_sessions
from api.auth import CLOCK_SKEW_S, ApiRole, Principal, TokenOut, issue_token, staff_id_of
from api.deps import AppState, State, utcnow
from api.errors import ApiProblem, problem_responses
from api.staff_login import account_principal, client_of, staff_login_limit
from db import staff as store
from db.models import OidcLoginRow
from db.session import write_session
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


def verify_id_token(settings: Settings, token: str, jwks_url: str = "") -> dict[str, Any]:
    """The verified claims (blocking: the JWKS may be fetched), or OidcRefused."""
    try:
        key = jwks_client(jwks_url or settings.oidc_jwks_url).get_signing_key_from_jwt(token)
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
    return Principal(role=role, sub=staff_id, district=district.strip(), roles=tuple(granted))


async def bind_account(kc: AppState, principal: Principal) -> Principal:
    """A staff id with an account here: refused while disabled; the token carries its version."""
    async with kc.sessions() as session:
        account = await store.get_account(session, principal.sub)
    if account is None:
        return principal
    if account.disabled:
        raise OidcRefused("disabled", R.STAFF_ACCOUNT_DISABLED, principal.sub)
    return principal.model_copy(update={"sv": account_principal(account, principal.role).sv})


@router.post("/login", responses=problem_responses(401, 403, 404, 422, 503))
async def oidc_login(body: OidcLoginIn, request: Request, kc: State) -> TokenOut:
    """The IdP's ID token → our staff token (role and district from its claims)."""
    settings = kc.settings
    if not settings.oidc_issuer:
        raise ApiProblem(R.NOT_FOUND)
    await staff_login_limit(kc, request, "", "oidc")
    try:
        claims = await asyncio.to_thread(verify_id_token, settings, body.id_token)
        principal = await bind_account(kc, principal_of(settings, claims, body.role))
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


# --------------------------------------------------------------------------- the redirect sign-in

STATE_SECONDS = 600  # from start to callback: the user signs in at the IdP meanwhile
HANDOFF_SECONDS = 60  # from callback to the console's redeem: one page load
DISCOVERY_SECONDS = 300
# the consoles a sign-in returns to, by the role it is for
CONSOLES = {
    ApiRole.SEAT: "/seat",
    ApiRole.OFFICER: "/officer",
    ApiRole.REVIEWER: "/reviewer",
    ApiRole.ADMIN: "/admin",
}
_discovery: dict[str, tuple[float, dict[str, Any]]] = {}


class OidcConfigOut(BaseModel):
    enabled: bool  # the login form shows "使用统一身份认证登录"


class RedeemIn(BaseModel):
    code: str = Field(max_length=128, repr=False, description="the kc_code of the console's URL fragment")


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def redirect_url(settings: Settings) -> str:
    return settings.oidc_redirect_url or settings.public_base_url.rstrip("/") + "/auth/oidc/callback"


async def discovery(settings: Settings) -> dict[str, Any]:
    """The provider's discovery document (its endpoints), cached; OidcRefused when unusable."""
    url = (
        settings.oidc_discovery_url or settings.oidc_issuer.rstrip("/") + "/.well-known/openid-configuration"
    )
    cached = _discovery.get(url)
    if cached is not None and time.monotonic() - cached[0] < DISCOVERY_SECONDS:
        return cached[1]
    try:
        async with httpx.AsyncClient(timeout=5) as client:
            response = await client.get(url)
            response.raise_for_status()
            doc = response.json()
    except (httpx.HTTPError, ValueError) as err:
        raise OidcRefused("discovery_unreachable", R.SERVICE_UNAVAILABLE) from err
    endpoints = ("authorization_endpoint", "token_endpoint", "jwks_uri")
    if (
        not isinstance(doc, dict)
        or doc.get("issuer") != settings.oidc_issuer
        or not all(isinstance(doc.get(k), str) for k in endpoints)
    ):
        raise OidcRefused("discovery_invalid", R.SERVICE_UNAVAILABLE)
    _discovery[url] = (time.monotonic(), doc)
    return doc


def _enabled(settings: Settings) -> None:
    if not settings.oidc_issuer:
        raise ApiProblem(R.NOT_FOUND)


@router.get("/config")
async def oidc_config(kc: State) -> OidcConfigOut:
    """Whether the OIDC sign-in is configured (the login form's button)."""
    return OidcConfigOut(enabled=bool(kc.settings.oidc_issuer))


@router.get(
    "/start", status_code=302, response_class=RedirectResponse, responses=problem_responses(404, 422, 503)
)
async def oidc_start(
    kc: State, role: Annotated[ApiRole, Query(description="the console signing in")]
) -> RedirectResponse:
    """Redirect to the provider's sign-in (Authorization Code + PKCE, state, nonce)."""
    settings = kc.settings
    _enabled(settings)
    if role not in CONSOLES:
        raise ApiProblem(R.VALIDATION_FAILED, "该岗位没有可登录的控制台")
    try:
        doc = await discovery(settings)
    except OidcRefused as refused:
        raise ApiProblem(refused.code) from refused
    state, nonce, verifier = secrets.token_urlsafe(32), secrets.token_urlsafe(32), secrets.token_urlsafe(64)
    now = utcnow()
    async with kc.sessions.begin() as session:
        # the sign-ins of over an hour ago, whatever came of them, go
        await session.execute(
            sa.delete(OidcLoginRow).where(OidcLoginRow.expires_at < now - timedelta(hours=1))
        )
        session.add(
            OidcLoginRow(
                state_hash=_hash(state),
                nonce=nonce,
                code_verifier=verifier,
                role=role.value,
                expires_at=now + timedelta(seconds=STATE_SECONDS),
            )
        )
    query = {
        "response_type": "code",
        "client_id": settings.oidc_audience,
        "redirect_uri": redirect_url(settings),
        "scope": settings.oidc_scopes,
        "state": state,
        "nonce": nonce,
        "code_challenge": _b64url(hashlib.sha256(verifier.encode()).digest()),
        "code_challenge_method": "S256",
    }
    endpoint = doc["authorization_endpoint"]
    return RedirectResponse(endpoint + ("&" if "?" in endpoint else "?") + urlencode(query), status_code=302)


async def _take_state(kc: AppState, state: str) -> OidcLoginRow:
    """The sign-in this state started, marked called back (once), or OIDC_STATE_INVALID."""
    now = utcnow()
    async with write_session(kc.sessions) as session:
        stmt = sa.select(OidcLoginRow).where(OidcLoginRow.state_hash == _hash(state)).with_for_update()
        row = (await session.execute(stmt)).scalar_one_or_none()
        if row is None or row.called_back_at is not None or row.expires_at <= now:
            outcome = (
                "bad_state" if row is None else "replayed_state" if row.called_back_at else "expired_state"
            )
            raise OidcRefused(outcome, R.OIDC_STATE_INVALID)
        row.called_back_at = now
        return row


async def _exchange_code(settings: Settings, doc: dict[str, Any], code: str, verifier: str) -> str:
    """The ID token the token endpoint gives for the code, or OidcRefused."""
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_url(settings),
        "client_id": settings.oidc_audience,
        "code_verifier": verifier,
    }
    auth = (settings.oidc_audience, settings.oidc_client_secret) if settings.oidc_client_secret else None
    try:
        async with httpx.AsyncClient(timeout=10) as client:
            response = await client.post(doc["token_endpoint"], data=form, auth=auth)
    except httpx.HTTPError as err:
        raise OidcRefused("token_endpoint_unreachable", R.SERVICE_UNAVAILABLE) from err
    try:
        id_token = response.json().get("id_token") if response.status_code == 200 else None
    except (ValueError, AttributeError):
        id_token = None
    if not isinstance(id_token, str) or not id_token:
        raise OidcRefused("code_rejected", R.OIDC_CODE_REJECTED)
    return id_token


@router.get(
    "/callback",
    status_code=303,
    response_class=RedirectResponse,
    responses=problem_responses(400, 401, 403, 404, 429, 503),
)
async def oidc_callback(
    request: Request,
    kc: State,
    state: Annotated[str, Query(max_length=128)] = "",
    code: Annotated[str, Query(max_length=2048)] = "",
    error: Annotated[str, Query(max_length=128)] = "",
) -> RedirectResponse:
    """The provider's redirect: the code for an ID token, and the console for a hand-off code."""
    settings = kc.settings
    _enabled(settings)
    await staff_login_limit(kc, request, "", "oidc")
    subject = ""
    try:
        row = await _take_state(kc, state)
        if error or not code:
            raise OidcRefused("provider_error" if error else "no_code", R.OIDC_PROVIDER_REFUSED)
        doc = await discovery(settings)
        id_token = await _exchange_code(settings, doc, code, row.code_verifier)
        claims = await asyncio.to_thread(
            verify_id_token, settings, id_token, settings.oidc_jwks_url or doc["jwks_uri"]
        )
        subject = str(claims.get(settings.oidc_subject_claim, ""))[:64]
        if not hmac.compare_digest(str(claims.get("nonce", "")), row.nonce):
            raise OidcRefused("bad_nonce", R.OIDC_NONCE_MISMATCH)
        principal = await bind_account(kc, principal_of(settings, claims, ApiRole(row.role)))
    except OidcRefused as refused:
        await _audit(kc, request, refused.subject or subject, refused.outcome)
        raise ApiProblem(refused.code) from refused
    handoff = secrets.token_urlsafe(32)
    async with kc.sessions.begin() as session:
        await session.execute(
            sa.update(OidcLoginRow)
            .where(OidcLoginRow.state_hash == row.state_hash)
            .values(
                handoff_hash=_hash(handoff),
                handoff_expires_at=utcnow() + timedelta(seconds=HANDOFF_SECONDS),
                principal=principal.model_dump(mode="json"),
            )
        )
    await _audit(kc, request, principal.sub, "ok")
    return RedirectResponse(f"{CONSOLES[ApiRole(row.role)]}#kc_code={handoff}", status_code=303)


@router.post("/redeem", responses=problem_responses(401, 404, 422))
async def oidc_redeem(body: RedeemIn, kc: State) -> TokenOut:
    """The console's one-time hand-off code (from the callback's redirect) → our staff token."""
    _enabled(kc.settings)
    now = utcnow()
    async with write_session(kc.sessions) as session:
        stmt = (
            sa.select(OidcLoginRow)
            .where(OidcLoginRow.handoff_hash == _hash(body.code.strip()))
            .with_for_update()
        )
        row = (await session.execute(stmt)).scalar_one_or_none()
        if (
            row is None
            or row.redeemed_at is not None
            or row.principal is None
            or row.handoff_expires_at is None
            or row.handoff_expires_at <= now
        ):
            raise ApiProblem(R.OIDC_HANDOFF_INVALID)
        principal = Principal.model_validate(row.principal)
        row.redeemed_at, row.principal = now, None  # used once; what it held is not kept
    await staff_sessions.check_account(kc, principal)
    return issue_token(kc.settings, principal)
