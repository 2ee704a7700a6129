"""PDFs on local disk, by reference (embedded default: var/notices/). A notice file is written once:
writing the same bytes again is a no-op (a retried activity), different bytes under the same name are
refused — an issued legal document is never overwritten. A signed PDF is an incremental update of
the unsigned one, so "the same document" is a stored file that starts with the same unsigned bytes
(a second signature of it differs in its signing time)."""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from adapters.notice.signing import sha256_hex

_UNSAFE = re.compile(r"[^0-9A-Za-z._-]")


@dataclass(frozen=True)
class StoredPdf:
    key: str  # path relative to the store root: what the record keeps
    path: Path  # absolute path
    sha256: str
    size: int


class NoticeStoreError(RuntimeError):
    pass


class NoticeStore:
    def __init__(self, root: Path | str | None = None):
        if root is None:
            from settings import get_settings

            root = get_settings().effective_notice_dir
        self.root = Path(root).resolve()

    @staticmethod
    def key_for(case_number: str, notice_number: str, version: int) -> str:
        case = _UNSAFE.sub("_", case_number) or "case"
        number = _UNSAFE.sub("_", notice_number) or "notice"
        return f"{case}/{number}-v{version}.pdf"

    def path_for(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root):
            raise NoticeStoreError(f"key escapes the store: {key!r}")
        return path

    def find_signed(self, key: str, unsigned: bytes) -> StoredPdf | None:
        """The stored signed PDF of ``unsigned`` under ``key``, if any."""
        path = self.path_for(key)
        if not path.exists():
            return None
        existing = path.read_bytes()
        if not existing.startswith(unsigned):
            raise NoticeStoreError(f"{key} exists with different content; notices are never overwritten")
        return StoredPdf(key, path, sha256_hex(existing), len(existing))

    def save(self, key: str, pdf: bytes, unsigned: bytes | None = None) -> StoredPdf:
        """Store ``pdf`` under ``key`` once. With ``unsigned``, a stored file signed over the same
        unsigned bytes (written by a concurrent retry) is the same document: it is kept."""
        path = self.path_for(key)
        digest = sha256_hex(pdf)
        if path.exists():
            if unsigned is not None:
                found = self.find_signed(key, unsigned)
                assert found is not None
                return found
            if sha256_hex(path.read_bytes()) != digest:
                raise NoticeStoreError(f"{key} exists with different content; notices are never overwritten")
            return StoredPdf(key, path, digest, len(pdf))
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".pdf")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(pdf)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o644)
            os.link(tmp, path)  # unlike a rename, never replaces a file another writer just stored
        except FileExistsError:
            return self.save(key, pdf, unsigned)
        finally:
            Path(tmp).unlink(missing_ok=True)
        return StoredPdf(key, path, digest, len(pdf))

    def read(self, key: str) -> bytes:
        return self.path_for(key).read_bytes()
