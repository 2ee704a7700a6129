"""Notice PDFs by reference, in the notice namespace of the object store (adapters/storage:
local disk under var/notices/ by default, S3 in production). A notice file is written once:
writing the same bytes again is a no-op (a retried activity), different bytes under the same name
are refused — an issued legal document is never overwritten. A signed PDF is an incremental
update of the unsigned one, so "the same document" is a stored file that starts with the same
unsigned bytes (a second signature of it differs in its signing time)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from adapters.notice.signing import sha256_hex
from adapters.storage import InvalidKey, LocalDiskStore, ObjectConflict, ObjectNotFound, ObjectStore

_UNSAFE = re.compile(r"[^0-9A-Za-z._-]")


@dataclass(frozen=True)
class StoredPdf:
    key: str  # the object key: what the record keeps
    path: Path | None  # the file, when the store is the local disk
    sha256: str
    size: int


class NoticeStoreError(RuntimeError):
    pass


class NoticeStore:
    def __init__(self, root: Path | str | ObjectStore | None = None):
        if root is None:
            from adapters.storage import storage_from_settings
            from settings import get_settings

            root = storage_from_settings(get_settings()).notices
        self.objects: ObjectStore = root if isinstance(root, ObjectStore) else LocalDiskStore(root)

    @property
    def root(self) -> Path | None:
        """The directory of a local store (None on S3)."""
        return self.objects.root if isinstance(self.objects, LocalDiskStore) else None

    @staticmethod
    def key_for(case_number: str, notice_number: str, version: int) -> str:
        case = _UNSAFE.sub("_", case_number).lstrip(".") or "case"
        number = _UNSAFE.sub("_", notice_number).lstrip(".") or "notice"
        return f"{case}/{number}-v{version}.pdf"

    def path_for(self, key: str) -> Path:
        """The local file of ``key`` (a local store only)."""
        if not isinstance(self.objects, LocalDiskStore):
            raise NoticeStoreError(f"notices are not on local disk: {self.objects.name}")
        try:
            return self.objects.path_for(key)
        except InvalidKey as err:
            raise NoticeStoreError(f"key escapes the store: {key!r}") from err

    def _path(self, key: str) -> Path | None:
        return self.objects.path_for(key) if isinstance(self.objects, LocalDiskStore) else None

    def existing(self, key: str) -> bytes | None:
        """The PDF stored under ``key``, or None."""
        try:
            return self.objects.get(key)
        except ObjectNotFound:
            return None
        except InvalidKey as err:
            raise NoticeStoreError(f"key escapes the store: {key!r}") from err

    def find_signed(self, key: str, unsigned: bytes, existing: bytes | None = None) -> StoredPdf | None:
        """The stored signed PDF of ``unsigned`` under ``key`` (``existing``: its bytes, when read
        already), if any."""
        existing = existing if existing is not None else self.existing(key)
        if existing is None:
            return None
        if not existing.startswith(unsigned):
            raise NoticeStoreError(f"{key} exists with different content; notices are never overwritten")
        return StoredPdf(key, self._path(key), sha256_hex(existing), len(existing))

    def save(self, key: str, pdf: bytes, unsigned: bytes | None = None) -> StoredPdf:
        """Store ``pdf`` under ``key`` once. With ``unsigned``, a stored file signed over the same
        unsigned bytes (written by a concurrent retry) is the same document: it is kept."""
        try:
            stored = self.objects.put(key, pdf, "application/pdf")
        except InvalidKey as err:
            raise NoticeStoreError(f"key escapes the store: {key!r}") from err
        except ObjectConflict:
            if unsigned is not None:
                found = self.find_signed(key, unsigned)
                if found is not None:
                    return found
            raise NoticeStoreError(
                f"{key} exists with different content; notices are never overwritten"
            ) from None
        return StoredPdf(key, self._path(key), stored.sha256, stored.size)

    def read(self, key: str, sha256: str = "") -> bytes:
        """The PDF, checked against ``sha256`` when given (adapters.storage.IntegrityError)."""
        return self.objects.get(key, sha256)
