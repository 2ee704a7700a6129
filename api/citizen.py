"""Citizen endpoints (the 交管12123 app and the H5 page behind the 110 link).

A citizen acts only on cases where their verified mobile (the token's ``mobile``) is a party's
phone; "my cases" are found by the read model's phone hashes, a case's party by the stored
snapshot's phones, and the workflow gets ``Actor(citizen, <party id>)``. Any other case answers
404, whether it exists or not. Personal data: the citizen's own party in full, the other parties
masked (api/views.py). Raising an alert: api/alerts.py."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from pydantic import Field

from api import case_reads
from api.auth import CitizenP
from api.deps import AppState, CaseNumber, State, command, party_of
from api.errors import ApiProblem, problem_responses
from api.queue import QueueEntry, QueueOut, cached_queue, queue
from api.storage_deps import notice_response
from api.views import CaseDetail, CaseSummary, party_detail, summary
from db import repository
from domain import refusals as R
from domain.case_view import CaseSnapshot, PartySnapshot
from domain.messages import (
    Actor,
    Cancel,
    CancelContent,
    CaseView,
    ClaimResult,
    ConfirmReceipt,
    FileClaim,
    ReviewRequest,
    ReviewRequestContent,
    Role,
    VideoAccess,
    VideoTokenRequest,
)
from domain.models import CaseStatus, NoticeKind
from workflows.case_workflow import AccidentCaseWorkflow

router = APIRouter(prefix="/citizen", tags=["citizen"])
CASE_ERRORS = problem_responses(401, 403, 404, 409, 422, 503)


class CitizenCase(CaseDetail):
    me: str = Field(description="the caller's party id")
    queue: QueueEntry | None = None


@dataclass
class Mine:
    """A case of mine, and my party in it."""

    case: CaseSnapshot
    party: PartySnapshot

    @property
    def actor(self) -> Actor:
        return Actor(role=Role.CITIZEN, id=self.party.party.party_id)

    def answer(
        self, view: CaseView, source: str = "workflow", queue: QueueEntry | None = None
    ) -> CitizenCase:
        """The case as I see it: my own party in full, the others masked."""
        me = self.party.party.party_id
        return CitizenCase(
            case=view,
            parties=[party_detail(p, full=p.party.party_id == me) for p in self.case.parties],
            source=source,
            me=me,
            queue=queue,
        )


async def my_case(case_number: CaseNumber, kc: State, principal: CitizenP) -> Mine:
    """The case and my party in it; 404 when I am not a party (resolved before the body, so a
    stranger learns nothing from validation errors either)."""
    snapshot = await case_reads.load_case(kc, case_number)
    party = party_of(snapshot, principal.mobile) if snapshot is not None else None
    if snapshot is None or party is None:
        raise ApiProblem(R.CASE_NOT_FOUND)
    return Mine(case=snapshot, party=party)


MyCase = Annotated[Mine, Depends(my_case)]


@router.get("/cases", responses=problem_responses(401, 403))
async def my_cases(
    kc: State,
    principal: CitizenP,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000)] = 0,
) -> list[CaseSummary]:
    """The cases where my verified mobile is a party's (or the reporter's) phone, newest first."""
    async with kc.sessions() as session:
        cases = await repository.list_cases(
            session,
            phone_hash=repository.phone_hash(principal.mobile, kc.settings.hash_secret),
            limit=limit,
            offset=offset,
        )
    return [summary(c) for c in cases]


@router.get("/cases/{case_number}", response_model=CitizenCase, responses=CASE_ERRORS)
async def case_detail(case_number: CaseNumber, kc: State, principal: CitizenP) -> Response:
    """My case, from the read model's snapshot (written at every step of the case; the live
    query only where the snapshot lacks what the view shows: api/case_reads.py)."""
    read = await case_reads.current(kc, case_number)
    party = party_of(read.snapshot, principal.mobile) if read is not None else None
    if read is None or party is None:  # not mine: as unknown (my_case)
        raise ApiProblem(R.CASE_NOT_FOUND)
    mine = Mine(case=read.snapshot, party=party)
    position = None
    if read.snapshot.status == CaseStatus.QUEUED:
        # the position in its district's queue: the one its seats take calls from (api/deps.py)
        position = await _position(kc, case_number, read.snapshot.district)
    # one answer per snapshot, party and queue entry: built once, its bytes sent as they are
    key = (party.party.party_id, position.model_dump_json() if position else "")
    body = read.answers.get(key)
    if body is None:
        view, source, final = await case_reads.read_view(kc, read.snapshot)
        body = mine.answer(view, source, position).model_dump_json().encode()
        if final:  # a queried answer is not kept: the live case may change without a new step
            if len(read.answers) >= 16:
                read.answers.clear()  # queue entries of the past: only the latest are asked for
            read.answers[key] = body
    return Response(body, media_type="application/json")


async def _position(kc: AppState, case_number: str, district: str) -> QueueEntry | None:
    """My place in the queue: from the seats' cached queue (api/queue.py), read afresh when my
    case joined the queue after that was read."""

    def mine(out: QueueOut) -> QueueEntry | None:
        return next((e for e in out.entries if e.case_number == case_number), None)

    return mine((await cached_queue(kc, district=district))[0]) or mine(await queue(kc, district=district))


@router.post("/cases/{case_number}/video-token", responses=CASE_ERRORS)
async def resume_video(case_number: CaseNumber, kc: State, mine: MyCase) -> VideoAccess:
    """继续处理: a fresh video token (and a fresh room if the last one ended)."""
    return await kc.temporal.update(
        case_number, AccidentCaseWorkflow.issue_video_token, VideoTokenRequest(actor=mine.actor)
    )


@router.post("/cases/{case_number}/cancel", responses=CASE_ERRORS)
async def cancel(case_number: CaseNumber, kc: State, mine: MyCase, body: CancelContent) -> CitizenCase:
    view = await kc.temporal.update(
        case_number, AccidentCaseWorkflow.cancel, command(Cancel, mine.actor, body)
    )
    return mine.answer(view)


@router.post("/cases/{case_number}/receipt", responses=CASE_ERRORS)
async def confirm_receipt(case_number: CaseNumber, kc: State, mine: MyCase) -> CitizenCase:
    """I have received the notice (electronic service): the service time starts the review clock."""
    view = await kc.temporal.update(
        case_number, AccidentCaseWorkflow.confirm_receipt, ConfirmReceipt(actor=mine.actor)
    )
    return mine.answer(view)


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
async def request_review(
    case_number: CaseNumber, kc: State, mine: MyCase, body: ReviewRequestContent
) -> CitizenCase:
    """Apply for a review (复核) within 3 working days of service; one review per accident."""
    view = await kc.temporal.update(
        case_number, AccidentCaseWorkflow.request_review, command(ReviewRequest, mine.actor, body)
    )
    return mine.answer(view)


@router.post("/cases/{case_number}/claim", responses=CASE_ERRORS)
async def file_claim(case_number: CaseNumber, kc: State, mine: MyCase) -> ClaimResult:
    """One tap: report the accident to my 交强险 insurer (or get guidance if it is not connected).
    A repeated tap after the case closed answers the claim already filed (the read model's)."""
    try:
        return await kc.temporal.update(
            case_number, AccidentCaseWorkflow.file_claim, FileClaim(actor=mine.actor)
        )
    except ApiProblem as problem:
        if problem.code != R.CASE_CLOSED.code:
            raise
        snapshot = await case_reads.load_case(kc, case_number)  # fresh: the claim may be newer than `mine`
        party = party_of(snapshot, mine.party.party.phone) if snapshot is not None else None
        if party is None or party.claim is None:
            raise
        return party.claim
