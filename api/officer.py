"""Deciding officer (民警) endpoints: cases awaiting a decision, the decision, service recorded
another way, hand-off to a patrol. The officer is a different person from the case's seat (the
workflow refuses SEAT_CANNOT_DECIDE). Personal data: what the notice carries, in full."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import AwareDatetime, BaseModel, Field

from api.auth import OfficerP
from api.deps import CaseNumber, State, case_view, require_case
from api.errors import problem_responses
from api.views import CaseDetail, CaseSummary, party_detail, summary
from db import repository
from domain.messages import Actor, CaseView, Decide, HandOff, RecordService, Role
from domain.models import Decision, Liability
from workflows.case_workflow import AccidentCaseWorkflow

router = APIRouter(prefix="/officer", tags=["officer"])
CASE_ERRORS = problem_responses(401, 403, 404, 409, 422, 503)
WAITING = ["awaiting_decision", "awaiting_redetermination"]


class DecisionIn(BaseModel):
    """The determination; the officer id comes from the token."""

    officer_name: str = Field(min_length=1, max_length=32)
    badge_number: str = Field(min_length=1, max_length=16)
    unit: str = Field(min_length=1, max_length=64)
    liabilities: dict[str, Liability] = Field(description="party id -> FULL | MAJOR | EQUAL | MINOR | NONE")
    facts: str = Field(min_length=1, max_length=4000)
    accident_form: str = Field(min_length=1, max_length=32, description="事故形态, e.g. 追尾碰撞")
    impact_points: list[str] = Field(default_factory=list, max_length=12)
    legal_basis: str = Field(default="", max_length=1000)
    weather: str = Field(default="晴", max_length=16)
    mediation_result: str = Field(default="", max_length=2000)
    no_mediation_reason: str = Field(default="", max_length=200)
    traffic_accident: bool = False


class ServiceIn(BaseModel):
    party_id: str = Field(min_length=1, max_length=8)
    served_at: AwareDatetime
    method: str = Field(min_length=1, max_length=64, description="e.g. 当面送达, 邮寄送达")


class HandOffIn(BaseModel):
    reason: str = Field(min_length=1, max_length=500)


def _actor(principal) -> Actor:
    return Actor(role=Role.OFFICER, id=principal.sub)


@router.get("/cases", responses=problem_responses(401, 403))
async def awaiting_decision(
    kc: State,
    principal: OfficerP,
    district: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 100,
) -> list[CaseSummary]:
    """Cases awaiting a decision or a new determination, oldest first."""
    async with kc.sessions() as session:
        records = await repository.list_cases(
            session, status=WAITING, district=district, limit=limit, with_parties=False
        )
    return [summary(r) for r in sorted(records, key=lambda r: r.reported_at)]


@router.get("/cases/{case_number}", responses=CASE_ERRORS)
async def officer_case(case_number: CaseNumber, kc: State, principal: OfficerP) -> CaseDetail:
    record = await require_case(kc, case_number)
    view, source = await case_view(kc, record)
    # personal data in full only where a decision is to be made, or on the officer's own case
    full = record.status in WAITING or record.officer_id == principal.sub
    return CaseDetail(case=view, parties=[party_detail(p, full=full) for p in record.parties], source=source)


@router.post("/cases/{case_number}/decision", responses=CASE_ERRORS)
async def decide(case_number: CaseNumber, body: DecisionIn, kc: State, principal: OfficerP) -> CaseView:
    """Liability per party; answers once the notice is issued (or with the refusal's reason)."""
    await require_case(kc, case_number)
    decision = Decision(officer_id=principal.sub, **body.model_dump())
    return await kc.temporal.update(
        case_number, AccidentCaseWorkflow.decide, Decide(actor=_actor(principal), decision=decision)
    )


@router.post("/cases/{case_number}/service", responses=CASE_ERRORS)
async def record_service(
    case_number: CaseNumber, body: ServiceIn, kc: State, principal: OfficerP
) -> CaseView:
    """Service done another way (in person, by post)."""
    await require_case(kc, case_number)
    return await kc.temporal.update(
        case_number,
        AccidentCaseWorkflow.record_service,
        RecordService(
            actor=_actor(principal), party_id=body.party_id, served_at=body.served_at, method=body.method
        ),
    )


@router.post("/cases/{case_number}/hand-off", responses=CASE_ERRORS)
async def hand_off(case_number: CaseNumber, body: HandOffIn, kc: State, principal: OfficerP) -> CaseView:
    await require_case(kc, case_number)
    return await kc.temporal.update(
        case_number, AccidentCaseWorkflow.hand_off, HandOff(actor=_actor(principal), reason=body.reason)
    )
