"""Seat officer (坐席) endpoints: the queue, accepting a call, the video collection.

The seat's staff id (token ``sub``) is the workflow actor; the workflow refuses a seat that did
not accept the case (NOT_THE_SEAT, 403). Personal data: a queued case is shown masked; once the
seat accepted it, its parties in full (the seat verifies them on video); another seat's case
masked.

Evidence upload (multipart): the type is decided by the file's magic bytes (JPEG ``FF D8 FF``,
PNG ``89 50 4E 47 0D 0A 1A 0A``, MP4 ``ftyp`` box at offset 4), never by the declared content type
or the file name; at most KUAICHU_EVIDENCE_MAX_BYTES (413 beyond). The file is stored in the
object store as ``evidence/<case>/<sha256>.<ext>`` (api/storage_deps.py); its id is
``<case>-<first 16 hex of the sha256>``, so the same bytes uploaded twice are the same evidence (the retry of a lost response finishes the
job and answers ``duplicate: true``). The workflow gets an EvidenceRef (path + hash, never bytes),
then the evidence table gets its row."""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Form, UploadFile
from pydantic import BaseModel, Field

from api.auth import SeatP
from api.deps import CaseNumber, State, case_view, require_case
from api.errors import ApiProblem, problem_responses
from api.queue import QueueOut, queue
from api.storage_deps import drop_evidence, put_evidence, upload_spool_dir
from api.views import CaseDetail, party_detail
from db import repository
from domain import refusals as R
from domain.messages import (
    AcceptCall,
    Actor,
    AddEvidence,
    CaseView,
    CompleteCollection,
    HandOff,
    RecordParties,
    Role,
    SafetyChecklist,
    VideoAccess,
    VideoTokenRequest,
)
from domain.models import EvidenceKind, EvidenceRef, Party
from workflows.case_workflow import AccidentCaseWorkflow

router = APIRouter(prefix="/seat", tags=["seat"])
CASE_ERRORS = problem_responses(401, 403, 404, 409, 422, 503)
CHUNK = 1024 * 1024


class AcceptOut(BaseModel):
    case: CaseView
    video: VideoAccess


class PartiesIn(BaseModel):
    parties: list[Party] = Field(min_length=1, max_length=8)


class SafetyIn(BaseModel):
    hazard_lights: bool = False
    warning_triangle: bool = False
    people_off_carriageway: bool = False


class HandOffIn(BaseModel):
    reason: str = Field(min_length=1, max_length=500)


class EvidenceOut(BaseModel):
    evidence: EvidenceRef
    size_bytes: int
    duplicate: bool = False
    case: CaseView | None = None


def _actor(principal) -> Actor:
    return Actor(role=Role.SEAT, id=principal.sub)


@router.get("/queue", responses=problem_responses(401, 403))
async def seat_queue(kc: State, principal: SeatP) -> QueueOut:
    """Cases waiting for a seat, oldest first, with waiting time and estimated wait."""
    return await queue(kc)


@router.get("/cases/{case_number}", responses=CASE_ERRORS)
async def seat_case(case_number: CaseNumber, kc: State, principal: SeatP) -> CaseDetail:
    record = await require_case(kc, case_number)
    view, source = await case_view(kc, record)
    full = (record.seat_id or "") == principal.sub
    return CaseDetail(case=view, parties=[party_detail(p, full=full) for p in record.parties], source=source)


@router.post("/cases/{case_number}/accept", responses=CASE_ERRORS)
async def accept(case_number: CaseNumber, kc: State, principal: SeatP) -> AcceptOut:
    """Take the call (one seat only), and get the seat's video token."""
    await require_case(kc, case_number)
    view = await kc.temporal.update(
        case_number, AccidentCaseWorkflow.accept_call, AcceptCall(actor=_actor(principal))
    )
    video = await kc.temporal.update(
        case_number, AccidentCaseWorkflow.issue_video_token, VideoTokenRequest(actor=_actor(principal))
    )
    return AcceptOut(case=view, video=video)


@router.post("/cases/{case_number}/video-token", responses=CASE_ERRORS)
async def seat_video_token(case_number: CaseNumber, kc: State, principal: SeatP) -> VideoAccess:
    await require_case(kc, case_number)
    return await kc.temporal.update(
        case_number, AccidentCaseWorkflow.issue_video_token, VideoTokenRequest(actor=_actor(principal))
    )


@router.put("/cases/{case_number}/parties", responses=CASE_ERRORS)
async def record_parties(case_number: CaseNumber, body: PartiesIn, kc: State, principal: SeatP) -> CaseView:
    """Record or correct the parties with their vehicles (replaces the list)."""
    await require_case(kc, case_number)
    return await kc.temporal.update(
        case_number,
        AccidentCaseWorkflow.record_parties,
        RecordParties(actor=_actor(principal), parties=body.parties),
    )


def sniff(head: bytes) -> tuple[str, str] | None:
    """(content type, extension) from the magic bytes, or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg", "jpg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png", "png"
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return "video/mp4", "mp4"
    return None


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
    party_id: Annotated[str, Form(max_length=8, pattern=r"^(P\d{1,3})?$")] = "",
) -> EvidenceOut:
    record = await require_case(kc, case_number)
    if record.seat_id != principal.sub:
        raise ApiProblem(R.NOT_THE_SEAT)
    limit = kc.settings.evidence_max_bytes
    folder = upload_spool_dir(kc)
    digest, size, head = hashlib.sha256(), 0, b""
    fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := await file.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise ApiProblem(R.EVIDENCE_TOO_LARGE, f"文件超过{limit // (1024 * 1024)}MB上限")
                if len(head) < 16:
                    head = (head + chunk)[:16]
                digest.update(chunk)
                out.write(chunk)
        sniffed = sniff(head)
        if sniffed is None:
            raise ApiProblem(R.EVIDENCE_TYPE, "只能上传JPEG、PNG图片或MP4视频")
        content_type, ext = sniffed
        sha = digest.hexdigest()
        storage_path = await put_evidence(kc, case_number, Path(tmp_name), sha, ext, content_type)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
    ref = EvidenceRef(
        evidence_id=f"{case_number}-{sha[:16]}",
        kind=kind,
        storage_path=storage_path,
        sha256=sha,
        content_type=content_type,
        party_id=party_id,
        captured_by=principal.sub,
        captured_at=datetime.now(UTC),
    )
    return await register_evidence(kc, principal, case_number, ref, size)


async def register_evidence(kc, principal, case_number: str, ref: EvidenceRef, size: int) -> EvidenceOut:
    """A stored file becomes evidence: the workflow first (a refused file is removed), then the
    evidence table. Also used by the call recording's chunked upload (api/recordings.py)."""
    duplicate, view = False, None
    try:
        view = await kc.temporal.update(
            case_number, AccidentCaseWorkflow.add_evidence, AddEvidence(actor=_actor(principal), evidence=ref)
        )
    except ApiProblem as problem:
        if problem.code != "EVIDENCE_DUPLICATE":
            # refused: keep no file that nothing refers to (personal images, untracked retention)
            async with kc.sessions() as session:
                known = any(
                    e.evidence_id == ref.evidence_id
                    for e in await repository.list_evidence(session, case_number)
                )
            if not known:
                await drop_evidence(kc, ref.storage_path)
            raise
        duplicate = True
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
    return EvidenceOut(evidence=ref, size_bytes=size, duplicate=duplicate, case=view)


@router.post("/cases/{case_number}/safety", responses=CASE_ERRORS)
async def tick_safety(case_number: CaseNumber, body: SafetyIn, kc: State, principal: SeatP) -> CaseView:
    """The safety checklist: hazard lights, warning triangle 50–100 m behind, people off the road."""
    await require_case(kc, case_number)
    return await kc.temporal.update(
        case_number,
        AccidentCaseWorkflow.tick_safety,
        SafetyChecklist(actor=_actor(principal), **body.model_dump()),
    )


@router.post("/cases/{case_number}/complete", responses=CASE_ERRORS)
async def complete(case_number: CaseNumber, kc: State, principal: SeatP) -> CaseView:
    """Collection done: runs verification (licence, vehicle, 交强险); answers when it is over."""
    await require_case(kc, case_number)
    return await kc.temporal.update(
        case_number, AccidentCaseWorkflow.complete_collection, CompleteCollection(actor=_actor(principal))
    )


@router.post("/cases/{case_number}/hand-off", responses=CASE_ERRORS)
async def hand_off(case_number: CaseNumber, body: HandOffIn, kc: State, principal: SeatP) -> CaseView:
    """This case cannot be handled online: a patrol goes (转现场处理)."""
    await require_case(kc, case_number)
    return await kc.temporal.update(
        case_number, AccidentCaseWorkflow.hand_off, HandOff(actor=_actor(principal), reason=body.reason)
    )
