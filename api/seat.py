"""Seat officer (坐席) endpoints: the queue, accepting a call, the video collection.

The seat's staff id (token ``sub``) is the workflow actor; the workflow refuses a seat that did
not accept the case (NOT_THE_SEAT, 403). Personal data: a queued case is shown masked; once the
seat accepted it, its parties in full (the seat verifies them on video); another seat's case
masked.

Evidence upload (multipart; the file itself: api/uploads.py, typed by its magic bytes, never by
the declared content type or name; at most KUAICHU_EVIDENCE_MAX_BYTES, 413 beyond). The file is stored in the
object store as ``evidence/<case>/<sha256>.<ext>`` (api/storage_deps.py); its id is
``<case>-<first 16 hex of the sha256>``, so the same bytes uploaded twice are the same evidence (the retry of a lost response finishes the
job and answers ``duplicate: true``). The workflow gets an EvidenceRef (path + hash, never bytes),
then the evidence table gets its row."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, File, Form, Response, UploadFile
from pydantic import BaseModel

from api import case_reads
from api.auth import SeatP
from api.case_reads import require_case
from api.deps import AppState, CaseNumber, State, command, listing_district
from api.errors import ApiProblem, problem_responses
from api.queue import QueueOut, cached_queue
from api.storage_deps import drop_evidence, put_evidence, upload_spool_dir
from api.temporal import TemporalUnavailable
from api.uploads import store_upload
from api.views import CaseDetail, staff_detail
from db import repository
from domain import refusals as R
from domain.case_view import CaseSnapshot
from domain.messages import (
    AcceptCall,
    Actor,
    AddEvidence,
    CaseView,
    CompleteCollection,
    CorrectCase,
    CorrectionContent,
    HandOff,
    HandOffContent,
    PartiesContent,
    RecordParties,
    RecordScene,
    Role,
    SafetyChecklist,
    SafetyContent,
    SceneContent,
    VideoAccess,
    VideoTokenRequest,
)
from domain.models import EvidenceKind, EvidenceRef, OptionalPartyId
from workflows.case_workflow import AccidentCaseWorkflow

router = APIRouter(prefix="/seat", tags=["seat"])
CASE_ERRORS = problem_responses(401, 403, 404, 409, 422, 503)


class AcceptOut(BaseModel):
    case: CaseView
    video: VideoAccess


class EvidenceOut(BaseModel):
    evidence: EvidenceRef
    size_bytes: int
    duplicate: bool = False
    case: CaseView | None = None


def _actor(principal) -> Actor:
    return Actor(role=Role.SEAT, id=principal.sub)


@router.get("/queue", response_model=QueueOut, responses=problem_responses(401, 403))
async def seat_queue(kc: State, principal: SeatP) -> Response:
    """Cases waiting for a seat of the seat's district, oldest first, with waiting time and
    estimated wait (at most 300 ms old: api/queue.py)."""
    any_case, district = listing_district(principal)
    if not any_case:
        return Response(QueueOut(entries=[]).model_dump_json(), media_type="application/json")
    _, body = await cached_queue(kc, district=district)
    return Response(body, media_type="application/json")


@router.get("/cases/{case_number}", responses=CASE_ERRORS)
async def seat_case(case_number: CaseNumber, kc: State, principal: SeatP) -> CaseDetail:
    snapshot, view, source = await case_reads.staff_read(kc, case_number, principal)
    return staff_detail(view, snapshot, source, full=snapshot.seat_id == principal.sub)


@router.post("/cases/{case_number}/accept", responses=CASE_ERRORS)
async def accept(case_number: CaseNumber, kc: State, principal: SeatP) -> AcceptOut:
    """Take the call (one seat only), and get the seat's video token."""
    await require_case(kc, case_number, principal)
    view = await kc.temporal.update(
        case_number, AccidentCaseWorkflow.accept_call, AcceptCall(actor=_actor(principal))
    )
    video = await kc.temporal.update(
        case_number, AccidentCaseWorkflow.issue_video_token, VideoTokenRequest(actor=_actor(principal))
    )
    return AcceptOut(case=view, video=video)


@router.post("/cases/{case_number}/video-token", responses=CASE_ERRORS)
async def seat_video_token(case_number: CaseNumber, kc: State, principal: SeatP) -> VideoAccess:
    await require_case(kc, case_number, principal)
    return await kc.temporal.update(
        case_number, AccidentCaseWorkflow.issue_video_token, VideoTokenRequest(actor=_actor(principal))
    )


@router.put("/cases/{case_number}/parties", responses=CASE_ERRORS)
async def record_parties(
    case_number: CaseNumber, body: PartiesContent, kc: State, principal: SeatP
) -> CaseView:
    """Record or correct the parties with their vehicles (replaces the list)."""
    await require_case(kc, case_number, principal)
    return await kc.temporal.update(
        case_number, AccidentCaseWorkflow.record_parties, command(RecordParties, _actor(principal), body)
    )


@router.post(
    "/cases/{case_number}/evidence",
    responses=problem_responses(401, 403, 404, 409, 413, 415, 422, 503),
    status_code=201,
)
async def upload_evidence(
    case_number: CaseNumber,
    kc: State,
    principal: SeatP,
    file: Annotated[UploadFile, File(description="JPEG, PNG or MP4")],
    kind: Annotated[EvidenceKind, Form(description="the shot-list item")],
    party_id: Annotated[OptionalPartyId, Form(description="the party the shot is of, if any")] = "",
) -> EvidenceOut:
    snapshot = await require_case(kc, case_number, principal)
    await _require_own_case(kc, snapshot, principal.sub)
    stored = await store_upload(file, upload_spool_dir(kc), kc.settings.evidence_max_bytes)
    try:  # the spooled copy goes once the object store holds it
        ext = stored.path.suffix.lstrip(".")
        storage_path = await put_evidence(
            kc, case_number, stored.path, stored.sha256, ext, stored.content_type
        )
    finally:
        stored.path.unlink(missing_ok=True)
    ref = EvidenceRef(
        evidence_id=f"{case_number}-{stored.sha256[:16]}",
        kind=kind,
        storage_path=storage_path,
        sha256=stored.sha256,
        content_type=stored.content_type,
        party_id=party_id,
        captured_by=principal.sub,
        captured_at=datetime.now(UTC),
    )
    return await register_evidence(kc, principal, case_number, ref, stored.size)


async def register_evidence(kc, principal, case_number: str, ref: EvidenceRef, size: int) -> EvidenceOut:
    """A stored file becomes evidence: the workflow first (a refused file is removed), then the
    evidence table. Also used by the call recording's chunked upload (api/recordings.py)."""
    duplicate, view = await _add_to_case(kc, case_number, AddEvidence(actor=_actor(principal), evidence=ref))
    await _record_evidence(kc, case_number, ref, size)  # idempotent: a retry finishes the job
    return EvidenceOut(evidence=ref, size_bytes=size, duplicate=duplicate, case=view)


async def _require_own_case(kc: AppState, snapshot: CaseSnapshot, seat_id: str) -> None:
    """The read model may lag a moment behind an accepted call (its record step runs after the
    update): when it disagrees, the live case decides, so a seat is never told "other seat"
    about the case it has just accepted."""
    if snapshot.seat_id == seat_id:
        return
    try:
        live = await kc.temporal.view(snapshot.case_number)
    except TemporalUnavailable:
        live = None
    if live is None or live.seat_id != seat_id:
        raise ApiProblem(R.NOT_THE_SEAT)


async def _add_to_case(kc, case_number: str, cmd: AddEvidence) -> tuple[bool, CaseView | None]:
    """(duplicate, view): the workflow takes the reference; the same evidence again is no error.
    A refused file is deleted unless the evidence table knows it (no untracked personal images)."""
    try:
        return False, await kc.temporal.update(case_number, AccidentCaseWorkflow.add_evidence, cmd)
    except ApiProblem as problem:
        if problem.code == R.EVIDENCE_DUPLICATE.code:
            return True, None
        async with kc.sessions() as session:
            known = any(
                e.evidence_id == cmd.evidence.evidence_id
                for e in await repository.list_evidence(session, case_number)
            )
        if not known:
            await drop_evidence(kc, cmd.evidence.storage_path)
        raise


async def _record_evidence(kc, case_number: str, ref: EvidenceRef, size: int) -> None:
    async with kc.sessions.begin() as session:
        try:
            await repository.add_evidence(
                session,
                case_number=case_number,
                **ref.model_dump(),
                size_bytes=size,
                captured_role=Role.SEAT.value,
            )
        except repository.EvidenceConflict as err:
            raise ApiProblem(R.EVIDENCE_CONFLICT, "证据编号冲突") from err


@router.post("/cases/{case_number}/safety", responses=CASE_ERRORS)
async def tick_safety(case_number: CaseNumber, body: SafetyContent, kc: State, principal: SeatP) -> CaseView:
    """The safety checklist: hazard lights, warning triangle 50–100 m behind, people off the road."""
    await require_case(kc, case_number, principal)
    return await kc.temporal.update(
        case_number, AccidentCaseWorkflow.tick_safety, command(SafetyChecklist, _actor(principal), body)
    )


@router.put("/cases/{case_number}/scene", responses=CASE_ERRORS)
async def record_scene(case_number: CaseNumber, body: SceneContent, kc: State, principal: SeatP) -> CaseView:
    """The weather and road surface (codes of GET /seat/scene-codes), or the accident time as
    corrected (recorded in the case's timeline with the old time); empty fields stay as they were.
    Until the officer decides."""
    await require_case(kc, case_number, principal)
    return await kc.temporal.update(
        case_number, AccidentCaseWorkflow.record_scene, command(RecordScene, _actor(principal), body)
    )


@router.post("/cases/{case_number}/complete", responses=CASE_ERRORS)
async def complete(case_number: CaseNumber, kc: State, principal: SeatP) -> CaseView:
    """Collection done: runs verification (licence, vehicle, 交强险); answers when it is over."""
    await require_case(kc, case_number, principal)
    return await kc.temporal.update(
        case_number, AccidentCaseWorkflow.complete_collection, CompleteCollection(actor=_actor(principal))
    )


@router.post("/cases/{case_number}/correction", responses=CASE_ERRORS)
async def correct_case(
    case_number: CaseNumber, body: CorrectionContent, kc: State, principal: SeatP
) -> CaseView:
    """While collecting: correct the case's address or the account of the accident, with the
    reason (audited on the case's timeline)."""
    await require_case(kc, case_number, principal)
    return await kc.temporal.update(
        case_number, AccidentCaseWorkflow.correct_case, command(CorrectCase, _actor(principal), body)
    )


@router.post("/cases/{case_number}/hand-off", responses=CASE_ERRORS)
async def hand_off(case_number: CaseNumber, body: HandOffContent, kc: State, principal: SeatP) -> CaseView:
    """This case cannot be handled online: a patrol goes (转现场处理)."""
    await require_case(kc, case_number, principal)
    return await kc.temporal.update(
        case_number, AccidentCaseWorkflow.hand_off, command(HandOff, _actor(principal), body)
    )
