"""The object store's interface: content-addressed files (notices, evidence photos, recordings)
kept by key, each with its SHA-256.

Rules every implementation keeps (tests/adapters/test_storage.py checks both against one contract):
- ``put`` is idempotent and never overwrites: the same key with the same bytes answers the stored
  object again, the same key with other bytes raises ObjectConflict. A written object is never
  partially visible (local: temporary file, then a hard link into place; S3: one PUT).
- ``get`` checks the bytes against a SHA-256: the one the caller's record keeps, or else the one
  the store keeps beside the object (S3 metadata). A mismatch raises IntegrityError.
- ``open`` streams a byte range for downloads, unchecked (a range cannot be checked on its own);
  ``stream`` streams the whole object and withholds its last block until the digest matched, so
  a tampered object never arrives complete.
- Keys are relative, ``/``-separated, of ``[A-Za-z0-9._-]`` components, none starting with ``.``
  (hidden names are the local store's temporary files and upload staging).

The interface is synchronous (boto3 is): async callers run it in a thread (asyncio.to_thread)."""

from __future__ import annotations

import hashlib
import re
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, cast

BLOCK = 1024 * 1024
SPOOL_IN_MEMORY = 8 * 1024 * 1024
_COMPONENT = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9._-]{0,199}$")

Source = bytes | BinaryIO | Path


class StorageError(RuntimeError):
    """The object store failed or refused (base class)."""


class InvalidKey(StorageError, ValueError):
    pass


class ObjectNotFound(StorageError, LookupError):
    pass


class ObjectConflict(StorageError):
    """The key holds other bytes: a stored object is never overwritten."""


class IntegrityError(StorageError):
    """The stored bytes do not have the SHA-256 their record keeps: the object was altered or
    damaged. Never serve them as the evidence or the notice."""

    def __init__(self, store: str, key: str, expected: str, actual: str) -> None:
        super().__init__(
            f"integrity check failed for {key!r} in {store}: SHA-256 {actual} where the record "
            f"keeps {expected}"
        )
        self.key, self.expected, self.actual = key, expected, actual


class StorageUnavailable(StorageError):
    """The store could not be reached or answered with a server error (worth retrying)."""


@dataclass(frozen=True)
class StoredObject:
    key: str
    size: int
    sha256: str = ""  # "" where the backend keeps none (local disk: the record keeps it)
    content_type: str = ""


def check_key(key: str) -> str:
    if not key or len(key) > 900 or key.startswith("/") or key.endswith("/"):
        raise InvalidKey(f"invalid object key {key!r}")
    if not all(_COMPONENT.match(part) for part in key.split("/")):
        raise InvalidKey(f"invalid object key {key!r}")
    return key


def check_prefix(prefix: str) -> str:
    """A listing prefix: "" (everything), whole components, and the beginning of one last
    component (``LZ20261125-000123/``, ``LZ20261125-000123/ab12``)."""
    *folders, last = prefix.split("/")
    if len(prefix) > 900 or not all(_COMPONENT.match(p) for p in folders):
        raise InvalidKey(f"invalid prefix {prefix!r}")
    if last and not _COMPONENT.match(last):
        raise InvalidKey(f"invalid prefix {prefix!r}")
    return prefix


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def verify(store: str, key: str, data: bytes, expected: str) -> bytes:
    actual = sha256_of(data)
    if expected and actual != expected.lower():
        raise IntegrityError(store, key, expected.lower(), actual)
    return data


@dataclass
class Spooled:
    """A source read once into a seekable file, with its digest and size."""

    file: BinaryIO
    sha256: str
    size: int

    def close(self) -> None:
        self.file.close()


def spool(source: Source) -> Spooled:
    """Digest and size of ``source`` and a seekable file of it: a stream is copied once (in memory
    up to 8 MB, then a temporary file), a local file is opened again."""
    if isinstance(source, bytes):
        import io

        return Spooled(io.BytesIO(source), sha256_of(source), len(source))
    digest, size = hashlib.sha256(), 0
    if isinstance(source, Path):  # a local file is seekable already: read it twice, copy nothing
        with open(source, "rb") as fh:
            while block := fh.read(BLOCK):
                digest.update(block)
                size += len(block)
        return Spooled(open(source, "rb"), digest.hexdigest(), size)  # closed by Spooled.close
    out = cast(BinaryIO, tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY))
    while block := source.read(BLOCK):
        digest.update(block)
        size += len(block)
        out.write(block)
    out.seek(0)
    return Spooled(out, digest.hexdigest(), size)


class ObjectStore(ABC):
    """A keyed store of immutable objects (see the module's rules)."""

    #: where the objects are, for messages and logs (never a secret)
    name: str = ""

    @abstractmethod
    def put(
        self,
        key: str,
        source: Source,
        content_type: str = "application/octet-stream",
        *,
        sha256: str = "",
    ) -> StoredObject:
        """Store ``source`` (bytes, a binary file object, or a local file's path) under ``key``
        once. With ``sha256``, bytes of another digest are refused (IntegrityError) and nothing is
        stored. Raises ObjectConflict when ``key`` holds other bytes."""

    @abstractmethod
    def get(self, key: str, sha256: str = "") -> bytes:
        """The whole object, checked against ``sha256`` (or the digest the store keeps)."""

    @abstractmethod
    def stat(self, key: str) -> StoredObject | None:
        """Size, kept digest and content type; None when there is no such object."""

    @abstractmethod
    def open(self, key: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """The bytes ``[start, end)`` (to the end when ``end`` is None) in blocks, unchecked.
        Raises ObjectNotFound before the first block when there is no such object."""

    @abstractmethod
    def delete(self, key: str) -> bool:
        """Remove the object; True when there was one (deleting twice is not an error)."""

    @abstractmethod
    def list(self, prefix: str = "") -> Iterator[StoredObject]:
        """The objects whose key starts with ``prefix``, in key order."""

    def exists(self, key: str) -> bool:
        return self.stat(key) is not None

    def stream(self, key: str, sha256: str) -> Iterator[bytes]:
        """The whole object in blocks, checked: the last block is held back until the digest of
        everything matched ``sha256``, so a damaged object never arrives complete (the reader sees
        an IntegrityError, a client a broken transfer)."""
        digest, held = hashlib.sha256(), None
        for block in self.open(key):
            digest.update(block)
            if held is not None:
                yield held
            held = block
        actual = digest.hexdigest()
        if actual != sha256.lower():
            raise IntegrityError(self.name, key, sha256.lower(), actual)
        if held is not None:
            yield held
