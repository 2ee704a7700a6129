"""The 110 path: a dispatcher (110 接警员) who took a call about a minor accident texts the caller a
one-time link to the H5 alert page. The link's token is random, stored only as an HMAC with an
expiry (KUAICHU_LINK_TOKEN_TTL_SECONDS) and spent by the first successful alert; the SMS goes
through the workflow's own SMS path (api/codes.py). The alert endpoint accepts the token in
``X-Link-Token`` instead of a login, and the caller's phone becomes the reporter."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api import codes
from api.auth import DispatcherP
from api.deps import State
from api.errors import ApiProblem, problem_responses
from api.rate_limits import LinkLimits
from domain import refusals as R
from domain.masking import mask_phone
from domain.models import MobileText
from domain.validators import normalize_mobile, validate_mobile

router = APIRouter(prefix="/dispatcher", tags=["110 dispatcher"])


class LinkIn(BaseModel):
    phone: MobileText = Field(description="the caller's mobile")


class LinkOut(BaseModel):
    phone: str  # masked
    expires_at: datetime
    sent: bool = True


@router.post(
    "/links",
    status_code=201,
    responses=problem_responses(401, 403, 422, 429, 503),
    dependencies=[LinkLimits],  # per phone and per dispatcher
)
async def send_link(body: LinkIn, kc: State, principal: DispatcherP) -> LinkOut:
    """Text a one-time alert link to the caller's mobile."""
    if validate_mobile(body.phone) is not None:
        raise ApiProblem(R.INVALID_PHONE, "手机号码格式不正确")
    mobile = normalize_mobile(body.phone)
    expires = await codes.issue_link(kc, mobile)
    return LinkOut(phone=mask_phone(mobile), expires_at=expires)
