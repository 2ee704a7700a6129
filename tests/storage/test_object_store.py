"""One contract, two object stores: LocalDiskStore (the embedded default) and S3Store against a
real S3 server (SeaweedFS, tests/s3_server.py)."""

from __future__ import annotations

import hashlib
import io
import threading
from pathlib import Path

import pytest

from adapters.storage import (
    IntegrityError,
    InvalidKey,
    LocalDiskStore,
    ObjectConflict,
    ObjectNotFound,
    ObjectStore,
    StorageError,
)
from adapters.storage.s3 import S3Store
from tests.s3_server import S3Server


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def tamper(store: ObjectStore, key: str, data: bytes) -> None:
    """Change the stored bytes behind the store's back (a damaged disk, a hand edit)."""
    if isinstance(store, LocalDiskStore):
        store.path_for(key).write_bytes(data)
    else:
        assert isinstance(store, S3Store)
        meta = store.client.head_object(Bucket=store.bucket, Key=store.prefix + key)["Metadata"]
        store.client.put_object(Bucket=store.bucket, Key=store.prefix + key, Body=data, Metadata=meta)


def test_put_get_stat_list_delete(store: ObjectStore) -> None:
    data = b"\xff\xd8\xff" + bytes(range(256)) * 10
    stored = store.put("LZ20261125-000001/a.jpg", data, "image/jpeg")
    assert (stored.key, stored.size, stored.sha256) == ("LZ20261125-000001/a.jpg", len(data), _sha(data))
    assert store.get(stored.key, _sha(data)) == data
    assert store.get(stored.key) == data
    stat = store.stat(stored.key)
    assert stat is not None and stat.size == len(data) and stat.content_type == "image/jpeg"
    assert store.exists(stored.key) and not store.exists("LZ20261125-000001/b.jpg")
    store.put("LZ20261125-000001/b.png", io.BytesIO(b"png"), "image/png")
    store.put("LZ20261125-000002/c.pdf", b"%PDF", "application/pdf")
    assert [o.key for o in store.list("LZ20261125-000001/")] == [
        "LZ20261125-000001/a.jpg",
        "LZ20261125-000001/b.png",
    ]
    assert [o.key for o in store.list("LZ20261125-000001/a.")] == ["LZ20261125-000001/a.jpg"]
    assert [o.key for o in store.list()] == [
        "LZ20261125-000001/a.jpg",
        "LZ20261125-000001/b.png",
        "LZ20261125-000002/c.pdf",
    ]
    assert store.delete("LZ20261125-000001/a.jpg") is True
    assert store.delete("LZ20261125-000001/a.jpg") is False  # twice is not an error
    assert not store.exists("LZ20261125-000001/a.jpg")
    with pytest.raises(ObjectNotFound):
        store.get("LZ20261125-000001/a.jpg")
    with pytest.raises(ObjectNotFound):
        store.open("LZ20261125-000001/a.jpg")


def test_a_file_path_and_a_stream_are_stored_like_bytes(store: ObjectStore, tmp_path: Path) -> None:
    big = bytes(range(256)) * 9000  # > 2 MB: several blocks
    source = tmp_path / "upload.bin"
    source.write_bytes(big)
    assert store.put("c1/file.mp4", source, "video/mp4").sha256 == _sha(big)
    assert store.put("c1/stream.mp4", io.BytesIO(big), "video/mp4").sha256 == _sha(big)
    assert store.get("c1/file.mp4", _sha(big)) == big == store.get("c1/stream.mp4", _sha(big))


def test_put_is_idempotent_and_never_overwrites(store: ObjectStore) -> None:
    first = store.put("c1/notice-v1.pdf", b"%PDF-1", "application/pdf")
    assert store.put("c1/notice-v1.pdf", b"%PDF-1", "application/pdf") == first  # a retried write
    with pytest.raises(ObjectConflict):
        store.put("c1/notice-v1.pdf", b"%PDF-other", "application/pdf")
    assert store.get("c1/notice-v1.pdf") == b"%PDF-1"


def test_a_declared_digest_that_does_not_match_stores_nothing(store: ObjectStore) -> None:
    with pytest.raises(IntegrityError):
        store.put("c1/x.jpg", b"bytes", "image/jpeg", sha256=_sha(b"other"))
    assert not store.exists("c1/x.jpg")
    assert store.put("c1/x.jpg", b"bytes", "image/jpeg", sha256=_sha(b"bytes")).size == 5


def test_racing_writers_of_one_key_leave_one_object(store: ObjectStore) -> None:
    results: list[object] = []

    def write(data: bytes) -> None:
        try:
            results.append(store.put("c1/race.pdf", data, "application/pdf").sha256)
        except ObjectConflict as err:
            results.append(err)

    threads = [
        threading.Thread(target=write, args=(b"A" * 100_000 if i % 2 else b"B" * 100_000,)) for i in range(6)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    kept = store.get("c1/race.pdf")
    winners = {r for r in results if isinstance(r, str)}
    assert winners == {_sha(kept)}  # everyone who succeeded wrote the bytes that are kept
    assert sum(isinstance(r, ObjectConflict) for r in results) == 3


def test_sha256_is_checked_on_read(store: ObjectStore) -> None:
    data = b"\x89PNG\r\n\x1a\n" + b"photo" * 1000
    store.put("c1/p.png", data, "image/png")
    tamper(store, "c1/p.png", data[:-1] + b"X")
    with pytest.raises(IntegrityError) as err:
        store.get("c1/p.png", _sha(data))
    assert "c1/p.png" in str(err.value) and _sha(data) in str(err.value)
    with pytest.raises(IntegrityError):
        list(store.stream("c1/p.png", _sha(data)))
    if isinstance(store, S3Store):  # the digest kept beside the object checks a read without a record
        with pytest.raises(IntegrityError):
            store.get("c1/p.png")


def test_a_checked_stream_withholds_its_last_block_until_the_digest_matched(
    store: ObjectStore, tmp_path: Path
) -> None:
    data = bytes(range(256)) * 12000  # about 3 MB: several blocks
    store.put("c1/rec.webm", data, "video/webm")
    assert b"".join(store.stream("c1/rec.webm", _sha(data))) == data
    tamper(store, "c1/rec.webm", data[:-1] + b"\x00")
    got = bytearray()
    with pytest.raises(IntegrityError):
        for block in store.stream("c1/rec.webm", _sha(data)):
            got += block
    assert 0 < len(got) < len(data)  # never the whole (damaged) file


def test_byte_ranges(store: ObjectStore) -> None:
    data = bytes(range(256)) * 8
    store.put("c1/r.mp4", data, "video/mp4")
    assert b"".join(store.open("c1/r.mp4", 10, 20)) == data[10:20]
    assert b"".join(store.open("c1/r.mp4", 2000)) == data[2000:]
    assert b"".join(store.open("c1/r.mp4", 0, 0)) == b""
    assert b"".join(store.open("c1/r.mp4", len(data) + 5)) == b""


@pytest.mark.parametrize(
    "key", ["", "/abs", "../up", "a/../b", "a//b", ".hidden/x", "a/.tmp-1", "a\\b", "a/b/"]
)
def test_keys_are_checked(store: ObjectStore, key: str) -> None:
    with pytest.raises(InvalidKey):
        store.put(key, b"x")
    with pytest.raises(InvalidKey):
        store.get(key)


def test_local_store_reads_the_files_written_before_it(tmp_path: Path) -> None:
    """Same layout as before the object store: var/evidence/<case>/<sha>.<ext> stays readable;
    temporary files and the recording's upload staging are never objects."""
    root = tmp_path / "evidence"
    (root / "LZ20261125-000009" / ".recordings" / "ab12").mkdir(parents=True)
    (root / "LZ20261125-000009" / ".recordings" / "ab12" / "data.part").write_bytes(b"part")
    (root / "LZ20261125-000009" / ".upload-x").write_bytes(b"half")
    (root / "LZ20261125-000009" / "f00d.jpg").write_bytes(b"old photo")
    store = LocalDiskStore(root)
    assert store.get("LZ20261125-000009/f00d.jpg", _sha(b"old photo")) == b"old photo"
    assert [o.key for o in store.list()] == ["LZ20261125-000009/f00d.jpg"]


def test_s3_missing_bucket_is_refused_unless_creation_is_allowed(s3_server: S3Server) -> None:
    bucket = s3_server.new_bucket()
    with pytest.raises(StorageError, match="KUAICHU_S3_CREATE_BUCKET"):
        S3Store(bucket, client=s3_server.client()).put("k/x", b"x")
    S3Store(bucket, client=s3_server.client(), create_bucket=True).put("k/x", b"x")
    assert S3Store(bucket, client=s3_server.client()).get("k/x") == b"x"


def test_s3_wrong_credentials_are_a_storage_error_naming_no_secret(s3_server: S3Server) -> None:
    from adapters.storage.s3 import make_client

    client = make_client(
        endpoint_url=s3_server.endpoint_url,
        region="us-east-1",
        access_key_id=s3_server.access_key,
        secret_access_key="not-the-secret-abcdef",
        path_style=True,
        timeout=5.0,
    )
    with pytest.raises(StorageError) as err:
        S3Store("kc-any", client=client).get("k/x")
    assert "not-the-secret" not in str(err.value)


def test_s3_prefixes_keep_installations_apart(s3_server: S3Server) -> None:
    bucket, client = s3_server.new_bucket(), s3_server.client()
    a = S3Store(bucket, prefix="city-a/evidence", client=client, create_bucket=True)
    b = S3Store(bucket, prefix="city-b/evidence/", client=client, create_bucket=True)
    a.put("c1/x.jpg", b"a")
    b.put("c1/x.jpg", b"b")
    assert (a.get("c1/x.jpg"), b.get("c1/x.jpg")) == (b"a", b"b")
    assert [o.key for o in a.list()] == ["c1/x.jpg"]
    keys = [o["Key"] for o in client.list_objects_v2(Bucket=bucket)["Contents"]]
    assert keys == ["city-a/evidence/c1/x.jpg", "city-b/evidence/c1/x.jpg"]
