"""Citizen endpoints (the 交管12123 app and the H5 page behind the 110 link).

A citizen acts only on cases where their verified mobile (the token's ``mobile``) is a party's
phone; the API maps the mobile to the party id through the read model's phone hashes and passes
``Actor(citizen, <party id>)`` to the workflow. Any other case answers 404, whether it exists or
not. Personal data: the citizen's own party in full, the other parties masked (api/views.py).

Raising an alert: the API runs the same eligibility check as the workflow
(``domain.eligibility.check_eligibility`` with ``adapters.rules.RulesConfig.eligibility()``) and
answers 422 with every refusal (code, reason, advice) in ``errors``; otherwise it numbers the
case (``<prefix><yyyymmdd>-<6 random digits>``, local date; uniqueness: the number must be free
in the read model and Temporal's REJECT_DUPLICATE start decides races - on a clash another
number is drawn, up to 8 times), starts the workflow, and asks it for the reporter's video token.
The reporter (the token's mobile, or the 110 link's phone) must be one of the parties."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Header, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field
from temporalio.exceptions import WorkflowAlreadyStartedError

from api import codes
from api.auth import ApiRole, CitizenP, Principal, TokenOut, citizen_token, optional_principal
from api.deps import CaseNumber, State, case_view, load_case, party_of
from api.errors import ApiProblem, problem_responses
from api.queue import QueueEntry, queue
from api.storage_deps import notice_response
from api.temporal import TemporalUnavailable
from api.views import CaseDetail, CaseSummary, party_detail, summary
from db import repository
from db.records import CaseRecord, PartyRecord
from domain import refusals as R
from domain.eligibility import check_eligibility
from domain.messages import (
    Actor,
    Cancel,
    CaseInput,
    CaseTimers,
    ClaimResult,
    ConfirmReceipt,
    FileClaim,
    ReviewRequest,
    Role,
    VideoAccess,
    VideoTokenRequest,
)
from domain.models import Alert, DeclaredFacts, Location, NoticeKind, Party
from domain.validators import normalize_mobile
from workflows.case_workflow import AccidentCaseWorkflow

log = logging.getLogger("kuaichu.api.citizen")

router = APIRouter(prefix="/citizen", tags=["citizen"])
CASE_ERRORS = problem_responses(401, 403, 404, 409, 422, 503)


class AlertIn(BaseModel):
    location: Location = Field(description="where the accident is, with its coordinate system")
    facts: DeclaredFacts
    parties: list[Party] = Field(min_length=1, max_length=8)
    consent_electronic_service: bool = Field(
        default=False, description="同意电子送达: required for online handling"
    )


class AlertOut(BaseModel):
    case_number: str
    party_id: str
    status: str = "queued"
    video: VideoAccess | None = None
    access_token: TokenOut | None = Field(
        default=None, description="raised through a 110 link: a citizen token for the follow-up calls"
    )


class CitizenCase(CaseDetail):
    me: str = Field(description="the caller's party id")
    queue: QueueEntry | None = None


class ReviewIn(BaseModel):
    reason_code: str = Field(
        min_length=1, max_length=32, description="e.g. FACTS_DISPUTED, LIABILITY_DISPUTED"
    )
    text: str = Field(default="", max_length=2000)


class CancelIn(BaseModel):
    reason: str = Field(default="", max_length=500)


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


def _number(kc, alert: Alert) -> str:
    local = alert.reported_at.astimezone(ZoneInfo(kc.settings.timezone))
    return f"{kc.settings.case_number_prefix}{local:%Y%m%d}-{secrets.randbelow(1_000_000):06d}"


@router.post(
    "/alerts",
    status_code=201,
    responses=problem_responses(401, 403, 409, 422, 503),
    summary="Raise an alert (app login, or the 110 link token in X-Link-Token)",
)
async def raise_alert(body: AlertIn, kc: State, who: Annotated[Reporter, Depends(reporter)]) -> AlertOut:
    mobile, channel, link = who.mobile, who.channel, who.link

    alert = Alert(
        reported_at=kc.alert_clock(),
        location=body.location,
        facts=body.facts,
        parties=body.parties,
        reporter_phone=mobile,
        consent_electronic_service=body.consent_electronic_service,
        channel=channel,
    )
    result = check_eligibility(alert, await kc.rules.eligibility())
    refusals = list(result.refusals)
    reporter = next((p for p in body.parties if normalize_mobile(p.phone) == mobile), None)
    if reporter is None:
        refusals.append(R.REPORTER_NOT_A_PARTY.refusal(field="parties"))
    if refusals:
        raise ApiProblem(
            R.NOT_ELIGIBLE,
            "不符合线上视频快处条件：" + "；".join(r.reason for r in refusals),
            errors=[r.model_dump() for r in refusals],
        )
    assert reporter is not None
    if link is not None and not await codes.use_link(kc, link):
        raise ApiProblem(R.LINK_INVALID, "链接已失效或已使用，请重新拨打110获取")

    timers = CaseTimers.model_validate(kc.settings.case_timers or {})
    try:
        number = await _start(kc, alert, result.district or "", result.area or "", timers)
    except Exception:
        if link is not None:
            await codes.release_link(kc, link)
        raise
    try:
        video = await kc.temporal.update(
            number,
            AccidentCaseWorkflow.issue_video_token,
            VideoTokenRequest(actor=Actor(role=Role.CITIZEN, id=reporter.party_id)),
        )
    except (ApiProblem, TemporalUnavailable):
        # the case exists: answer with it (and the caller's login) so nobody is lost; the video
        # is joined with 继续处理 (POST …/video-token)
        log.warning("alert raised without a video token: case %s", number)
        video = None
    log.info("alert raised: case %s channel %s", number, channel)
    return AlertOut(
        case_number=number,
        party_id=reporter.party_id,
        video=video,
        access_token=citizen_token(kc.settings, mobile, channel="sms_link") if link is not None else None,
    )


async def _start(kc, alert: Alert, district: str, area: str, timers: CaseTimers) -> str:
    for _ in range(8):
        number = _number(kc, alert)
        if await load_case(kc, number) is not None:
            continue
        try:
            await kc.temporal.start_case(
                CaseInput(case_number=number, alert=alert, district=district, area=area, timers=timers)
            )
        except WorkflowAlreadyStartedError:
            continue
        return number
    raise ApiProblem(R.CASE_NUMBER_EXHAUSTED, "系统繁忙，请稍后再试")


@dataclass
class Mine:
    record: CaseRecord
    party: PartyRecord


async def my_case(case_number: CaseNumber, kc: State, principal: CitizenP) -> Mine:
    """The case and my party in it; 404 when I am not a party (resolved before the body, so a
    stranger learns nothing from validation errors either)."""
    record = await load_case(kc, case_number)
    party = party_of(kc, record, principal.mobile) if record is not None else None
    if record is None or party is None:
        raise ApiProblem(R.CASE_NOT_FOUND)
    return Mine(record=record, party=party)


MyCase = Annotated[Mine, Depends(my_case)]


def _actor(party) -> Actor:
    return Actor(role=Role.CITIZEN, id=party.party_id)


@router.get("/cases", responses=problem_responses(401, 403))
async def my_cases(
    kc: State,
    principal: CitizenP,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000)] = 0,
) -> list[CaseSummary]:
    """The cases where my verified mobile is a party's (or the reporter's) phone, newest first."""
    async with kc.sessions() as session:
        records = await repository.list_cases(
            session,
            phone_hash=repository.phone_hash(principal.mobile, kc.settings.hash_secret),
            limit=limit,
            offset=offset,
            with_parties=False,
        )
    return [summary(r) for r in records]


@router.get("/cases/{case_number}", responses=CASE_ERRORS)
async def case_detail(case_number: CaseNumber, kc: State, mine: MyCase) -> CitizenCase:
    record, me = mine.record, mine.party
    view, source = await case_view(kc, record)
    position = None
    if view.status == "queued":
        position = next((e for e in (await queue(kc)).entries if e.case_number == case_number), None)
    return CitizenCase(
        case=view,
        parties=[party_detail(p, full=p.party_id == me.party_id) for p in record.parties],
        source=source,
        me=me.party_id,
        queue=position,
    )


@router.post("/cases/{case_number}/video-token", responses=CASE_ERRORS)
async def resume_video(case_number: CaseNumber, kc: State, mine: MyCase) -> VideoAccess:
    """继续处理: a fresh video token (and a fresh room if the last one ended)."""
    me = mine.party
    return await kc.temporal.update(
        case_number, AccidentCaseWorkflow.issue_video_token, VideoTokenRequest(actor=_actor(me))
    )


@router.post("/cases/{case_number}/cancel", responses=CASE_ERRORS)
async def cancel(case_number: CaseNumber, kc: State, mine: MyCase, body: CancelIn) -> CitizenCase:
    record, me = mine.record, mine.party
    view = await kc.temporal.update(
        case_number, AccidentCaseWorkflow.cancel, Cancel(actor=_actor(me), reason=body.reason)
    )
    return CitizenCase(
        case=view,
        parties=[party_detail(p, full=p.party_id == me.party_id) for p in record.parties],
        me=me.party_id,
    )


@router.post("/cases/{case_number}/receipt", responses=CASE_ERRORS)
async def confirm_receipt(case_number: CaseNumber, kc: State, mine: MyCase) -> CitizenCase:
    """I have received the notice (electronic service): the service time starts the review clock."""
    record, me = mine.record, mine.party
    view = await kc.temporal.update(
        case_number, AccidentCaseWorkflow.confirm_receipt, ConfirmReceipt(actor=_actor(me))
    )
    return CitizenCase(
        case=view,
        parties=[party_detail(p, full=p.party_id == me.party_id) for p in record.parties],
        me=me.party_id,
    )


@router.get(
    "/cases/{case_number}/notice",
    responses={
        200: {"content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}},
        **CASE_ERRORS,
    },
    response_class=Response,
)
async def download_notice(
    case_number: CaseNumber,
    kc: State,
    mine: MyCase,
    notice_number: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    """The notice PDF (the current determination unless a notice number is given)."""
    async with kc.sessions() as session:
        notices = await repository.list_notices(session, case_number)
    if notice_number:
        notices = [n for n in notices if n.notice_number == notice_number]
    else:
        notices = [n for n in notices if n.kind == NoticeKind.DETERMINATION]
    if not notices:
        raise ApiProblem(R.NOTICE_NOT_FOUND, "事故认定书尚未出具")
    notice = notices[-1]
    return await notice_response(kc, notice.pdf_path, notice.sha256, f"{notice.notice_number}.pdf")


@router.post("/cases/{case_number}/review", responses=CASE_ERRORS)
async def request_review(case_number: CaseNumber, kc: State, mine: MyCase, body: ReviewIn) -> CitizenCase:
    """Apply for a review (复核) within 3 working days of service; one review per accident."""
    record, me = mine.record, mine.party
    view = await kc.temporal.update(
        case_number,
        AccidentCaseWorkflow.request_review,
        ReviewRequest(actor=_actor(me), reason_code=body.reason_code, text=body.text),
    )
    return CitizenCase(
        case=view,
        parties=[party_detail(p, full=p.party_id == me.party_id) for p in record.parties],
        me=me.party_id,
    )


@router.post("/cases/{case_number}/claim", responses=CASE_ERRORS)
async def file_claim(case_number: CaseNumber, kc: State, mine: MyCase) -> ClaimResult:
    """One tap: report the accident to my 交强险 insurer (or get guidance if it is not connected)."""
    me = mine.party
    return await kc.temporal.update(case_number, AccidentCaseWorkflow.file_claim, FileClaim(actor=_actor(me)))
