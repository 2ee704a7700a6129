"""Deciding officer (民警) endpoints: cases awaiting a decision, the decision, service recorded
another way, hand-off to a patrol. The officer is a different person from the case's seat (the
workflow refuses SEAT_CANNOT_DECIDE). Personal data: what the notice carries, in full."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from api import case_reads
from api.auth import OfficerP
from api.case_reads import require_case
from api.deps import CaseNumber, State, command, listing_district
from api.errors import problem_responses
from api.views import CaseDetail, CaseSummary, staff_detail, summary
from db import repository
from domain.messages import (
    Actor,
    CaseView,
    CorrectCase,
    CorrectionContent,
    Decide,
    HandOff,
    HandOffContent,
    RecordService,
    Role,
    ServiceContent,
)
from domain.models import CaseStatus, Decision, DecisionContent
from workflows.case_workflow import AccidentCaseWorkflow

router = APIRouter(prefix="/officer", tags=["officer"])
CASE_ERRORS = problem_responses(401, 403, 404, 409, 422, 503)
WAITING = (CaseStatus.AWAITING_DECISION, CaseStatus.AWAITING_REDETERMINATION)


def _actor(principal) -> Actor:
    return Actor(role=Role.OFFICER, id=principal.sub)


@router.get("/cases", responses=problem_responses(401, 403))
async def awaiting_decision(
    kc: State,
    principal: OfficerP,
    district: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 100,
) -> list[CaseSummary]:
    """Cases awaiting a decision or a new determination, oldest first (the officer's district)."""
    any_case, district = listing_district(principal, district)
    if not any_case:
        return []
    return await cases_waiting(kc, district=district, limit=limit)


async def cases_waiting(kc: Any, district: str | None = None, limit: int = 100) -> list[CaseSummary]:
    """The list behind GET /officer/cases (and its live stream, api/live.py)."""
    async with kc.sessions() as session:
        cases = await repository.list_cases(session, status=WAITING, district=district, limit=limit)
    return [summary(c) for c in sorted(cases, key=lambda c: c.reported_at)]


@router.get("/cases/{case_number}", responses=CASE_ERRORS)
async def officer_case(case_number: CaseNumber, kc: State, principal: OfficerP) -> CaseDetail:
    snapshot, view, source = await case_reads.staff_read(kc, case_number, principal)
    # personal data in full only where a decision is to be made, or on the officer's own case
    full = snapshot.status in WAITING or snapshot.officer_id == principal.sub
    return staff_detail(view, snapshot, source, full=full)


@router.post("/cases/{case_number}/decision", responses=CASE_ERRORS)
async def decide(case_number: CaseNumber, body: DecisionContent, kc: State, principal: OfficerP) -> CaseView:
    """Liability per party; answers once the notice is issued (or with the refusal's reason).
    The officer id comes from the login."""
    await require_case(kc, case_number, principal)
    decision = Decision(officer_id=principal.sub, **dict(body))
    return await kc.temporal.update(
        case_number, AccidentCaseWorkflow.decide, Decide(actor=_actor(principal), decision=decision)
    )


@router.post("/cases/{case_number}/service", responses=CASE_ERRORS)
async def record_service(
    case_number: CaseNumber, body: ServiceContent, kc: State, principal: OfficerP
) -> CaseView:
    """Service done another way (in person, by post)."""
    await require_case(kc, case_number, principal)
    return await kc.temporal.update(
        case_number, AccidentCaseWorkflow.record_service, command(RecordService, _actor(principal), body)
    )


@router.post("/cases/{case_number}/hand-off", responses=CASE_ERRORS)
async def hand_off(case_number: CaseNumber, body: HandOffContent, kc: State, principal: OfficerP) -> CaseView:
    await require_case(kc, case_number, principal)
    return await kc.temporal.update(
        case_number, AccidentCaseWorkflow.hand_off, command(HandOff, _actor(principal), body)
    )


@router.post("/cases/{case_number}/correction", responses=CASE_ERRORS)
async def correct_case(
    case_number: CaseNumber, body: CorrectionContent, kc: State, principal: OfficerP
) -> CaseView:
    """Before deciding: correct the case's address or the account of the accident, with the reason
    (audited on the case's timeline)."""
    await require_case(kc, case_number, principal)
    return await kc.temporal.update(
        case_number, AccidentCaseWorkflow.correct_case, command(CorrectCase, _actor(principal), body)
    )
