"""Reviewer endpoints (复核, the superior unit): reviews waiting, the conclusion.

At least two reviewers conclude together: each co-reviewer first records their agreement with
their own login (``concurrence``), then one records the conclusion naming them; the officer who
decided may not be one of them (the workflow refuses both). Personal data: as for officers."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from api import case_reads
from api.auth import ReviewerP
from api.case_reads import require_case
from api.deps import CaseNumber, State, command, listing_district
from api.errors import problem_responses
from api.views import CaseDetail, CaseSummary, staff_detail, summary
from db import repository
from domain.messages import (
    Actor,
    CaseView,
    ConcludeReview,
    ConclusionContent,
    ConcurrenceContent,
    ConcurReview,
    Role,
)
from domain.models import CaseStatus
from workflows.case_workflow import AccidentCaseWorkflow

router = APIRouter(prefix="/reviewer", tags=["reviewer"])
CASE_ERRORS = problem_responses(401, 403, 404, 409, 422, 503)


@router.get("/reviews", responses=problem_responses(401, 403))
async def reviews_waiting(
    kc: State, principal: ReviewerP, limit: Annotated[int, Query(ge=1, le=200)] = 100
) -> list[CaseSummary]:
    """Cases under review, oldest first (the reviewer's district)."""
    any_case, district = listing_district(principal)
    if not any_case:
        return []
    return await reviews_under_way(kc, district=district, limit=limit)


async def reviews_under_way(kc: Any, district: str | None = None, limit: int = 100) -> list[CaseSummary]:
    """The list behind GET /reviewer/reviews (and its live stream, api/live.py)."""
    async with kc.sessions() as session:
        cases = await repository.list_cases(
            session, status=[CaseStatus.UNDER_REVIEW], district=district, limit=limit
        )
    return [summary(c) for c in sorted(cases, key=lambda c: c.reported_at)]


@router.get("/cases/{case_number}", responses=CASE_ERRORS)
async def reviewer_case(case_number: CaseNumber, kc: State, principal: ReviewerP) -> CaseDetail:
    snapshot, view, source = await case_reads.staff_read(kc, case_number, principal)
    full = snapshot.status == CaseStatus.UNDER_REVIEW  # personal data in full only while the review runs
    return staff_detail(view, snapshot, source, full=full)


@router.post("/cases/{case_number}/concurrence", responses=CASE_ERRORS)
async def concur(
    case_number: CaseNumber, body: ConcurrenceContent, kc: State, principal: ReviewerP
) -> CaseView:
    """A co-reviewer agrees, with their own login, to an outcome; the conclusion names them."""
    await require_case(kc, case_number, principal)
    return await kc.temporal.update(
        case_number, AccidentCaseWorkflow.concur_review, command(ConcurReview, _actor(principal), body)
    )


@router.post("/cases/{case_number}/conclusion", responses=CASE_ERRORS)
async def conclude(
    case_number: CaseNumber, body: ConclusionContent, kc: State, principal: ReviewerP
) -> CaseView:
    """Uphold, or order a new determination (the case goes back to an officer)."""
    await require_case(kc, case_number, principal)
    return await kc.temporal.update(
        case_number, AccidentCaseWorkflow.conclude_review, command(ConcludeReview, _actor(principal), body)
    )


def _actor(principal) -> Actor:
    return Actor(role=Role.REVIEWER, id=principal.sub)
