"""Raising an alert (``POST /citizen/alerts``): from the app with a citizen login, or from the H5
page behind the link that 110 texts (its token in ``X-Link-Token``).

The API runs the same eligibility check as the workflow (``domain.eligibility.check_eligibility``
with ``adapters.rules.RulesConfig.eligibility()``) and answers 422 with every refusal (code,
reason, advice) in ``errors``; the reporter (the token's mobile, or the 110 link's phone) must be
one of the parties. Otherwise it numbers the case (``<prefix><yyyymmdd>-<6 random digits>``,
local date; the number must be free in the read model and Temporal's REJECT_DUPLICATE start
decides races - on a clash another number is drawn, up to 8 times), starts the workflow, and asks
it for the reporter's video token.

One accident, one case: a reporter has at most one case on the scene (queued, in video,
verifying), on every API process (api/alert_gate.py). The app's retry with the same
``Idempotency-Key`` header, a double tap or a second alert meanwhile is answered **200 with that
case** (a new case answers 201): the app simply shows the case it already has."""

from __future__ import annotations

import logging
import secrets
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Header, Response
from pydantic import BaseModel, Field
from temporalio.exceptions import WorkflowAlreadyStartedError

from api import alert_gate, codes
from api.auth import ApiRole, Principal, TokenOut, citizen_token, optional_principal
from api.case_reads import load_case
from api.deps import AppState, State, party_of
from api.errors import ApiProblem, problem_responses
from api.temporal import TemporalUnavailable
from domain import refusals as R
from domain.eligibility import EligibilityResult, check_eligibility
from domain.messages import Actor, CaseInput, CaseTimers, Role, VideoAccess, VideoTokenRequest
from domain.models import Alert, AlertContent, CaseStatus, Party
from domain.validators import normalize_mobile, validate_accident_time
from workflows.case_workflow import AccidentCaseWorkflow

log = logging.getLogger("kuaichu.api.alerts")

router = APIRouter(prefix="/citizen", tags=["citizen"])
NUMBER_ATTEMPTS = 8
IDEMPOTENCY_KEY = r"^[A-Za-z0-9._:-]{1,64}$"  # the app's retry of one tap sends the same key


class AlertOut(BaseModel):
    case_number: str
    party_id: str
    status: CaseStatus = CaseStatus.QUEUED
    video: VideoAccess | None = None
    access_token: TokenOut | None = Field(
        default=None, description="raised through a 110 link: a citizen token for the follow-up calls"
    )


class Reporter(BaseModel):
    mobile: str
    channel: str  # app | sms_link
    link: str | None = None


async def reporter(
    kc: State,
    principal: Annotated[Principal | None, Depends(optional_principal)],
    x_link_token: Annotated[str | None, Header(max_length=128)] = None,
) -> Reporter:
    """Who raises the alert: a citizen login, or the 110 link's token (checked before the body)."""
    if principal is not None:
        if principal.role != ApiRole.CITIZEN:
            raise ApiProblem(R.FORBIDDEN_ROLE, "只有当事人可以报警")
        return Reporter(mobile=principal.mobile, channel="app")
    if x_link_token:
        phone = await codes.peek_link(kc, x_link_token)
        if phone is None:
            raise ApiProblem(R.LINK_INVALID, "链接已失效或已使用，请重新拨打110获取")
        return Reporter(mobile=normalize_mobile(phone), channel="sms_link", link=x_link_token)
    raise ApiProblem(R.UNAUTHENTICATED, headers={"WWW-Authenticate": "Bearer"})


@router.post(
    "/alerts",
    status_code=201,
    responses={200: {"description": "the reporter's case still on the scene (a repeated alert)"}}
    | problem_responses(401, 403, 409, 422, 503),
    summary="Raise an alert (app login, or the 110 link token in X-Link-Token)",
)
async def raise_alert(
    body: AlertContent,
    kc: State,
    who: Annotated[Reporter, Depends(reporter)],
    response: Response,
    idempotency_key: Annotated[str, Header(max_length=64, pattern=IDEMPOTENCY_KEY)] = "",
) -> AlertOut:
    """201 with a new case; 200 with the reporter's case still on the scene when this alert
    repeats it (the same Idempotency-Key, a double tap, a second alert meanwhile)."""
    alert = Alert(**dict(body), reported_at=kc.alert_clock(), reporter_phone=who.mobile, channel=who.channel)
    if refusal := validate_accident_time(alert.accident_time, alert.reported_at):
        raise ApiProblem(R.INVALID_ACCIDENT_TIME, refusal.reason, errors=[refusal.model_dump()])
    result = check_eligibility(alert, await kc.rules.eligibility())
    party = eligible_reporter(alert, result)
    number, repeated = await open_case(kc, alert, result, who.link, idempotency_key)
    status = CaseStatus.QUEUED
    if repeated:
        response.status_code = 200
        snapshot = await load_case(kc, number)
        mine = party_of(snapshot, who.mobile) if snapshot is not None else None
        party = mine.party if mine is not None else party
        status = snapshot.status if snapshot is not None else status
    log.info("alert %s: case %s channel %s", "repeated" if repeated else "raised", number, who.channel)
    return AlertOut(
        case_number=number,
        party_id=party.party_id,
        status=status,
        video=await first_video_token(kc, number, party),
        access_token=citizen_token(kc.settings, who.mobile, channel="sms_link") if who.link else None,
    )


def eligible_reporter(alert: Alert, result: EligibilityResult) -> Party:
    """The reporter's party; 422 with every refusal when the case cannot be handled online."""
    refusals = list(result.refusals)
    party = next((p for p in alert.parties if normalize_mobile(p.phone) == alert.reporter_phone), None)
    if party is None:
        refusals.append(R.REPORTER_NOT_A_PARTY.refusal(field="parties"))
    if refusals or party is None:
        raise ApiProblem(
            R.NOT_ELIGIBLE,
            "不符合线上视频快处条件：" + "；".join(r.reason for r in refusals),
            errors=[r.model_dump() for r in refusals],
        )
    return party


async def open_case(
    kc: AppState, alert: Alert, result: EligibilityResult, link: str | None, key: str = ""
) -> tuple[str, bool]:
    """Spend the 110 link (if any), number the case and start its workflow: (number, False). The
    reporter's case still on the scene answers instead (api/alert_gate.py): (its number, True).
    A case that could not be started gives the link and the reporter's gate back."""
    if link is not None and not await codes.use_link(kc, link):
        raise ApiProblem(R.LINK_INVALID, "链接已失效或已使用，请重新拨打110获取")
    timers = CaseTimers.model_validate(kc.settings.case_timers or {})
    number = ""
    try:
        for _ in range(NUMBER_ATTEMPTS):
            number = _number(kc, alert)
            if await load_case(kc, number) is not None:
                continue
            existing = await alert_gate.claim(kc, alert.reporter_phone, number, key)
            if existing is not None:
                if link is not None:  # the link raised nothing new
                    await codes.release_link(kc, link)
                return existing, True
            inp = CaseInput(
                case_number=number,
                alert=alert,
                district=result.district or "",
                area=result.area or "",
                timers=timers,
            )
            try:
                await kc.temporal.start_case(inp)
            except WorkflowAlreadyStartedError:  # the number is another case's: draw again
                await alert_gate.release(kc, alert.reporter_phone, number)
                continue
            return number, False
        raise ApiProblem(R.CASE_NUMBER_EXHAUSTED, "系统繁忙，请稍后再试")
    except Exception:
        if number:
            await alert_gate.release(kc, alert.reporter_phone, number)
        if link is not None:
            await codes.release_link(kc, link)
        raise


async def first_video_token(kc: AppState, number: str, party: Party) -> VideoAccess | None:
    """The reporter's video token. The case exists whatever happens here: without a token it is
    still answered (with the caller's login), and the video is joined with 继续处理."""
    try:
        return await kc.temporal.update(
            number,
            AccidentCaseWorkflow.issue_video_token,
            VideoTokenRequest(actor=Actor(role=Role.CITIZEN, id=party.party_id)),
        )
    except (ApiProblem, TemporalUnavailable):
        log.warning("alert raised without a video token: case %s", number)
        return None


def _number(kc: AppState, alert: Alert) -> str:
    local = alert.reported_at.astimezone(ZoneInfo(kc.settings.timezone))
    return f"{kc.settings.case_number_prefix}{local:%Y%m%d}-{secrets.randbelow(1_000_000):06d}"
