"""Production storage: an S3-compatible object store (AWS S3, MinIO, Ceph RGW, SeaweedFS, the
clouds' OSS/COS/OBS in S3 mode) through boto3.

- One bucket; every key below ``prefix`` (KUAICHU_S3_PREFIX), so several installations can share
  a bucket. Path-style addressing by default (what self-hosted servers expect).
- A PUT is atomic: an object is visible whole or not at all. Writes are conditional
  (``If-None-Match: *``): the same key is never overwritten, even by two writers racing; the
  loser compares digests (same bytes: done, other bytes: ObjectConflict). A server without
  conditional writes: KUAICHU_S3_CONDITIONAL_WRITES=false checks before writing instead (a race
  between two writers of the same key then goes to the last one: keys are content-addressed or
  derived from the case, so both write the same bytes).
- The SHA-256 travels as object metadata (``x-amz-meta-sha256``) and is checked on every read
  against the caller's record, or else against that metadata.
- The bucket is created at first use only when KUAICHU_S3_CREATE_BUCKET=true (embedded and test
  servers); production buckets are made by the operators, with versioning or object lock if the
  detachment wants a second line of defence."""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from adapters.storage.base import (
    BLOCK,
    IntegrityError,
    ObjectConflict,
    ObjectNotFound,
    ObjectStore,
    Source,
    StorageError,
    StorageUnavailable,
    StoredObject,
    check_key,
    check_prefix,
    sha256_of,
    spool,
    verify,
)

_MISSING = {"404", "NoSuchKey", "NotFound"}
_PRECONDITION = {"412", "PreconditionFailed", "409", "ConditionalRequestConflict"}


class S3Store(ObjectStore):
    def __init__(
        self,
        bucket: str,
        *,
        prefix: str = "",
        endpoint_url: str = "",
        region: str = "us-east-1",
        access_key_id: str = "",
        secret_access_key: str = "",
        path_style: bool = True,
        create_bucket: bool = False,
        conditional_writes: bool = True,
        timeout_seconds: float = 30.0,
        client: Any = None,
    ) -> None:
        if not bucket:
            raise ValueError("S3 storage needs a bucket (KUAICHU_S3_BUCKET)")
        if prefix and not prefix.endswith("/"):
            prefix += "/"
        if prefix:
            check_prefix(prefix)
        self.bucket, self.prefix = bucket, prefix
        self.name = f"s3://{bucket}/{prefix}" + (f" at {endpoint_url}" if endpoint_url else "")
        self._create_bucket, self._conditional = create_bucket, conditional_writes
        self._client = client
        self._new_client = functools.partial(
            make_client,
            endpoint_url=endpoint_url or None,
            region=region or "us-east-1",
            access_key_id=access_key_id,
            secret_access_key=secret_access_key,
            path_style=path_style,
            timeout=timeout_seconds,
        )
        self._bucket_checked = False
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ the client and the bucket

    @property
    def client(self) -> Any:
        with self._lock:
            if self._client is None:
                self._client = self._new_client()
            client = self._client
        if not self._bucket_checked:
            self._ensure_bucket(client)
        return client

    def _ensure_bucket(self, client: Any) -> None:
        from botocore.exceptions import ClientError

        with self._lock:
            if self._bucket_checked:
                return
            with _errors(self.name, self.bucket):
                try:
                    client.head_bucket(Bucket=self.bucket)
                except ClientError as err:
                    if _code(err) not in _MISSING:
                        raise
                    if not self._create_bucket:
                        raise StorageError(
                            f"bucket {self.bucket!r} does not exist: create it, or set "
                            "KUAICHU_S3_CREATE_BUCKET=true to let kuaichu create it"
                        ) from None
                    try:
                        client.create_bucket(Bucket=self.bucket)
                    except ClientError as again:  # created by another process meanwhile
                        if _code(again) not in {"BucketAlreadyOwnedByYou", "BucketAlreadyExists"}:
                            raise
            self._bucket_checked = True

    def _full(self, key: str) -> str:
        return self.prefix + check_key(key)

    # ------------------------------------------------------------------ the interface

    def put(
        self,
        key: str,
        source: Source,
        content_type: str = "application/octet-stream",
        *,
        sha256: str = "",
    ) -> StoredObject:
        full = self._full(key)
        spooled = spool(source)
        try:
            if sha256 and spooled.sha256 != sha256.lower():
                raise IntegrityError(self.name, key, sha256.lower(), spooled.sha256)
            if not self._conditional:
                existing = self.stat(key)
                if existing is not None:
                    return self._same(key, existing, spooled.sha256)
            args: dict[str, Any] = dict(
                Bucket=self.bucket,
                Key=full,
                Body=spooled.file,
                ContentLength=spooled.size,
                ContentType=content_type,
                Metadata={"sha256": spooled.sha256},
            )
            if self._conditional:
                args["IfNoneMatch"] = "*"
            from botocore.exceptions import ClientError

            with _errors(self.name, key):
                try:
                    self.client.put_object(**args)
                except ClientError as err:
                    if _code(err) == "NotImplemented" and self._conditional:
                        raise StorageError(
                            f"{self.name} does not take conditional writes (If-None-Match): set "
                            "KUAICHU_S3_CONDITIONAL_WRITES=false"
                        ) from None
                    if _code(err) not in _PRECONDITION:
                        raise
                    existing = self.stat(key)
                    if existing is None:  # deleted between the two calls: a rare race, refuse
                        raise ObjectConflict(f"{key}: concurrent write and delete in {self.name}") from None
                    return self._same(key, existing, spooled.sha256)
            return StoredObject(key, spooled.size, spooled.sha256, content_type)
        finally:
            spooled.close()

    def _same(self, key: str, existing: StoredObject, digest: str) -> StoredObject:
        kept = existing.sha256 or sha256_of(self.get(key))  # an object written by another tool
        if kept != digest:
            raise ObjectConflict(f"{key} is stored with other content in {self.name}; never overwritten")
        return StoredObject(key, existing.size, kept, existing.content_type)

    def get(self, key: str, sha256: str = "") -> bytes:
        full = self._full(key)
        with _errors(self.name, key):
            answer = self.client.get_object(Bucket=self.bucket, Key=full)
            with answer["Body"] as body:
                data: bytes = body.read()
        kept = (answer.get("Metadata") or {}).get("sha256", "")
        return verify(self.name, key, data, sha256 or kept)

    def stat(self, key: str) -> StoredObject | None:
        from botocore.exceptions import ClientError

        full = self._full(key)
        with _errors(self.name, key):
            try:
                head = self.client.head_object(Bucket=self.bucket, Key=full)
            except ClientError as err:
                if _code(err) in _MISSING:
                    return None
                raise
        return StoredObject(
            key,
            int(head.get("ContentLength", 0)),
            (head.get("Metadata") or {}).get("sha256", ""),
            head.get("ContentType", ""),
        )

    def open(self, key: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        from botocore.exceptions import ClientError

        full = self._full(key)
        if end is not None and end <= start:
            if not self.exists(key):
                raise ObjectNotFound(f"{key} not in {self.name}")
            return iter(())
        args: dict[str, Any] = dict(Bucket=self.bucket, Key=full)
        if start or end is not None:
            args["Range"] = f"bytes={start}-{'' if end is None else end - 1}"
        with _errors(self.name, key):
            try:
                answer = self.client.get_object(**args)
            except ClientError as err:
                if _code(err) == "InvalidRange":  # starts at or past the end
                    return iter(())
                raise
        return _chunks(self.name, key, answer["Body"])

    def delete(self, key: str) -> bool:
        full = self._full(key)
        if self.stat(key) is None:
            return False
        with _errors(self.name, key):
            self.client.delete_object(Bucket=self.bucket, Key=full)
        return True

    def list(self, prefix: str = "") -> Iterator[StoredObject]:
        check_prefix(prefix)
        with _errors(self.name, prefix):
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=self.prefix + prefix
            )
            for page in pages:
                for item in page.get("Contents", []):
                    yield StoredObject(item["Key"][len(self.prefix) :], int(item["Size"]))


def _chunks(name: str, key: str, body: Any) -> Iterator[bytes]:
    with _errors(name, key), body:
        yield from body.iter_chunks(BLOCK)


def make_client(
    *,
    endpoint_url: str | None,
    region: str,
    access_key_id: str,
    secret_access_key: str,
    path_style: bool,
    timeout: float,
) -> Any:
    import boto3
    from botocore.config import Config

    config = Config(
        region_name=region,
        s3={"addressing_style": "path" if path_style else "virtual"},
        retries={"max_attempts": 4, "mode": "standard"},
        connect_timeout=min(timeout, 10.0),
        read_timeout=timeout,
        # the SDK's default CRC trailers are not understood by every S3-compatible server; our
        # integrity check is the SHA-256 of the record, on every read
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )
    credentials = (
        dict(aws_access_key_id=access_key_id, aws_secret_access_key=secret_access_key)
        if access_key_id
        else {}  # the SDK's own chain: environment, instance or pod role
    )
    return boto3.session.Session().client("s3", endpoint_url=endpoint_url, config=config, **credentials)


def _code(err: Any) -> str:
    error = getattr(err, "response", {}).get("Error", {})
    return str(error.get("Code", ""))


@contextmanager
def _errors(name: str, key: str) -> Iterator[None]:
    """boto3's errors as the store's: missing → ObjectNotFound, unreachable or 5xx →
    StorageUnavailable, anything else → StorageError (the message names no secret)."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        yield
    except StorageError:
        raise
    except ClientError as err:
        code = _code(err)
        status = int(err.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
        if code in _MISSING:
            raise ObjectNotFound(f"{key} not in {name}") from None
        cls = (
            StorageUnavailable
            if status >= 500 or code in {"SlowDown", "ServiceUnavailable"}
            else StorageError
        )
        raise cls(f"{name}: {code or status} on {key!r}") from err
    except BotoCoreError as err:
        raise StorageUnavailable(f"{name} unreachable: {type(err).__name__}") from err
