"""The endpoints the pages added: the call recording's chunked upload, evidence files for the
case's staff, the party check with fields, the citizen timeline, the 110 link check, the simulated
phone - each with who may and may not use it."""

from __future__ import annotations

import hashlib
import os
import re

from tests.api.conftest import Api

# one case on the scene per reporter (api/alert_gate.py): each test's case has its own parties
PHONES = {
    "seat-rec": ("13800000301", "13800000302"),
    "seat-files": ("13800000311", "13800000312"),
    "seat-check": ("13800000321", "13800000322"),
    "seat-timeline": ("13800000331", "13800000332"),
}
WEBM = b"\x1a\x45\xdf\xa3" + b"\x00" * 12
OCTET = {"Content-Type": "application/octet-stream"}  # what the seat console sends


async def _accepted(api: Api, seat: str) -> str:
    case = (await api.raise_alert(PHONES[seat]))["case_number"]
    r = await api.client.post(f"/seat/cases/{case}/accept", headers=api.token("seat", seat))
    assert r.status_code == 200, r.text
    return case


async def test_recording_chunks_resume_and_become_evidence(api: Api) -> None:
    c, seat = api.client, api.token("seat", "seat-rec")
    case = await _accepted(api, "seat-rec")
    base = f"/seat/cases/{case}/recordings"
    r = await c.post(base, headers=seat, json={"mime_type": "video/webm;codecs=vp8,opus"})
    assert r.status_code == 201, r.text
    upload = r.json()["upload_id"]
    chunks = [WEBM + os.urandom(1000), os.urandom(700), os.urandom(300)]

    for i, chunk in enumerate(chunks[:2]):
        r = await c.put(f"{base}/{upload}/chunks/{i}", headers=seat | OCTET, content=chunk)
        assert r.status_code == 200 and r.json()["chunks"] == i + 1, r.text
    # the answer to chunk 1 was lost: sent again, nothing changes; other bytes for it: refused
    r = await c.put(f"{base}/{upload}/chunks/1", headers=seat | OCTET, content=chunks[1])
    assert r.status_code == 200 and r.json()["bytes"] == len(chunks[0]) + len(chunks[1])
    r = await c.put(f"{base}/{upload}/chunks/1", headers=seat | OCTET, content=b"other")
    assert r.status_code == 409 and r.json()["code"] == "CHUNK_CONFLICT"
    r = await c.put(f"{base}/{upload}/chunks/5", headers=seat | OCTET, content=b"late")
    assert (
        r.status_code == 409 and r.json()["code"] == "CHUNK_OUT_OF_ORDER" and r.json()["expected_index"] == 2
    )
    # the page closed here: a new page finds the upload and what the server has
    listed = (await c.get(base, headers=seat)).json()
    assert [(u["upload_id"], u["chunks"], u["finished"]) for u in listed] == [(upload, 2, False)]
    r = await c.put(f"{base}/{upload}/chunks/2", headers=seat | OCTET, content=chunks[2])
    assert r.status_code == 200

    # only this case's seat
    other = api.token("seat", "seat-other")
    assert (await c.put(f"{base}/{upload}/chunks/3", headers=other | OCTET, content=b"x")).status_code == 403
    assert (await c.post(f"{base}/{upload}/finish", headers=other)).status_code == 403
    assert (
        await c.post(base, headers=api.token("citizen", phone=PHONES["seat-rec"][0]), json={})
    ).status_code == 403

    r = await c.post(f"{base}/{upload}/finish", headers=seat)
    assert r.status_code == 200, r.text
    ev = r.json()["evidence"]
    whole = b"".join(chunks)
    assert ev["sha256"] == hashlib.sha256(whole).hexdigest() and ev["kind"] == "recording"
    assert ev["content_type"] == "video/webm"
    assert (api.settings.var_dir / ev["storage_path"]).read_bytes() == whole
    again = await c.post(f"{base}/{upload}/finish", headers=seat)
    assert again.json()["duplicate"] is True and again.json()["evidence"]["sha256"] == ev["sha256"]
    r = await c.put(f"{base}/{upload}/chunks/3", headers=seat | OCTET, content=b"more")
    assert r.status_code == 409 and r.json()["code"] == "RECORDING_FINISHED"
    items = (await c.get(f"/seat/cases/{case}/evidence", headers=seat)).json()
    assert [i["sha256"] for i in items if i["kind"] == "recording"] == [ev["sha256"]]

    # empty, not a video, too large
    empty = (await c.post(base, headers=seat, json={})).json()["upload_id"]
    r = await c.post(f"{base}/{empty}/finish", headers=seat)
    assert r.status_code == 422 and r.json()["code"] == "RECORDING_EMPTY"
    text = (await c.post(base, headers=seat, json={})).json()["upload_id"]
    await c.put(f"{base}/{text}/chunks/0", headers=seat | OCTET, content=b"not a video at all")
    r = await c.post(f"{base}/{text}/finish", headers=seat)
    assert r.status_code == 415 and r.json()["code"] == "EVIDENCE_TYPE"
    limit = api.settings.recording_chunk_max_bytes
    api.settings.recording_chunk_max_bytes = 1024
    try:
        r = await c.put(f"{base}/{text}/chunks/1", headers=seat | OCTET, content=b"x" * 2048)
    finally:
        api.settings.recording_chunk_max_bytes = limit
    assert r.status_code == 413 and r.json()["code"] == "CHUNK_TOO_LARGE"
    assert (await c.get(f"{base}/0123456789abcdef", headers=seat)).status_code == 404
    assert (await c.get(f"{base}/../../etc", headers=seat)).status_code in (404, 422)
    assert (await c.post(base, headers=seat, json={"mime_type": "text/html"})).status_code == 422


async def test_evidence_files_for_the_staff_of_the_case_only(api: Api, images) -> None:
    c, seat = api.client, api.token("seat", "seat-files")
    case = await _accepted(api, "seat-files")
    photo = images("JPEG", 901)
    r = await c.post(
        f"/seat/cases/{case}/evidence",
        headers=seat,
        data={"kind": "plate", "party_id": "P1"},
        files={"file": ("p.jpg", photo, "image/jpeg")},
    )
    assert r.status_code == 201, r.text
    ev = r.json()["evidence"]
    [item] = (await c.get(f"/seat/cases/{case}/evidence", headers=seat)).json()
    assert item["sha256"] == ev["sha256"] == hashlib.sha256(photo).hexdigest() and item["party_id"] == "P1"
    r = await c.get(item["file_url"], headers=seat)
    assert r.status_code == 200 and r.content == photo and r.headers["x-content-sha256"] == ev["sha256"]
    assert r.headers["content-type"] == "image/jpeg"

    # another seat, an officer or a reviewer before it is theirs to decide, a citizen: no
    for role, sub in (("seat", "seat-x"), ("officer", "officer-x"), ("reviewer", "reviewer-x")):
        r = await c.get(f"/{role}/cases/{case}/evidence", headers=api.token(role, sub))
        assert r.status_code == 403 and r.json()["code"] == "FORBIDDEN_CASE", (role, r.text)
        r = await c.get(
            f"/{role}/cases/{case}/evidence/{ev['evidence_id']}/file", headers=api.token(role, sub)
        )
        assert r.status_code == 403
    assert (
        await c.get(
            f"/seat/cases/{case}/evidence", headers=api.token("citizen", phone=PHONES["seat-files"][0])
        )
    ).status_code == 403
    assert (await c.get(f"/seat/cases/{case}/evidence")).status_code == 401
    r = await c.get(f"/seat/cases/{case}/evidence/{case}-0000000000000000/file", headers=seat)
    assert r.status_code == 404 and r.json()["code"] == "EVIDENCE_NOT_FOUND"
    assert (await c.get(f"/seat/cases/{case}/evidence/..%2F..%2Fkc.db/file", headers=seat)).status_code in (
        404,
        422,
    )


async def test_party_check_names_the_field_and_verification_waits(api: Api) -> None:
    c, seat = api.client, api.token("seat", "seat-check")
    case = await _accepted(api, "seat-check")
    parties = api.alert_body(PHONES["seat-check"])["parties"]
    r = await c.post(f"/seat/cases/{case}/parties/check", headers=seat, json={"parties": parties})
    assert r.status_code == 200 and r.json() == {"ok": True}
    parties[1]["vehicle"]["plate"] = "川EI8B21"
    parties[0]["phone"] = "12345"
    r = await c.post(f"/seat/cases/{case}/parties/check", headers=seat, json={"parties": parties})
    assert r.status_code == 422 and r.json()["code"] == "PARTY_INVALID"
    fields = {e["field"]: e["code"] for e in r.json()["errors"]}
    assert fields == {"P1.phone": "INVALID_MOBILE", "P2.vehicle.plate": "INVALID_PLATE"}
    r = await c.post(
        f"/seat/cases/{case}/parties/check", headers=api.token("seat", "seat-y"), json={"parties": parties}
    )
    assert r.status_code == 403
    rows = (await c.get(f"/seat/cases/{case}/verification", headers=seat)).json()
    assert [(v["party_id"], v["checked"]) for v in rows] == [("P1", False), ("P2", False)]
    assert (
        await c.get(f"/seat/cases/{case}/verification", headers=api.token("seat", "seat-y"))
    ).status_code == 403


async def test_citizen_timeline_link_check_and_simulated_phone(api: Api) -> None:
    c = api.client
    case = await _accepted(api, "seat-timeline")
    p1 = api.token("citizen", phone=PHONES["seat-timeline"][0])
    steps = (await c.get(f"/citizen/cases/{case}/timeline", headers=p1)).json()
    assert [s["action"] for s in steps][:2] == ["alert_received", "call_accepted"]
    assert steps[0]["label"].startswith("报警已受理") and "actor_id" not in steps[0]
    stranger = api.token("citizen", phone="13800000099")
    assert (await c.get(f"/citizen/cases/{case}/timeline", headers=stranger)).status_code == 404

    r = await c.post(
        "/dispatcher/links", json={"phone": "13800000077"}, headers=api.token("dispatcher", "d1")
    )
    assert r.status_code == 201
    messages = (await c.get("/dev/handset/13800000077")).json()
    token = re.search(r"/h5/alert\?t=([\w-]+)", messages[0]["body"])[1]
    r = await c.get("/app/link", headers={"X-Link-Token": token})
    assert r.status_code == 200 and r.json()["phone"] == "138****0077"
    r = await c.get("/app/link", headers={"X-Link-Token": token + "x"})
    assert r.status_code == 401 and r.json()["code"] == "LINK_INVALID"
    assert (await c.get("/dev/handset/12345")).status_code == 422

    config = (await c.get("/app/config")).json()
    assert config["video_provider"] == "webrtc" and config["sms_outbox"] is True
    api.settings.sms_provider = "twilio"  # real phones: the simulated one is gone
    try:
        assert (await c.get("/dev/handset/13800000077")).status_code == 404
        assert (await c.get("/app/config")).json()["sms_outbox"] is False
    finally:
        api.settings.sms_provider = "outbox"


async def test_pages_are_served_with_a_strict_policy(api: Api) -> None:
    c = api.client
    for path in ("/", "/h5/", "/h5/alert?t=abc", "/seat"):
        r = await c.get(path)
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/html"), path
        assert "script-src 'self'" in r.headers["content-security-policy"]
        assert r.headers["referrer-policy"] == "no-referrer"
    r = await c.get("/web/shared/kc.js")
    assert r.status_code == 200 and "javascript" in r.headers["content-type"]
    assert (await c.get("/web/../settings.py")).status_code == 404
    assert (await c.get("/h5", follow_redirects=False)).status_code == 308
