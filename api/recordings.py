"""The call recording: the seat console records the call (MediaRecorder) and uploads it in chunks
while it runs, so that a dropped connection or a closed page loses no more than the last chunk.

    POST /seat/cases/{case}/recordings                      start: {mime_type} -> upload id
    PUT  /seat/cases/{case}/recordings/{id}/chunks/{index}  one chunk (raw body), in order from 0
    GET  /seat/cases/{case}/recordings[/{id}]               what the server has (to resume)
    POST /seat/cases/{case}/recordings/{id}/finish          the whole file becomes evidence

A chunk sent again (its response was lost) is recognised by its SHA-256 and answered as before;
a chunk out of order is refused with the index expected (409 CHUNK_OUT_OF_ORDER). Finishing
checks the file's type by its magic bytes (WebM ``1A 45 DF A3`` or MP4 ``ftyp``), computes its
SHA-256 and registers it like any evidence (kind ``recording``, 6 months' retention, permanent
once a decision rests on it): the finished file goes to the object store as
``evidence/<case>/<sha256>.<ext>`` (api/storage_deps.py). An unfinished upload (the seat's page
closed) is finished by the console when the seat opens the case again; what arrived until then is
a playable recording. Only the seat who accepted the case may record.

Until it is finished, an upload lives on the local disk of the API host that received it, under
``var_dir/evidence/<case>/.recordings/<id>/`` (hidden: never an object): with several API hosts,
route one seat's recording to one host (sticky sessions on the upload path) or share var_dir;
the finished recording is in the object store and served by any host."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi import Path as PathParam
from pydantic import BaseModel, Field

from api.auth import Principal, SeatP
from api.case_reads import require_case
from api.deps import CaseNumber, State
from api.errors import ApiProblem, problem_responses
from api.seat import EvidenceOut, register_evidence
from api.storage_deps import find_evidence, put_evidence
from api.uploads import sniff
from domain import refusals as R
from domain.models import EvidenceKind, EvidenceRef

router = APIRouter(prefix="/seat/cases/{case_number}/recordings", tags=["seat"])
ERRORS = problem_responses(401, 403, 404, 409, 413, 415, 422, 503)
UploadId = Annotated[str, PathParam(pattern=r"^[0-9a-f]{16}$", description="the upload's id")]
READ = 1024 * 1024
_locks: dict[str, asyncio.Lock] = {}


class RecordingIn(BaseModel):
    mime_type: str = Field(default="video/webm", pattern=r"^video/(webm|mp4)(;[ -~]{0,80})?$")


class ChunkInfo(BaseModel):
    index: int
    size: int
    sha256: str


class RecordingOut(BaseModel):
    upload_id: str
    case_number: str
    mime_type: str
    started_at: datetime
    chunks: int = 0
    bytes: int = 0
    chunk_max_bytes: int = 0
    finished: bool = False
    evidence_id: str = ""
    sha256: str = ""


class _Meta(RecordingOut):
    seat_id: str
    chunk_list: list[ChunkInfo] = Field(default_factory=list)

    def out(self, chunk_max: int) -> RecordingOut:
        return RecordingOut(
            **self.model_dump(exclude={"seat_id", "chunk_list", "chunk_max_bytes"}), chunk_max_bytes=chunk_max
        )


def _folder(kc, case_number: str) -> Path:
    return Path(kc.settings.var_dir) / "evidence" / case_number / ".recordings"


def _load(kc, case_number: str, upload_id: str, principal: Principal) -> tuple[_Meta, Path]:
    folder = _folder(kc, case_number) / upload_id
    try:
        meta = _Meta.model_validate_json((folder / "meta.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ApiProblem(R.RECORDING_NOT_FOUND) from None
    if meta.seat_id != principal.sub:
        raise ApiProblem(R.RECORDING_NOT_FOUND)
    return meta, folder


def _save(folder: Path, meta: _Meta) -> None:
    tmp = folder / "meta.json.tmp"
    tmp.write_text(meta.model_dump_json(), encoding="utf-8")
    os.replace(tmp, folder / "meta.json")


async def _own_case(kc, case_number: str, principal: Principal) -> None:
    record = await require_case(kc, case_number, principal)
    if record.seat_id != principal.sub:
        raise ApiProblem(R.NOT_THE_SEAT)


@router.post("", status_code=201, responses=ERRORS)
async def start_recording(
    case_number: CaseNumber, body: RecordingIn, kc: State, principal: SeatP
) -> RecordingOut:
    await _own_case(kc, case_number, principal)
    upload_id = secrets.token_hex(8)
    folder = _folder(kc, case_number) / upload_id
    folder.mkdir(parents=True)
    (folder / "data.part").touch()
    meta = _Meta(
        upload_id=upload_id,
        case_number=case_number,
        mime_type=body.mime_type,
        started_at=datetime.now(UTC),
        seat_id=principal.sub,
    )
    _save(folder, meta)
    return meta.out(kc.settings.recording_chunk_max_bytes)


@router.get("", responses=ERRORS)
async def list_recordings(case_number: CaseNumber, kc: State, principal: SeatP) -> list[RecordingOut]:
    """This seat's uploads of the case, oldest first (unfinished ones are finished on reopening)."""
    await _own_case(kc, case_number, principal)
    out = []
    root = _folder(kc, case_number)
    for meta_file in sorted(root.glob("*/meta.json")) if root.is_dir() else []:
        meta = _Meta.model_validate_json(meta_file.read_text(encoding="utf-8"))
        if meta.seat_id == principal.sub:
            out.append(meta.out(kc.settings.recording_chunk_max_bytes))
    return sorted(out, key=lambda r: r.started_at)


@router.get("/{upload_id}", responses=ERRORS)
async def recording_status(
    case_number: CaseNumber, upload_id: UploadId, kc: State, principal: SeatP
) -> RecordingOut:
    await _own_case(kc, case_number, principal)
    meta, _ = _load(kc, case_number, upload_id, principal)
    return meta.out(kc.settings.recording_chunk_max_bytes)


async def _read_body(request: Request, limit: int) -> bytes:
    parts, size = [], 0
    async for part in request.stream():
        size += len(part)
        if size > limit:
            raise ApiProblem(R.CHUNK_TOO_LARGE, f"单段录像不能超过{limit // (1024 * 1024)}MB")
        parts.append(part)
    return b"".join(parts)


@router.put(
    "/{upload_id}/chunks/{index}",
    responses=ERRORS,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
async def put_chunk(
    case_number: CaseNumber,
    upload_id: UploadId,
    index: Annotated[int, PathParam(ge=0, le=1_000_000)],
    request: Request,
    kc: State,
    principal: SeatP,
) -> RecordingOut:
    """Append chunk ``index`` (the next one expected, or one already stored: then nothing changes)."""
    await _own_case(kc, case_number, principal)
    s = kc.settings
    data = await _read_body(request, s.recording_chunk_max_bytes)
    if not data:
        raise ApiProblem(R.CHUNK_EMPTY)
    digest = hashlib.sha256(data).hexdigest()
    async with _locks.setdefault(upload_id, asyncio.Lock()):
        meta, folder = _load(kc, case_number, upload_id, principal)
        if index < len(meta.chunk_list):
            if meta.chunk_list[index].sha256 != digest:
                raise ApiProblem(R.CHUNK_CONFLICT, f"第{index}段已以不同内容上传")
            return meta.out(s.recording_chunk_max_bytes)
        if meta.finished:
            raise ApiProblem(R.RECORDING_FINISHED)
        if index != len(meta.chunk_list):
            raise ApiProblem(
                R.CHUNK_OUT_OF_ORDER,
                f"应上传第{len(meta.chunk_list)}段",
                extra={"expected_index": len(meta.chunk_list)},
            )
        if meta.bytes + len(data) > s.recording_max_bytes:
            raise ApiProblem(R.RECORDING_TOO_LARGE)
        await asyncio.to_thread(_append, folder / "data.part", meta.bytes, data)
        meta.chunk_list.append(ChunkInfo(index=index, size=len(data), sha256=digest))
        meta.chunks, meta.bytes = len(meta.chunk_list), meta.bytes + len(data)
        _save(folder, meta)
        return meta.out(s.recording_chunk_max_bytes)


def _append(path: Path, offset: int, data: bytes) -> None:
    with open(path, "r+b") as out:
        out.truncate(offset)  # a partly written earlier attempt of this chunk
        out.seek(offset)
        out.write(data)
        out.flush()
        os.fsync(out.fileno())


def _digest_and_type(path: Path) -> tuple[str, tuple[str, str] | None]:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        head = f.read(16)
        digest.update(head)
        while block := f.read(READ):
            digest.update(block)
    kind = ("video/webm", "webm") if head.startswith(b"\x1a\x45\xdf\xa3") else sniff(head)
    if kind is not None and not kind[0].startswith("video/"):
        kind = None
    return digest.hexdigest(), kind


@router.post("/{upload_id}/finish", responses=ERRORS)
async def finish_recording(
    case_number: CaseNumber, upload_id: UploadId, kc: State, principal: SeatP
) -> EvidenceOut:
    """The recording so far becomes evidence (kind ``recording``) with its SHA-256."""
    await _own_case(kc, case_number, principal)
    async with _locks.setdefault(upload_id, asyncio.Lock()):
        meta, folder = _load(kc, case_number, upload_id, principal)
        part = folder / "data.part"
        if meta.finished:  # the answer to an earlier finish was lost
            return EvidenceOut(evidence=await _stored_ref(kc, meta), size_bytes=meta.bytes, duplicate=True)
        if meta.bytes == 0:
            raise ApiProblem(R.RECORDING_EMPTY)
        sha, kind = await asyncio.to_thread(_digest_and_type, part)
        if kind is None:
            raise ApiProblem(R.EVIDENCE_TYPE, "录像只能为WebM或MP4格式")
        content_type, ext = kind
        # the upload keeps its copy until the evidence is registered
        storage_path = await put_evidence(kc, case_number, part, sha, ext, content_type)
        ref = _ref(meta, sha, storage_path, content_type)
        result = await register_evidence(kc, principal, case_number, ref, meta.bytes)
        meta.finished, meta.evidence_id, meta.sha256 = True, ref.evidence_id, sha
        _save(folder, meta)
        with contextlib.suppress(FileNotFoundError):
            part.unlink()
        _locks.pop(upload_id, None)
        return result


def _ref(meta: _Meta, sha: str, storage_path: str, content_type: str) -> EvidenceRef:
    return EvidenceRef(
        evidence_id=f"{meta.case_number}-{sha[:16]}",
        kind=EvidenceKind.RECORDING,
        storage_path=storage_path,
        sha256=sha,
        content_type=content_type,
        captured_by=meta.seat_id,
        captured_at=meta.started_at,
    )


async def _stored_ref(kc, meta: _Meta) -> EvidenceRef:
    storage_path = await find_evidence(kc, meta.case_number, meta.sha256)
    if storage_path is None:
        raise ApiProblem(R.RECORDING_NOT_FOUND)
    content_type = "video/webm" if storage_path.endswith(".webm") else "video/mp4"
    return _ref(meta, meta.sha256, storage_path, content_type)
