"""Authentication: OAuth2-style bearer tokens (JWT, HS256, key KUAICHU_JWT_SECRET).

Roles: citizen, seat, officer, reviewer, admin, dispatcher, ops. A staff token's ``sub`` is the staff
id; a citizen token's ``sub`` is ``c-`` + the first 16 hex of the phone's HMAC (no personal data
in logs or audit ids) and its ``mobile`` claim is the verified mobile number, from which the API
finds the citizen's party in a case.

How a citizen gets a token:
- production: ``POST /auth/sms-code`` texts a 6-digit one-time code through the SMS outbox (the
  same SmsSender as the workflow: one mechanism), ``POST /auth/sms-login`` exchanges it.
  Codes are stored hashed, expire after KUAICHU_SMS_CODE_TTL_SECONDS, allow 5 attempts, are single
  use; a phone may ask at most once a minute and KUAICHU_SMS_CODE_MAX_PER_HOUR times an hour (429).
- the 110 path: the link token a dispatcher had texted (api/dispatcher.py) raises the alert and
  is answered with a citizen token for that phone.
- embedded/dev only (``KUAICHU_ENV`` != production): ``POST /auth/dev-login`` with a role, a staff
  id or a phone number. In production that route answers 404.

How staff get a token: ``POST /auth/staff/login`` (api/staff_login.py: password + TOTP, an account
an admin made, api/staff_admin.py), or ``POST /auth/oidc/login`` (api/oidc.py: the detachment's
OpenID Connect provider: its ID token, or the redirect sign-in ``GET /auth/oidc/start``). A staff
token carries the staff member's ``district``: seats, officers and reviewers see that district's
cases only (api/deps.py); ``*`` = every district. It carries ``roles``, every role the staff member
holds (a route for any of them lets it through, acting in that role), and ``role``, the console's;
a token of an account carries its token version ``sv``: disabling, deleting the account, changing
its roles or district, resetting its password or TOTP, or an admin's "revoke sessions" end its
tokens at once (api/staff_sessions.py).
"""

from __future__ import annotations

import secrets
import time
import uuid
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated

import jwt
from fastapi import APIRouter, Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field

from api.errors import ApiProblem, problem_responses
from domain import refusals as R
from domain.models import MobileText, StaffId
from domain.validators import normalize_mobile, validate_mobile
from settings import Settings

ISSUER = "kuaichu-api"
CLOCK_SKEW_S = 60
ALGORITHM = "HS256"
ALL_DISTRICTS = "*"  # a staff member of the whole unit (e.g. the city's reviewers)


class ApiRole(StrEnum):
    CITIZEN = "citizen"
    SEAT = "seat"
    OFFICER = "officer"
    REVIEWER = "reviewer"
    ADMIN = "admin"
    DISPATCHER = "dispatcher"
    OPS = "ops"  # operators: read cases in the Temporal UI through the codec (api/ops.py)


class Principal(BaseModel):
    role: ApiRole  # the role it acts in (the console's; require() sets the route's)
    sub: str
    mobile: str = ""  # citizens only: the verified mobile (normalised, 11 digits)
    channel: str = "app"  # app | sms_link
    # staff only: the district whose cases they see; "" (a token without one) sees none
    district: str = ""
    # staff only: every role the staff member holds (``role`` among them); empty = ``role`` alone
    roles: tuple[ApiRole, ...] = ()
    # staff only: the account's token version when issued (api/staff_sessions.py); None: a token
    # bound to no account (dev login, an OIDC user without an account here)
    sv: int | None = None

    @property
    def held(self) -> tuple[ApiRole, ...]:
        return (self.role, *(r for r in self.roles if r != self.role))

    def acting_as(self, *roles: ApiRole) -> Principal | None:
        """This principal acting in one of ``roles`` (its own role first), or None: it holds none."""
        for r in self.held:
            if r in roles:
                return self if r == self.role else self.model_copy(update={"role": r})
        return None


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int
    role: ApiRole
    sub: str
    district: str = ""
    roles: list[ApiRole] = []


def citizen_sub(mobile: str, secret: str) -> str:
    from db.repository import phone_hash

    return "c-" + phone_hash(mobile, secret)[:16]


def issue_token(settings: Settings, principal: Principal) -> TokenOut:
    now = datetime.now(UTC)
    ttl = settings.jwt_ttl_seconds
    claims = {
        "iss": ISSUER,
        "sub": principal.sub,
        "role": principal.role.value,
        "roles": [r.value for r in principal.held],
        "iat": now,
        "exp": now + timedelta(seconds=ttl),
        "jti": uuid.uuid4().hex,
    }
    if principal.mobile:
        claims["mobile"] = principal.mobile
        claims["channel"] = principal.channel
    if principal.district:
        claims["district"] = principal.district
    if principal.sv is not None:
        claims["sv"] = principal.sv
    token = jwt.encode(claims, settings.jwt_secret, algorithm=ALGORITHM)
    return TokenOut(
        access_token=token,
        expires_in=ttl,
        role=principal.role,
        sub=principal.sub,
        district=principal.district,
        roles=list(principal.held),
    )


def citizen_token(settings: Settings, mobile: str, channel: str = "app") -> TokenOut:
    m = normalize_mobile(mobile)
    return issue_token(
        settings,
        Principal(role=ApiRole.CITIZEN, sub=citizen_sub(m, settings.hash_secret), mobile=m, channel=channel),
    )


bearer = HTTPBearer(auto_error=False, description="JWT from /auth/dev-login or /auth/sms-login")

UNAUTHENTICATED = {"WWW-Authenticate": "Bearer"}


# Tokens already verified, with their expiry and issue time: every request of a console or an H5
# carries the same token, and verifying it again (HMAC, claims, the citizen's sub) was a quarter
# of a cached read's CPU. Bounded; the time checks run on every hit; keyed by the secret too.
VERIFIED_CACHE_SIZE = 10_000
_verified: dict[tuple[str, str], tuple[Principal, float, float]] = {}


def principal_from_token(settings: Settings, token: str) -> Principal:
    """The token's principal (verified once, then from a bounded cache), or INVALID_TOKEN."""
    key = (settings.jwt_secret, token)
    hit = _verified.get(key)
    now = time.time()
    if hit is not None:
        principal, expires, issued = hit
        if now < expires and now - issued <= settings.jwt_ttl_seconds + CLOCK_SKEW_S:
            return principal
        del _verified[key]
    principal, expires, issued = _verify(settings, token)
    if len(_verified) >= VERIFIED_CACHE_SIZE:
        del _verified[next(iter(_verified))]  # the oldest entry
    _verified[key] = (principal, expires, issued)
    return principal


def _verify(settings: Settings, token: str) -> tuple[Principal, float, float]:
    """The token's principal, its expiry and issue time (epoch seconds), or INVALID_TOKEN. Beyond the signature: a token lives at most
    KUAICHU_JWT_TTL_SECONDS from its issue whatever its exp says, and a citizen's sub must be
    the one derived from its mobile (a token cannot claim someone else's phone). A token of before
    the ``roles`` claim (one ``role``) holds that role alone. Whether a staff token's account
    still stands is checked by ``decode`` (api/staff_sessions.py), not here."""
    try:
        claims = jwt.decode(
            token,
            settings.jwt_secret,
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            options={"require": ["exp", "iat", "sub", "iss"]},
        )
        role = ApiRole(claims.get("role"))
        roles = claims.get("roles", [role.value])
        sv = claims.get("sv")
        if not isinstance(roles, list) or (sv is not None and type(sv) is not int):
            raise ValueError("roles or sv")
        principal = Principal(
            role=role,
            sub=str(claims["sub"]),
            mobile=str(claims.get("mobile", "")),
            channel=str(claims.get("channel", "app")),
            district=str(claims.get("district", "")),
            roles=tuple(ApiRole(r) for r in roles),
            sv=sv,
        )
        issued = datetime.fromtimestamp(int(claims["iat"]), UTC)
        expires = float(claims["exp"])
    except (jwt.PyJWTError, ValueError, KeyError, TypeError, OverflowError) as err:
        raise ApiProblem(R.INVALID_TOKEN, headers=UNAUTHENTICATED) from err
    if datetime.now(UTC) - issued > timedelta(seconds=settings.jwt_ttl_seconds + CLOCK_SKEW_S):
        raise ApiProblem(R.INVALID_TOKEN, headers=UNAUTHENTICATED)
    if ApiRole.CITIZEN in principal.held and principal.held != (ApiRole.CITIZEN,):
        raise ApiProblem(R.INVALID_TOKEN, headers=UNAUTHENTICATED)  # a citizen holds no staff role
    if principal.role == ApiRole.CITIZEN and (
        validate_mobile(principal.mobile) is not None
        or principal.sub != citizen_sub(principal.mobile, settings.hash_secret)
    ):
        raise ApiProblem(R.INVALID_TOKEN, headers=UNAUTHENTICATED)
    return principal, expires, issued.timestamp()


async def decode(request: Request, token: str) -> Principal:
    """The token's principal, its staff account (if it is bound to one) still standing."""
    from api.staff_sessions import check_account

    kc = request.app.state.kc
    principal = principal_from_token(kc.settings, token)
    await check_account(kc, principal)
    return principal


async def current_principal(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer" or not credentials.credentials:
        raise ApiProblem(R.UNAUTHENTICATED, headers=UNAUTHENTICATED)
    return await decode(request, credentials.credentials)


async def optional_principal(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> Principal | None:
    if credentials is None or not credentials.credentials:
        return None
    return await decode(request, credentials.credentials)


def require(*roles: ApiRole):
    """A dependency that lets through a principal holding any of these roles (403 for the others,
    401 without a token); the route sees it acting in the role it holds (its token's first)."""

    async def dependency(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        acting = principal.acting_as(*roles)
        if acting is None:
            raise ApiProblem(R.FORBIDDEN_ROLE)
        return acting

    dependency.__name__ = "require_" + "_".join(r.value for r in roles)
    return dependency


CitizenP = Annotated[Principal, Depends(require(ApiRole.CITIZEN))]
SeatP = Annotated[Principal, Depends(require(ApiRole.SEAT))]
OfficerP = Annotated[Principal, Depends(require(ApiRole.OFFICER))]
ReviewerP = Annotated[Principal, Depends(require(ApiRole.REVIEWER))]
AdminP = Annotated[Principal, Depends(require(ApiRole.ADMIN))]
DispatcherP = Annotated[Principal, Depends(require(ApiRole.DISPATCHER))]


# --------------------------------------------------------------------------- routes

router = APIRouter(prefix="/auth", tags=["auth"])


class DevLoginIn(BaseModel):
    role: ApiRole
    id: StaffId = Field(default="", description="staff id (seat, officer, reviewer, admin, dispatcher)")
    phone: MobileText = Field(default="", description="citizens: the mobile number")
    district: str = Field(
        default=ALL_DISTRICTS, max_length=64, description="staff: the district seen (* = every one)"
    )


class SmsCodeIn(BaseModel):
    phone: MobileText


class SmsCodeOut(BaseModel):
    sent: bool = True
    expires_in: int


class SmsLoginIn(BaseModel):
    phone: MobileText
    code: str = Field(max_length=12)  # the texted code (6 digits), as typed


def staff_id_of(value: str) -> str:
    """A staff id as typed, trimmed; INVALID_STAFF_ID unless ASCII letters, digits, - _ ."""
    v = value.strip()
    if not v or len(v) > 64 or not v.isascii() or not all(c.isalnum() or c in "-_." for c in v):
        raise ApiProblem(R.INVALID_STAFF_ID, "工号只能包含字母、数字和 - _ .")
    return v


def _mobile(value: str) -> str:
    if validate_mobile(value) is not None:
        raise ApiProblem(R.INVALID_PHONE, "手机号码格式不正确")
    return normalize_mobile(value)


@router.post("/dev-login", responses=problem_responses(404, 422))
async def dev_login(body: DevLoginIn, request: Request) -> TokenOut:
    """Development login (embedded runs only; 404 when KUAICHU_ENV=production)."""
    settings = request.app.state.kc.settings
    if settings.env == "production":
        raise ApiProblem(R.NOT_FOUND)
    if body.role == ApiRole.CITIZEN:
        return citizen_token(settings, _mobile(body.phone))
    return issue_token(
        settings, Principal(role=body.role, sub=staff_id_of(body.id), district=body.district.strip())
    )


async def _sms_code_limits(request: Request) -> None:
    """Per client address and in all (api/rate_limits.py); per phone: api/codes.py."""
    from api.rate_limits import sms_code_limits

    await sms_code_limits(request, request.app.state.kc)


@router.post("/sms-code", responses=problem_responses(422, 429), dependencies=[Depends(_sms_code_limits)])
async def sms_code(body: SmsCodeIn, request: Request) -> SmsCodeOut:
    """Text a one-time login code to a mobile (rate limited per phone)."""
    from api import codes

    kc = request.app.state.kc
    mobile = _mobile(body.phone)
    code = f"{secrets.randbelow(1_000_000):06d}"
    await codes.issue_login_code(kc, mobile, code)
    return SmsCodeOut(expires_in=kc.settings.sms_code_ttl_seconds)


@router.post("/sms-login", responses=problem_responses(401, 422))
async def sms_login(body: SmsLoginIn, request: Request) -> TokenOut:
    """Exchange the texted code for a citizen token."""
    from api import codes

    mobile = _mobile(body.phone)
    if not await codes.redeem_login_code(request.app.state.kc, mobile, body.code.strip()):
        raise ApiProblem(R.INVALID_CODE, "验证码错误或已过期，请重新获取")
    return citizen_token(request.app.state.kc.settings, mobile)
