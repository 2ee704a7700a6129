"""Where kuaichu keeps its files: notices (PDF), evidence photos and call recordings.

Two namespaces, each an ObjectStore (adapters.storage.base):

| namespace  | local (embedded default, KUAICHU_STORAGE_PROVIDER=local) | s3 (KUAICHU_STORAGE_PROVIDER=s3)        |
|------------|-----------------------------------------------------------|-----------------------------------------|
| evidence   | ``var_dir/evidence/<case>/<sha256>.<ext>``                | ``s3://<bucket>/<prefix>evidence/<case>/<sha256>.<ext>`` |
| notices    | ``notice_dir/<case>/<notice>-v<n>.pdf`` (var_dir/notices) | ``s3://<bucket>/<prefix>notices/<case>/<notice>-v<n>.pdf`` |

The records keep the same reference whichever provider holds the bytes: an evidence row's
``storage_path`` is ``evidence/<key>`` (relative to var_dir, as before the object store), a
notice's ``pdf_path`` is its key. Moving an installation from local disk to S3 is a copy of
``var/evidence/`` and ``var/notices/`` to those prefixes (e.g. ``aws s3 sync``); no record changes."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from adapters.storage.base import (
    IntegrityError,
    InvalidKey,
    ObjectConflict,
    ObjectNotFound,
    ObjectStore,
    StorageError,
    StorageUnavailable,
    StoredObject,
)
from adapters.storage.local import LocalDiskStore

if TYPE_CHECKING:
    from settings import Settings

__all__ = [
    "EVIDENCE_PREFIX",
    "IntegrityError",
    "InvalidKey",
    "LocalDiskStore",
    "ObjectConflict",
    "ObjectNotFound",
    "ObjectStore",
    "Storage",
    "StorageError",
    "StorageUnavailable",
    "StoredObject",
    "evidence_key",
    "evidence_key_of",
    "evidence_record_path",
    "storage_from_settings",
]

EVIDENCE_PREFIX = "evidence/"  # an evidence record's storage_path: evidence/<key>


@dataclass(frozen=True)
class Storage:
    evidence: ObjectStore
    notices: ObjectStore


def evidence_key(case_number: str, sha256: str, ext: str) -> str:
    """Evidence is content-addressed: the same bytes of a case are one object."""
    return f"{case_number}/{sha256}.{ext}"


def evidence_record_path(key: str) -> str:
    return EVIDENCE_PREFIX + key


def evidence_key_of(storage_path: str, case_number: str | None = None) -> str | None:
    """The object key of an evidence record (None: kept elsewhere, e.g. a Twilio recording URL,
    or outside the case's own folder)."""
    if "://" in storage_path or not storage_path.startswith(EVIDENCE_PREFIX):
        return None
    key = storage_path[len(EVIDENCE_PREFIX) :]
    if case_number is not None and not key.startswith(case_number + "/"):
        return None
    return key


_cache: dict[tuple[object, ...], Storage] = {}
_cache_lock = threading.Lock()


def storage_from_settings(settings: Settings) -> Storage:
    """The stores that settings select, made once per configuration (one S3 client per process:
    boto3 clients are thread-safe)."""
    s = settings
    if s.storage_provider == "local":
        config: tuple[object, ...] = ("local", str(s.var_dir), str(s.effective_notice_dir))
    else:
        config = (
            "s3",
            s.s3_endpoint_url,
            s.s3_bucket,
            s.s3_region,
            s.s3_access_key_id,
            s.s3_secret_access_key,
            s.s3_prefix,
            s.s3_path_style,
            s.s3_create_bucket,
            s.s3_conditional_writes,
            s.s3_timeout_seconds,
        )
    with _cache_lock:
        found = _cache.get(config)
        if found is None:
            found = _cache[config] = _make(s)
    return found


def _make(s: Settings) -> Storage:
    if s.storage_provider == "local":
        return Storage(
            evidence=LocalDiskStore(s.var_dir / "evidence"), notices=LocalDiskStore(s.effective_notice_dir)
        )
    from adapters.storage.s3 import S3Store, make_client

    prefix = s.s3_prefix.strip("/") + "/" if s.s3_prefix.strip("/") else ""
    client = make_client(
        endpoint_url=s.s3_endpoint_url or None,
        region=s.s3_region,
        access_key_id=s.s3_access_key_id,
        secret_access_key=s.s3_secret_access_key,
        path_style=s.s3_path_style,
        timeout=s.s3_timeout_seconds,
    )

    def store(namespace: str) -> S3Store:
        return S3Store(
            s.s3_bucket,
            prefix=prefix + namespace,
            endpoint_url=s.s3_endpoint_url,
            create_bucket=s.s3_create_bucket,
            conditional_writes=s.s3_conditional_writes,
            client=client,
        )

    return Storage(evidence=store("evidence/"), notices=store("notices/"))
