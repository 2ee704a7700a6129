"""The API and the worker on the S3 object store (a real SeaweedFS, tests/s3_server.py): a case
walked to the end leaves its evidence photos, its call recording and its notice in the bucket and
nothing on the host's disk; the staff and the citizen download them through the API, checked
against their SHA-256."""

from __future__ import annotations

import hashlib
import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from temporalio.testing import WorkflowEnvironment

from db import repository
from tests.api.conftest import Api, open_api
from tests.s3_server import S3Server
from tests.walker import CaseWalker

P1, P2 = "13900000001", "13900000002"
WEBM = b"\x1a\x45\xdf\xa3"


@pytest.fixture(scope="module")
async def s3_api(
    sqlite_url: str, api_temporal: WorkflowEnvironment, s3_server: S3Server, tmp_path_factory
) -> AsyncIterator[tuple[Api, S3Server, str]]:
    bucket = s3_server.new_bucket()
    var = tmp_path_factory.mktemp("api-var-s3")
    async with open_api(sqlite_url, api_temporal, var, **s3_server.settings_fields(bucket)) as api:
        yield api, s3_server, bucket


def _objects(server: S3Server, bucket: str, prefix: str) -> dict[str, bytes]:
    s3 = server.client()
    listed = s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])
    return {o["Key"]: s3.get_object(Bucket=bucket, Key=o["Key"])["Body"].read() for o in listed}


async def test_a_case_on_s3_evidence_recording_and_notice_download_through_the_api(s3_api) -> None:
    api, server, bucket = s3_api
    c = api.client
    walk = await CaseWalker(c, api.bearer, api.alert_body).walk((P1, P2))
    case, seat = walk.case_number, api.token("seat", "seat-1")
    assert walk.final_status == "served"

    # the call recording of another case in video: chunks on this host until finished, then the
    # file in the bucket
    other = (await api.raise_alert(("13900000003", "13900000004")))["case_number"]
    assert (await c.post(f"/seat/cases/{other}/accept", headers=seat)).status_code == 200
    base = f"/seat/cases/{other}/recordings"
    upload = (await c.post(base, headers=seat, json={})).json()["upload_id"]
    video = WEBM + os.urandom(5000)
    octet = {"Content-Type": "application/octet-stream"}
    assert (await c.put(f"{base}/{upload}/chunks/0", headers=seat | octet, content=video)).status_code == 200
    r = await c.post(f"{base}/{upload}/finish", headers=seat)
    assert r.status_code == 200, r.text
    rec_key = f"evidence/{other}/{hashlib.sha256(video).hexdigest()}.webm"
    assert r.json()["evidence"]["storage_path"] == rec_key
    assert _objects(server, bucket, f"evidence/{other}/") == {rec_key: video}
    recs = (await c.get(f"/seat/cases/{other}/evidence", headers=seat)).json()
    r = await c.get(recs[0]["file_url"], headers=seat | {"Range": "bytes=0-3"})
    assert (
        r.status_code == 206 and r.content == WEBM and r.headers["content-range"] == f"bytes 0-3/{len(video)}"
    )
    r = await c.get(recs[0]["file_url"], headers=seat | {"Range": f"bytes={len(video)}-"})
    assert r.status_code == 416
    assert (await c.get(recs[0]["file_url"], headers=seat)).content == video

    # everything is in the bucket, nothing of the cases on the host's disk but the upload staging
    evidence = _objects(server, bucket, f"evidence/{case}/")
    notices = _objects(server, bucket, f"notices/{case}/")
    assert len(evidence) == 6 and list(notices) == [f"notices/{case}/{case}-1-v1.pdf"]
    on_disk = [
        p for p in api.settings.var_dir.rglob("*") if p.is_file() and (case in str(p) or other in str(p))
    ]
    assert all(".recordings" in str(p) for p in on_disk), on_disk

    items = (await c.get(f"/seat/cases/{case}/evidence", headers=seat)).json()
    assert len(items) == 6
    for item in items:
        r = await c.get(item["file_url"], headers=seat)
        assert r.status_code == 200, r.text
        assert (
            r.content
            == evidence[
                f"evidence/{case}/{item['sha256']}.{item['content_type'].split('/')[1].replace('jpeg', 'jpg')}"
            ]
        )
        assert hashlib.sha256(r.content).hexdigest() == item["sha256"] == r.headers["x-content-sha256"]

    # the notice, from the bucket, checked
    r = await c.get(f"/citizen/cases/{case}/notice", headers=api.token("citizen", phone=P2))
    assert r.status_code == 200 and r.content == notices[f"notices/{case}/{case}-1-v1.pdf"]
    async with api.sessions() as s:
        [notice] = await repository.list_notices(s, case)
    assert hashlib.sha256(r.content).hexdigest() == notice.sha256
    r = await c.get(
        f"/notices/{notice.notice_number}/verify",
        params={"code": notice.short_code},
        headers={"Accept": "application/json"},
    )
    assert r.json()["status"] == "genuine"

    # altered in the bucket: refused, not served
    photo = items[0]
    key = f"evidence/{case}/{photo['sha256']}.jpg"
    s3 = server.client()
    meta = s3.head_object(Bucket=bucket, Key=key)["Metadata"]
    s3.put_object(Bucket=bucket, Key=key, Body=b"\xff\xd8\xff not the photo", Metadata=meta)
    r = await c.get(photo["file_url"], headers=seat)
    assert r.status_code == 500 and r.json()["code"] == "STORAGE_INTEGRITY"

    # gone from the bucket behind the record's back: not found, logged
    lost = items[1]
    s3.delete_object(Bucket=bucket, Key=f"evidence/{case}/{lost['sha256']}.jpg")
    r = await c.get(lost["file_url"], headers=seat)
    assert r.status_code == 404 and r.json()["code"] == "EVIDENCE_NOT_FOUND"

    # deleted by the retention sweep: said so
    async with api.sessions.begin() as s:
        await repository.mark_evidence_deleted(s, photo["evidence_id"], datetime.now(UTC))
    r = await c.get(photo["file_url"], headers=seat)
    assert r.status_code == 404 and r.json()["code"] == "EVIDENCE_DELETED"
    listed = {i["evidence_id"]: i for i in (await c.get(f"/seat/cases/{case}/evidence", headers=seat)).json()}
    assert listed[photo["evidence_id"]]["file_url"] == "" and listed[photo["evidence_id"]]["deleted_at"]
