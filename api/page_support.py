"""What the pages need beyond the actors' routers (new endpoints, no change to theirs):

    GET  /app/config                       public: environment, video provider, whether the
                                           embedded SMS outbox and the development login are on
    GET  /app/link                         the 110 link (X-Link-Token): still valid? to which
                                           phone (masked)? - before the caller fills the form
    GET  /citizen/cases/{case}/timeline    citizen, own case: the steps so far, in Chinese
    POST /seat/cases/{case}/parties/check  seat, own case: the domain's party validation with
                                           the field of every refusal (``P2.vehicle.plate``), so
                                           the console shows it at the field
    GET  /seat/cases/{case}/verification   seat, own case: the registry results per party
    GET  /dev/handset/{phone}              embedded only (404 otherwise): the simulated phone -
                                           the outbox messages to one number (login codes, links)

The timeline shows actions and times only: no actor ids, no details."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Header
from fastapi import Path as PathParam
from pydantic import BaseModel, Field

from api import codes
from api.auth import SeatP
from api.case_reads import require_case
from api.citizen import MyCase
from api.deps import CaseNumber, State
from api.errors import ApiProblem, problem_responses
from db import repository
from domain import refusals as R
from domain.masking import mask_phone
from domain.messages import PartiesContent
from domain.models import Refusal
from domain.validators import normalize_mobile, validate_mobile, validate_parties

router = APIRouter(tags=["pages"])

TIMELINE_ZH: dict[str, str] = {
    "alert_received": "报警已受理，排队等待坐席民警",
    "call_accepted": "坐席民警已接听视频",
    "parties_recorded": "当事人及车辆信息已记录",
    "safety_checked": "安全防护已确认（双闪、三角警示牌、人员撤离）",
    "evidence_added": "现场证据已固定",
    "collection_completed": "视频取证完成",
    "verification_done": "驾驶证、行驶证、交强险核验完成",
    "collection_verified": "核验通过，请撤离现场",
    "timer_video_resume_fired": "视频中断后未继续处理",
    "decided": "民警已作出责任认定",
    "notice_issued": "道路交通事故认定书已出具",
    "notice_served": "事故认定书已送达",
    "review_requested": "已申请复核",
    "review_concluded": "复核已作出结论",
    "review_upheld": "复核维持原认定",
    "redetermination_ordered": "复核决定撤销原认定、重新认定",
    "claim_filed": "已向保险公司报案",
    "claim_guidance_given": "已提供保险报案指引",
    "case_closed": "案件已办结",
    "case_refused": "不符合线上快处条件",
    "case_cancelled": "已取消线上快处",
    "case_handed_to_patrol": "已转交警现场处理",
}


class AppConfig(BaseModel):
    env: str
    video_provider: str
    sms_outbox: bool = Field(description="embedded: login codes are readable on /dev/handset")
    dev_login: bool
    service_windows: str
    timezone: str


class LinkInfo(BaseModel):
    phone: str  # masked
    valid: bool = True


class TimelineItem(BaseModel):
    at: datetime
    action: str
    label: str
    count: int = 1  # consecutive records of the same action, e.g. the evidence photos


class PartyCheckOut(BaseModel):
    ok: bool = True


class VerificationOut(BaseModel):
    party_id: str
    checked: bool
    result: dict[str, Any] = Field(default_factory=dict)


class HandsetMessage(BaseModel):
    at: datetime
    body: str


def _embedded_outbox(kc) -> bool:
    return kc.settings.env != "production" and kc.settings.sms_provider == "outbox"


@router.get("/app/config")
async def app_config(kc: State) -> AppConfig:
    s = kc.settings
    return AppConfig(
        env=s.env,
        video_provider=s.video_provider,
        sms_outbox=_embedded_outbox(kc),
        dev_login=s.env != "production",
        service_windows=s.service_windows,
        timezone=s.timezone,
    )


@router.get("/app/link", responses=problem_responses(401))
async def link_info(
    kc: State, x_link_token: Annotated[str | None, Header(max_length=128)] = None
) -> LinkInfo:
    """Whether a 110 link can still raise an alert, and the (masked) phone it was sent to. The
    link's token (X-Link-Token) is the authority, as for raising the alert with it."""
    phone = await codes.peek_link(kc, x_link_token) if x_link_token else None
    if phone is None:
        raise ApiProblem(R.LINK_INVALID, "链接已失效或已使用，请重新拨打110获取")
    return LinkInfo(phone=mask_phone(phone))


@router.get("/citizen/cases/{case_number}/timeline", responses=problem_responses(401, 403, 404))
async def timeline(case_number: CaseNumber, kc: State, mine: MyCase) -> list[TimelineItem]:
    async with kc.sessions() as session:
        entries = await repository.list_timeline(session, case_number)
    out: list[TimelineItem] = []
    for e in entries:
        label = TIMELINE_ZH.get(e.action)
        if label is None:
            continue
        if out and out[-1].action == e.action:  # e.g. the photos; a step recorded twice
            out[-1].count += e.action == "evidence_added"
            continue
        out.append(TimelineItem(at=e.at, action=e.action, label=label))
    return out


async def _own_case(kc, case_number: str, principal) -> Any:
    record = await require_case(kc, case_number, principal)
    if record.seat_id != principal.sub:
        raise ApiProblem(R.NOT_THE_SEAT)
    return record


@router.post("/seat/cases/{case_number}/parties/check", responses=problem_responses(401, 403, 404, 422))
async def check_parties(
    case_number: CaseNumber, body: PartiesContent, kc: State, principal: SeatP
) -> PartyCheckOut:
    """The workflow's own party rules (domain.validators.validate_parties), every refusal with its
    field; 422 ``PARTY_INVALID`` with ``errors`` when any fails."""
    await _own_case(kc, case_number, principal)
    today = datetime.now(ZoneInfo(kc.settings.timezone)).date()
    refusals: list[Refusal] = validate_parties(body.parties, today)
    if refusals:
        raise ApiProblem(
            R.PARTY_INVALID,
            "；".join(r.reason for r in refusals),
            errors=[r.model_dump() for r in refusals],
        )
    return PartyCheckOut()


@router.get("/seat/cases/{case_number}/verification", responses=problem_responses(401, 403, 404))
async def verification(case_number: CaseNumber, kc: State, principal: SeatP) -> list[VerificationOut]:
    """Licence, vehicle and 交强险 per party as the registry answered (empty until verified)."""
    return verification_of(await _own_case(kc, case_number, principal))


def verification_of(record: Any) -> list[VerificationOut]:
    """A case snapshot's registry results per party (also the officer's and reviewers' view)."""
    return [
        VerificationOut(
            party_id=p.party.party_id,
            checked=p.verification is not None,
            result=p.verification.model_dump(mode="json") if p.verification else {},
        )
        for p in record.parties
    ]


@router.get("/dev/handset/{phone}", responses=problem_responses(404, 422))
async def handset(
    phone: Annotated[str, PathParam(max_length=24)], kc: State, limit: int = 10
) -> list[HandsetMessage]:
    """Embedded runs only: what the simulated phone received (newest first). In production, or
    with a real SMS provider, this route answers 404 (codes then reach real phones only)."""
    if not _embedded_outbox(kc):
        raise ApiProblem(R.NOT_FOUND)
    if validate_mobile(phone) is not None:
        raise ApiProblem(R.INVALID_PHONE, "手机号码格式不正确")
    mobile = normalize_mobile(phone)
    async with kc.sessions() as session:
        rows = await repository.list_sms(session, limit=200)
    mine = [r for r in rows if normalize_mobile(r.phone) == mobile][: max(1, min(limit, 50))]
    return [HandsetMessage(at=r.created_at, body=r.body) for r in mine]
