"""Evidence files as the seat uploads them: streamed to disk with their SHA-256, at most a size
limit (413 beyond), and typed by their magic bytes (JPEG ``FF D8 FF``, PNG
``89 50 4E 47 0D 0A 1A 0A``, MP4 ``ftyp`` box at offset 4), never by the declared content type or
the file name (415 otherwise). A file is stored as ``<folder>/<sha256>.<ext>``, so the same bytes
uploaded twice are the same file."""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from fastapi import UploadFile

from api.errors import ApiProblem
from domain import refusals as R

CHUNK = 1024 * 1024
HEAD = 16  # bytes enough for every signature below


@dataclass(frozen=True)
class StoredUpload:
    path: Path
    sha256: str
    size: int
    content_type: str


def sniff(head: bytes) -> tuple[str, str] | None:
    """(content type, extension) from the magic bytes, or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg", "jpg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png", "png"
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return "video/mp4", "mp4"
    return None


async def store_upload(file: UploadFile, folder: Path, limit: int) -> StoredUpload:
    """Stream the upload into `folder` under its hash; nothing stays behind when it is refused."""
    os.makedirs(folder, exist_ok=True)
    digest, size, head = hashlib.sha256(), 0, b""
    fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := await file.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise ApiProblem(R.EVIDENCE_TOO_LARGE, f"文件超过{limit // (1024 * 1024)}MB上限")
                if len(head) < HEAD:
                    head = (head + chunk)[:HEAD]
                digest.update(chunk)
                out.write(chunk)
        sniffed = sniff(head)
        if sniffed is None:
            raise ApiProblem(R.EVIDENCE_TYPE, "只能上传JPEG、PNG图片或MP4视频")
        content_type, ext = sniffed
        # unique per request: two uploads of the same photo at once (a double tap) must not
        # share a spool file, or the first to finish removes the one the other still reads
        target = folder / f"{digest.hexdigest()}-{os.path.basename(tmp_name).lstrip('.')}.{ext}"
        os.replace(tmp_name, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
    return StoredUpload(path=target, sha256=digest.hexdigest(), size=size, content_type=content_type)
