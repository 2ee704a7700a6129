"""Operators in the Temporal UI: how an operator's browser proves who it is to the codec.

The Temporal UI (its own origin, e.g. http://127.0.0.1:8233) decodes payloads by POSTing them to
the API's codec endpoint (``--ui-codec-endpoint <api>/codec``; in a cluster the UI's
TEMPORAL_CODEC_ENDPOINT). A browser request carries no bearer token, so an operator (role ops or
admin) first opens ``/ops/`` on the API and signs in: ``POST /codec/session`` exchanges their
bearer token for an HttpOnly cookie ``kc_ops`` scoped to ``/codec`` (SameSite=Strict: the UI and the API
are the same site — one host, other port — so the browser sends it on the UI's calls, and no
other site can). The UI must send credentials: TEMPORAL_CODEC_INCLUDE_CREDENTIALS=true in a
cluster; with the dev server, the operator ticks "include cross-origin credentials" in the UI's
codec settings once. Anyone else gets 401 from the codec and sees ciphertext.

Where the cluster's UI has OpenID Connect, the UI can instead pass the user's access token
(TEMPORAL_CODEC_PASS_ACCESS_TOKEN): the codec accepts a bearer token as well."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import jwt
from fastapi import APIRouter, Cookie, Depends, Request, Response
from fastapi.responses import HTMLResponse
from fastapi.security import HTTPAuthorizationCredentials

from api.auth import ALGORITHM, ISSUER, ApiRole, Principal, bearer, current_principal, decode
from api.errors import ApiProblem, problem_responses
from api.staff_sessions import check_account
from domain import refusals as R

router = APIRouter(prefix="/ops", tags=["ops"])
session_router = APIRouter(prefix="/codec", tags=["ops"])  # where the cookie is sent
COOKIE = "kc_ops"
AUDIENCE = "temporal-codec"
OPERATORS = (ApiRole.OPS, ApiRole.ADMIN)
PAGE = Path(__file__).with_name("ops_page.html")


def _session_token(request: Request, principal: Principal) -> tuple[str, int]:
    settings = request.app.state.kc.settings
    ttl = min(settings.ops_session_ttl_seconds, settings.jwt_ttl_seconds)
    now = datetime.now(UTC)
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": principal.sub,
        "role": principal.role.value,
        "sv": principal.sv,
        "iat": now,
        "exp": now + timedelta(seconds=ttl),
    }
    return jwt.encode(claims, settings.jwt_secret, algorithm=ALGORITHM), ttl


def _from_cookie(request: Request, token: str) -> Principal:
    settings = request.app.state.kc.settings
    try:
        claims = jwt.decode(
            token,
            settings.jwt_secret,
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            audience=AUDIENCE,
            options={"require": ["exp", "iat", "sub", "iss", "aud"]},
        )
        sv = claims.get("sv")
        return Principal(
            role=ApiRole(claims["role"]), sub=str(claims["sub"]), sv=sv if type(sv) is int else None
        )
    except (jwt.PyJWTError, ValueError, KeyError) as err:
        raise ApiProblem(R.INVALID_TOKEN) from err


async def operator(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    kc_ops: Annotated[str | None, Cookie()] = None,
) -> Principal:
    """An operator by bearer token (API clients, a UI passing its OIDC token) or by the session
    cookie (the Temporal UI in the operator's browser)."""
    if credentials is not None and credentials.credentials:
        principal = await decode(request, credentials.credentials)
    elif kc_ops:
        principal = _from_cookie(request, kc_ops)
        await check_account(request.app.state.kc, principal)
    else:
        raise ApiProblem(R.UNAUTHENTICATED)
    acting = principal.acting_as(*OPERATORS)
    if acting is None:
        raise ApiProblem(R.FORBIDDEN_ROLE)
    return acting


OperatorP = Annotated[Principal, Depends(operator)]


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
async def ops_page() -> HTMLResponse:
    return HTMLResponse(PAGE.read_text(encoding="utf-8"))


@router.get("/config", include_in_schema=False)
async def ops_config(request: Request) -> dict[str, object]:
    settings = request.app.state.kc.settings
    return {"temporal_ui_url": settings.temporal_ui_url, "dev_login": settings.env != "production"}


@session_router.post(
    "/session", status_code=204, response_class=Response, responses=problem_responses(401, 403)
)
async def open_session(
    request: Request, principal: Annotated[Principal, Depends(current_principal)]
) -> Response:
    """Exchange an operator's bearer token for the codec cookie."""
    acting = principal.acting_as(*OPERATORS)
    if acting is None:
        raise ApiProblem(R.FORBIDDEN_ROLE)
    token, ttl = _session_token(request, acting)
    response = Response(status_code=204)
    response.set_cookie(
        COOKIE,
        token,
        max_age=ttl,
        path="/codec",
        httponly=True,
        samesite="strict",
        secure=request.app.state.kc.settings.public_base_url.startswith("https://"),
    )
    return response


@session_router.delete(
    "/session", status_code=204, response_class=Response, responses=problem_responses(401, 403)
)
async def close_session(principal: OperatorP) -> Response:
    response = Response(status_code=204)
    response.delete_cookie(COOKIE, path="/codec")
    return response
