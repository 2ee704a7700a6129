"""What the officer, reviewer and admin consoles need beyond the actors' routers (new endpoints,
no change to theirs):

    GET /officer/notice-codes                      the code lists of the decision form (GA 16.2
                                                   accident forms, impact parts; weather and road
                                                   surfaces as the seat recorded them)
    GET /seat/scene-codes                          the weather and road surface lists of the seat's
                                                   scene record
    GET /{officer|reviewer}/cases/{case}/verification   the registry results per party
    GET /{officer|reviewer}/cases/{case}/review    the applicant's review request (reason, text)
                                                   and the review's outcome so far
    GET /{officer|reviewer}/cases/{case}/notice    a notice PDF of the case (the newest
                                                   determination unless ``notice_number``)
    GET /admin/pilot-area                          the pilot area polygons (GeoJSON, WGS-84)
    GET /admin/settings                            the effective eligibility and timer settings
                                                   (no secrets)

Who may see a case here: the evidence rule (api.evidence_files.may_see) - an officer while the
case awaits a decision or on a case they decided, a reviewer while it is under review."""

import json
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from api.auth import AdminP, OfficerP, Principal, ReviewerP, SeatP
from api.case_reads import require_case
from api.deps import CaseNumber, State
from api.errors import ApiProblem, problem_responses
from api.evidence_files import may_see
from api.page_support import VerificationOut, verification_of
from api.storage_deps import notice_response
from db import repository
from domain import notice_codes
from domain import refusals as R
from domain.case_view import CaseSnapshot
from domain.models import NoticeKind

router = APIRouter(tags=["consoles"])
CASE_ERRORS = problem_responses(401, 403, 404)
PDF = {200: {"content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}}}

# settings a detachment changes that the admin console shows (never a secret, key or password)
SHOWN_SETTINGS = (
    "env",
    "timezone",
    "service_windows",
    "pilot_area_file",
    "calendar_overrides_file",
    "video_provider",
    "sms_provider",
    "case_timers",
    "notice_review_unit",
    "notice_verify_base_url",
    "public_base_url",
)


class CodeItem(BaseModel):
    code: str
    name: str


class NoticeCodesOut(BaseModel):
    accident_forms: list[CodeItem]
    impact_parts: list[CodeItem]
    weather: list[CodeItem]
    road_surfaces: list[CodeItem] = Field(default_factory=list)
    party_labels: str = notice_codes.PARTY_LABELS


class SceneCodesOut(BaseModel):
    weather: list[CodeItem]
    road_surfaces: list[CodeItem]


class ReviewOut(BaseModel):
    requested_by: str = ""
    reason_code: str = ""
    text: str = ""
    outcome: str | None = None
    conclusion_reason: str = ""


class SettingOut(BaseModel):
    name: str
    value: str
    env_var: str


class EffectiveSettings(BaseModel):
    settings: list[SettingOut] = Field(default_factory=list)
    note: str = "生效配置（只读，不含密钥）；修改请设置环境变量 KUAICHU_*（或 .env）后重启服务。"


def _items(table: dict[str, str]) -> list[CodeItem]:
    return [CodeItem(code=k, name=v) for k, v in table.items()]


@router.get("/officer/notice-codes", responses=problem_responses(401, 403))
async def codes_for_decision(principal: OfficerP) -> NoticeCodesOut:
    """The lists the decision form offers: a decision stores the code, the notice prints the name."""
    return NoticeCodesOut(
        accident_forms=_items(notice_codes.ACCIDENT_FORMS),
        impact_parts=_items(notice_codes.IMPACT_PARTS),
        weather=_items(notice_codes.WEATHER),
        road_surfaces=_items(notice_codes.ROAD_SURFACES),
    )


@router.get("/seat/scene-codes", responses=problem_responses(401, 403))
async def codes_for_scene(principal: SeatP) -> SceneCodesOut:
    """The lists the seat records the scene with (天气, 路面状况): the case stores the code."""
    return SceneCodesOut(
        weather=_items(notice_codes.WEATHER), road_surfaces=_items(notice_codes.ROAD_SURFACES)
    )


async def _case_for(kc: Any, case_number: str, principal: Principal) -> CaseSnapshot:
    record = await require_case(kc, case_number, principal)
    if not may_see(principal, record):
        raise ApiProblem(R.FORBIDDEN_CASE)
    return record


async def _verification(kc: Any, case_number: str, principal: Principal) -> list[VerificationOut]:
    return verification_of(await _case_for(kc, case_number, principal))


async def _review(kc: Any, case_number: str, principal: Principal) -> ReviewOut:
    s = await _case_for(kc, case_number, principal)
    return ReviewOut(
        requested_by=s.review_requested_by,
        reason_code=s.review_reason_code,
        text=s.review_text,
        outcome=s.review_outcome.value if s.review_outcome else None,
        conclusion_reason=s.review_conclusion_reason,
    )


async def _notice(kc: Any, case_number: str, principal: Principal, number: str | None) -> Response:
    await _case_for(kc, case_number, principal)
    async with kc.sessions() as session:
        notices = await repository.list_notices(session, case_number)
    if number:
        notices = [n for n in notices if n.notice_number == number]
    else:
        notices = [n for n in notices if n.kind == NoticeKind.DETERMINATION]
    if not notices or not notices[-1].pdf_path:
        raise ApiProblem(R.NOTICE_NOT_FOUND, "事故认定书尚未出具")
    last = notices[-1]
    return await notice_response(kc, last.pdf_path, last.sha256, f"{last.notice_number}.pdf")


NoticeNumber = Annotated[str | None, Query(max_length=40)]


def _routes(role: str, who: Any) -> None:
    """The three case routes of one staff role (its own login dependency)."""

    async def verification(case_number: CaseNumber, kc: State, principal: who) -> list[VerificationOut]:
        """Licence, vehicle and 交强险 per party as the registry answered (empty until verified)."""
        return await _verification(kc, case_number, principal)

    async def review(case_number: CaseNumber, kc: State, principal: who) -> ReviewOut:
        """The applicant's reason (code and text) and the review's outcome so far."""
        return await _review(kc, case_number, principal)

    async def notice(
        case_number: CaseNumber, kc: State, principal: who, notice_number: NoticeNumber = None
    ) -> Response:
        return await _notice(kc, case_number, principal, notice_number)

    base = f"/{role}/cases/{{case_number}}"
    for path, endpoint, extra in (
        ("/verification", verification, {}),
        ("/review", review, {}),
        ("/notice", notice, {"response_class": Response}),
    ):
        router.add_api_route(
            base + path,
            endpoint,
            methods=["GET"],
            responses={**(PDF if path == "/notice" else {}), **CASE_ERRORS},
            name=f"{role}_{path.strip('/')}",
            **extra,
        )


for _role, _who in (("officer", OfficerP), ("reviewer", ReviewerP)):
    _routes(_role, _who)


@router.get("/admin/pilot-area", responses=problem_responses(401, 403))
async def pilot_area(kc: State, principal: AdminP) -> dict[str, Any]:
    """The configured pilot area (KUAICHU_PILOT_AREA_FILE): a GeoJSON FeatureCollection, WGS-84."""
    data: dict[str, Any] = json.loads(kc.settings.pilot_area_file.read_text(encoding="utf-8"))
    return data


@router.get("/admin/settings", responses=problem_responses(401, 403))
async def effective_settings(kc: State, principal: AdminP) -> EffectiveSettings:
    """What this installation runs with, for the settings a detachment changes; no secrets."""
    s = kc.settings
    return EffectiveSettings(
        settings=[
            SettingOut(name=n, value=str(getattr(s, n, "")), env_var=f"KUAICHU_{n.upper()}")
            for n in SHOWN_SETTINGS
        ]
    )
