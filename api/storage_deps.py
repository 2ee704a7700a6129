"""The API's way to the object store (adapters/storage): storing an uploaded evidence file,
serving evidence and notices, reading a notice for its verification. The routers call these
few functions and never touch a path, so local disk (embedded) and S3 (production, any number of
API hosts) serve alike.

Reading is checked: a notice and an evidence file are served only when their bytes have the
SHA-256 their record keeps (500 STORAGE_INTEGRITY otherwise, logged). Files up to
``VERIFY_IN_MEMORY`` are checked before the first byte is sent; larger ones (call recordings) are
streamed and their last block is held back until the digest matched, so a damaged file never
arrives complete. A ``Range`` request (a video player seeking) gets its bytes unchecked: a part
cannot be checked on its own, and the response names the whole file's SHA-256 (X-Content-SHA256)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import Response, StreamingResponse

from adapters.storage import (
    IntegrityError,
    ObjectNotFound,
    ObjectStore,
    Storage,
    StorageError,
    StorageUnavailable,
    evidence_key,
    evidence_key_of,
    evidence_record_path,
    storage_from_settings,
)
from api.errors import ApiProblem
from domain import refusals as R

log = logging.getLogger("kuaichu.api.storage")
VERIFY_IN_MEMORY = 32 * 1024 * 1024
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def storage(kc: Any) -> Storage:
    return storage_from_settings(kc.settings)


def upload_spool_dir(kc: Any) -> Path:
    """Where an upload is spooled while its digest and type are found (this host's disk, for
    seconds; the evidence itself goes to the object store)."""
    folder = Path(kc.settings.var_dir) / "tmp" / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@contextlib.contextmanager
def storage_problems(what: str) -> Iterator[None]:
    """The store's failures as problems: unreachable → 503, damaged → 500 (logged)."""
    try:
        yield
    except IntegrityError as err:
        log.error("integrity check failed: %s", err)
        raise ApiProblem(R.STORAGE_INTEGRITY) from None
    except StorageUnavailable as err:
        log.warning("object store unavailable (%s): %s", what, err)
        raise ApiProblem(R.STORAGE_UNAVAILABLE) from None
    except ObjectNotFound:
        raise
    except StorageError as err:
        log.error("object store refused (%s): %s", what, err)
        raise ApiProblem(R.STORAGE_UNAVAILABLE) from None


async def put_evidence(
    kc: Any, case_number: str, source: Path, sha256: str, ext: str, content_type: str
) -> str:
    """Store an evidence file (content-addressed: the same bytes again are the same object);
    returns the record's ``storage_path``."""
    key = evidence_key(case_number, sha256, ext)
    with storage_problems("store evidence"):
        await asyncio.to_thread(storage(kc).evidence.put, key, source, content_type, sha256=sha256)
    return evidence_record_path(key)


async def drop_evidence(kc: Any, storage_path: str) -> None:
    """Remove a stored file that nothing refers to (a refused upload); failures are logged."""
    key = evidence_key_of(storage_path)
    if key is None:
        return
    try:
        await asyncio.to_thread(storage(kc).evidence.delete, key)
    except StorageError as err:
        log.warning("could not remove unregistered evidence %s: %s", key, err)


async def find_evidence(kc: Any, case_number: str, sha256: str) -> str | None:
    """The ``storage_path`` of the case's stored file with this digest (any extension)."""
    with storage_problems("find evidence"):
        found = await asyncio.to_thread(
            lambda: next(iter(storage(kc).evidence.list(f"{case_number}/{sha256}.")), None)
        )
    return evidence_record_path(found.key) if found is not None else None


async def evidence_response(kc: Any, case_number: str, row: Any, request: Request) -> Response:
    """The evidence file of ``row`` (an evidence record of ``case_number``)."""
    if getattr(row, "deleted_at", None) is not None:
        raise ApiProblem(R.EVIDENCE_DELETED)
    key = evidence_key_of(row.storage_path, case_number)
    if key is None:
        raise ApiProblem(R.EVIDENCE_REMOTE)
    headers = {"Cache-Control": "private, max-age=3600", "X-Content-SHA256": row.sha256}
    return await object_response(
        storage(kc).evidence,
        key,
        row.sha256,
        row.content_type or "application/octet-stream",
        request.headers.get("range"),
        headers,
        missing=R.EVIDENCE_NOT_FOUND,
    )


async def notice_response(kc: Any, pdf_path: str, sha256: str, filename: str) -> Response:
    """A notice's PDF as a download, checked against its record's SHA-256."""
    headers = {"Content-Disposition": f'attachment; filename="{filename}"', "X-Content-SHA256": sha256}
    return await object_response(
        storage(kc).notices, pdf_path, sha256, "application/pdf", None, headers, missing=R.NOTICE_NOT_FOUND
    )


async def read_notice(kc: Any, pdf_path: str) -> bytes:
    """A notice's PDF unchecked (b"" when missing): the verification page compares its digest
    itself and says "altered"."""
    if not pdf_path:
        return b""
    try:
        return await asyncio.to_thread(storage(kc).notices.get, pdf_path)
    except ObjectNotFound:
        return b""
    except IntegrityError as err:  # the digest kept beside it disagrees: let the page say so
        log.error("notice %s: %s", pdf_path, err)
        return b""
    except StorageError as err:
        log.warning("notice %s unreadable: %s", pdf_path, err)
        raise ApiProblem(R.STORAGE_UNAVAILABLE) from None


async def object_response(
    store: ObjectStore,
    key: str,
    sha256: str,
    media_type: str,
    range_header: str | None,
    headers: dict[str, str],
    *,
    missing: R.RefusalCode,
) -> Response:
    try:
        return await _object_response(store, key, sha256, media_type, range_header, headers)
    except ObjectNotFound:  # deleted between the look and the read
        log.error("%s: record without its object %s", store.name, key)
        raise ApiProblem(missing, "文件不存在") from None


async def _object_response(
    store: ObjectStore,
    key: str,
    sha256: str,
    media_type: str,
    range_header: str | None,
    headers: dict[str, str],
) -> Response:
    with storage_problems(f"read {key}"):
        stat = await asyncio.to_thread(store.stat, key)
        if stat is None:
            raise ObjectNotFound(key)
        headers = {**headers, "Accept-Ranges": "bytes", "ETag": f'"{sha256}"'}
        if range_header:
            wanted = _range(range_header, stat.size)
            if wanted is None:
                return Response(status_code=416, headers={"Content-Range": f"bytes */{stat.size}"})
            if wanted != (0, stat.size):
                start, end = wanted
                blocks = await asyncio.to_thread(store.open, key, start, end)
                return StreamingResponse(
                    blocks,
                    status_code=206,
                    media_type=media_type,
                    headers={
                        **headers,
                        "Content-Range": f"bytes {start}-{end - 1}/{stat.size}",
                        "Content-Length": str(end - start),
                    },
                )
        if stat.size <= VERIFY_IN_MEMORY:
            data = await asyncio.to_thread(store.get, key, sha256)
            return Response(data, media_type=media_type, headers=headers)
        return StreamingResponse(
            _logged(store.stream(key, sha256)),
            media_type=media_type,
            headers={**headers, "Content-Length": str(stat.size)},
        )


def _logged(blocks: Iterator[bytes]) -> Iterator[bytes]:
    try:
        yield from blocks
    except IntegrityError as err:  # headers are sent: the transfer breaks before its end
        log.error("integrity check failed while streaming: %s", err)
        raise


def _range(header: str, size: int) -> tuple[int, int] | None:
    """A single ``bytes=`` range as [start, end); the whole file for what this does not serve
    (several ranges, other units); None when unsatisfiable."""
    match = _RANGE.match(header.strip())
    if match is None:
        return (0, size)
    first, last = match.groups()
    if not first and not last:
        return (0, size)
    if not first:  # the last n bytes
        n = int(last)
        return (max(0, size - n), size) if n > 0 and size > 0 else None
    start = int(first)
    end = min(size, int(last) + 1) if last else size
    if start >= size or end <= start:
        return None
    return (start, end)
