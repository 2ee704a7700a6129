"""The embedded default: objects as files under one directory, the key being the path below it
(so the files written before the object store existed stay readable where they are:
``var/evidence/<case>/<sha256>.<ext>``, ``var/notices/<case>/<notice>-v<n>.pdf``).

A write goes to a hidden temporary file beside its target and is hard-linked into place: unlike a
rename, a link never replaces a file another writer stored a moment earlier. Hidden names (``.``)
are never objects: temporary files and the call recording's upload staging live there."""

from __future__ import annotations

import contextlib
import hashlib
import mimetypes
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from adapters.storage.base import (
    BLOCK,
    IntegrityError,
    InvalidKey,
    ObjectConflict,
    ObjectNotFound,
    ObjectStore,
    Source,
    StoredObject,
    check_key,
    check_prefix,
    verify,
)

FILE_MODE = 0o640


class LocalDiskStore(ObjectStore):
    def __init__(self, root: Path | str) -> None:
        self.root = Path(root).resolve()
        self.name = f"local:{self.root}"

    def path_for(self, key: str) -> Path:
        path = (self.root / check_key(key)).resolve()
        if not path.is_relative_to(self.root):
            raise InvalidKey(f"key escapes the store: {key!r}")
        return path

    def put(
        self,
        key: str,
        source: Source,
        content_type: str = "application/octet-stream",
        *,
        sha256: str = "",
    ) -> StoredObject:
        path = self.path_for(key)
        if path.exists():
            given = _digest_source(source)
            if sha256 and given != sha256.lower():
                raise IntegrityError(self.name, key, sha256.lower(), given)
            return self._same(key, path, given)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            digest, size = hashlib.sha256(), 0
            with os.fdopen(fd, "wb") as out:
                for block in _blocks(source):
                    digest.update(block)
                    size += len(block)
                    out.write(block)
                out.flush()
                os.fsync(out.fileno())
            actual = digest.hexdigest()
            if sha256 and actual != sha256.lower():
                raise IntegrityError(self.name, key, sha256.lower(), actual)
            os.chmod(tmp, FILE_MODE)
            try:
                os.link(tmp, path)
            except FileExistsError:  # a concurrent writer stored it first
                return self._same(key, path, actual)
            _fsync_dir(path.parent)
        finally:
            Path(tmp).unlink(missing_ok=True)
        return StoredObject(key, size, actual, content_type)

    def _same(self, key: str, path: Path, digest: str) -> StoredObject:
        existing = _digest_file(path)
        if existing != digest:
            raise ObjectConflict(f"{key} is stored with other content in {self.name}; never overwritten")
        return StoredObject(key, path.stat().st_size, existing, _guess_type(key))

    def get(self, key: str, sha256: str = "") -> bytes:
        try:
            data = self.path_for(key).read_bytes()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise ObjectNotFound(f"{key} not in {self.name}") from None
        return verify(self.name, key, data, sha256)

    def stat(self, key: str) -> StoredObject | None:
        path = self.path_for(key)
        try:
            st = path.stat()
        except (FileNotFoundError, NotADirectoryError):
            return None
        if not path.is_file():
            return None
        return StoredObject(key, st.st_size, "", _guess_type(key))

    def open(self, key: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        try:
            fh = open(self.path_for(key), "rb")  # closed by the generator
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise ObjectNotFound(f"{key} not in {self.name}") from None
        return _read_range(fh, start, end)

    def delete(self, key: str) -> bool:
        try:
            self.path_for(key).unlink()
        except FileNotFoundError:
            return False
        return True

    def list(self, prefix: str = "") -> Iterator[StoredObject]:
        check_prefix(prefix)
        folder = self.root.joinpath(*prefix.split("/")[:-1])
        if not folder.is_dir():
            return
        for dirpath, dirnames, filenames in os.walk(folder):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            base = Path(dirpath).relative_to(self.root)
            for name in sorted(filenames):
                key = (base / name).as_posix()
                if name.startswith(".") or not key.startswith(prefix):
                    continue
                with contextlib.suppress(FileNotFoundError):  # deleted meanwhile
                    yield StoredObject(key, (Path(dirpath) / name).stat().st_size, "", _guess_type(key))


def _read_range(fh: BinaryIO, start: int, end: int | None) -> Iterator[bytes]:
    with fh:
        fh.seek(start)
        left = None if end is None else max(0, end - start)
        while left is None or left > 0:
            block = fh.read(BLOCK if left is None else min(BLOCK, left))
            if not block:
                return
            if left is not None:
                left -= len(block)
            yield block


def _blocks(source: Source) -> Iterator[bytes]:
    if isinstance(source, bytes):
        yield source
        return
    fh = open(source, "rb") if isinstance(source, Path) else source
    try:
        while block := fh.read(BLOCK):
            yield block
    finally:
        if isinstance(source, Path):
            fh.close()


def _digest_source(source: Source) -> str:
    digest = hashlib.sha256()
    for block in _blocks(source):
        digest.update(block)
    return digest.hexdigest()


def _digest_file(path: Path) -> str:
    return _digest_source(path)


def _guess_type(key: str) -> str:
    return mimetypes.guess_type(key)[0] or "application/octet-stream"


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
