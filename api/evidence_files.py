"""Evidence for the staff of a case: the list (kind, party, SHA-256, size, retention) and the files
(photos, the call recording), so that the consoles show what was stored - the seat checks its
screenshots, the officer and the reviewers decide looking at them.

    GET /{seat|officer|reviewer}/cases/{case}/evidence
    GET /{seat|officer|reviewer}/cases/{case}/evidence/{evidence_id}/file

Who may see a case's evidence (the same rule as for its personal data, api/views.py): the seat
who accepted the case; an officer while the case awaits a decision or a new determination, or on
a case they decided; a reviewer while the case is under review. Anyone else of those roles: 403.
Files come from the object store's evidence namespace, only below the case's own prefix
(api/storage_deps.py: checked against their SHA-256, byte ranges for the video player); evidence
kept at a video vendor (Twilio recordings) has no file here (404 EVIDENCE_REMOTE), evidence past
its retention was deleted (404 EVIDENCE_DELETED)."""

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi import Path as PathParam
from fastapi.responses import Response
from pydantic import BaseModel

from adapters.storage import evidence_key_of
from api.auth import ApiRole, OfficerP, Principal, ReviewerP, SeatP
from api.case_reads import require_case
from api.deps import CaseNumber, State
from api.errors import ApiProblem, problem_responses
from api.officer import WAITING
from api.storage_deps import evidence_response
from db import repository
from domain import refusals as R
from domain.case_view import CaseSnapshot
from domain.models import CaseStatus

ERRORS = problem_responses(401, 403, 404)
EvidenceId = Annotated[str, PathParam(max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")]
FILE_DOC = {
    200: {"content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}
}


class EvidenceItem(BaseModel):
    evidence_id: str
    kind: str
    party_id: str = ""
    sha256: str
    content_type: str = ""
    size_bytes: int | None = None
    captured_by: str = ""
    captured_at: datetime
    retention: str
    deleted_at: datetime | None = None  # deleted when its retention passed (workflows/retention.py)
    file_url: str = ""  # empty when the file is not kept here


def may_see(principal: Principal, record: CaseSnapshot) -> bool:
    if principal.role == ApiRole.SEAT:
        return bool(record.seat_id) and record.seat_id == principal.sub
    if principal.role == ApiRole.OFFICER:
        return record.status in WAITING or record.officer_id == principal.sub
    if principal.role == ApiRole.REVIEWER:
        return record.status == CaseStatus.UNDER_REVIEW
    return False


async def _case_for(kc, case_number: str, principal: Principal) -> CaseSnapshot:
    record = await require_case(kc, case_number, principal)
    if not may_see(principal, record):
        raise ApiProblem(R.FORBIDDEN_CASE)
    return record


async def _list(kc, case_number: str, principal: Principal) -> list[EvidenceItem]:
    await _case_for(kc, case_number, principal)
    async with kc.sessions() as session:
        rows = await repository.list_evidence(session, case_number)
    prefix = f"/{principal.role.value}/cases/{case_number}/evidence"
    return [
        EvidenceItem(
            evidence_id=r.evidence_id,
            kind=r.kind,
            party_id=r.party_id,
            sha256=r.sha256,
            content_type=r.content_type,
            size_bytes=r.size_bytes,
            captured_by=r.captured_by,
            captured_at=r.captured_at,
            retention=r.retention,
            deleted_at=r.deleted_at,
            file_url=f"{prefix}/{r.evidence_id}/file"
            if evidence_key_of(r.storage_path, case_number) and r.deleted_at is None
            else "",
        )
        for r in rows
    ]


async def _file(kc, case_number: str, evidence_id: str, principal: Principal, request: Request) -> Response:
    await _case_for(kc, case_number, principal)
    async with kc.sessions() as session:
        rows = await repository.list_evidence(session, case_number)
    row = next((r for r in rows if r.evidence_id == evidence_id), None)
    if row is None:
        raise ApiProblem(R.EVIDENCE_NOT_FOUND)
    return await evidence_response(kc, case_number, row, request)


router = APIRouter(tags=["evidence"])


def _routes(role: str, who: Any) -> None:
    """The two routes of one staff role (its own login dependency)."""

    async def listing(case_number: CaseNumber, kc: State, principal: who) -> list[EvidenceItem]:
        return await _list(kc, case_number, principal)

    async def download(
        case_number: CaseNumber, evidence_id: EvidenceId, kc: State, principal: who, request: Request
    ) -> Response:
        return await _file(kc, case_number, evidence_id, principal, request)

    base = f"/{role}/cases/{{case_number}}/evidence"
    router.add_api_route(base, listing, methods=["GET"], responses=ERRORS, name=f"{role}_evidence")
    router.add_api_route(
        base + "/{evidence_id}/file",
        download,
        methods=["GET"],
        responses={**FILE_DOC, **ERRORS},
        response_class=Response,
        name=f"{role}_evidence_file",
    )


for _role, _who in (("seat", SeatP), ("officer", OfficerP), ("reviewer", ReviewerP)):
    _routes(_role, _who)
