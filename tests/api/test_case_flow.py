"""A whole two-vehicle case through the HTTP API, alert to claim, on a real Temporal dev server and
worker, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import subprocess
from datetime import timedelta
from pathlib import Path
from typing import Any

from tests import case_factory
from tests.api.conftest import Api

P1, P2 = "13800000001", "13800000002"
ACCIDENT_TIME = case_factory.WORKING_MORNING - timedelta(minutes=12)  # before the alert (10:00)
SEAT = {"role": "seat", "sub": "seat-7"}


async def test_two_vehicle_case_alert_to_claim(api: Api, images) -> None:
    c = api.client
    p1, p2 = api.token("citizen", phone=P1), api.token("citizen", phone=P2)
    seat, officer = api.token("seat", "seat-7"), api.token("officer", "officer-3")

    # alert: case number, the reporter's video token
    too_early = (case_factory.WORKING_MORNING - timedelta(hours=30)).isoformat()
    r = await c.post(
        "/citizen/alerts", json={**api.alert_body((P1, P2)), "accident_time": too_early}, headers=p1
    )
    assert r.status_code == 422 and r.json()["code"] == "INVALID_ACCIDENT_TIME" and r.json()["detail"]
    alert = await api.raise_alert((P1, P2), accident_time=ACCIDENT_TIME.isoformat())
    case = alert["case_number"]
    assert alert["party_id"] == "P1" and alert["video"]["token"]
    assert case.startswith("LZ20261125-") and len(case) == len("LZ20261125-000000")

    # the citizen sees it in "my cases" and the queue
    mine = (await c.get("/citizen/cases", headers=p2)).json()
    assert case in [m["case_number"] for m in mine]
    queue = (await c.get("/seat/queue", headers=seat)).json()
    entry = next(e for e in queue["entries"] if e["case_number"] == case)
    assert entry["position"] >= 1 and entry["waiting_seconds"] >= 0
    view = (await c.get(f"/citizen/cases/{case}", headers=p1)).json()
    assert view["me"] == "P1" and view["queue"]["case_number"] == case
    own = next(p for p in view["parties"] if p["party_id"] == "P1")
    other = next(p for p in view["parties"] if p["party_id"] == "P2")
    assert own["phone"] == P1 and other["phone"] == "138****0002" and "*" in other["name"]

    # seat accepts (only one), collects evidence with real image bytes, safety, completes
    r = await c.post(f"/seat/cases/{case}/accept", headers=seat)
    assert r.status_code == 200, r.text
    assert r.json()["case"]["status"] == "in_video" and r.json()["video"]["token"]
    r = await c.post(f"/seat/cases/{case}/accept", headers=api.token("seat", "seat-8"))
    assert r.status_code == 409 and r.json()["code"] == "CALL_ALREADY_TAKEN"
    assert r.headers["content-type"].startswith("application/problem+json")

    detail = (await c.get(f"/seat/cases/{case}", headers=seat)).json()
    assert {p["phone"] for p in detail["parties"]} == {P1, P2}  # the seat verifies them in full

    shots = [("overview_front", "JPEG"), ("overview_rear", "PNG"), ("impact_point", "JPEG")]
    shots += [("plate", "PNG"), ("plate", "JPEG"), ("group_photo", "PNG")]
    for i, (kind, fmt) in enumerate(shots):
        data = images(fmt, i + hash(case) % 1000)
        r = await c.post(
            f"/seat/cases/{case}/evidence",
            headers=seat,
            data={"kind": kind, "party_id": "P1" if kind == "plate" and i == 3 else ""},
            files={"file": (f"shot{i}.bin", data, "application/octet-stream")},
        )
        assert r.status_code == 201, r.text
        ev = r.json()["evidence"]
        assert ev["content_type"] == ("image/jpeg" if fmt == "JPEG" else "image/png")
        assert (api.settings.var_dir / ev["storage_path"]).read_bytes() == data
    # the same bytes again: the same evidence, nothing new
    r = await c.post(
        f"/seat/cases/{case}/evidence",
        headers=seat,
        data={"kind": "group_photo"},
        files={"file": ("again.png", data, "image/png")},
    )
    assert r.status_code == 201 and r.json()["duplicate"] is True

    r = await c.post(f"/seat/cases/{case}/complete", headers=seat)
    assert r.status_code == 409 and r.json()["code"] == "SAFETY_CHECKLIST_INCOMPLETE"
    r = await c.post(
        f"/seat/cases/{case}/safety",
        headers=seat,
        json={"hazard_lights": True, "warning_triangle": True, "people_off_carriageway": True},
    )
    assert r.status_code == 200, r.text
    r = await c.post(f"/seat/cases/{case}/complete", headers=seat)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "awaiting_decision", r.json()
    assert r.json()["accident_time"].startswith("2026-11-25T01:48")  # as declared; reported 02:00

    # the officer: awaiting list, a refused decision (422), then the decision
    await api.wait_status(case, "awaiting_decision")
    waiting = (await c.get("/officer/cases", headers=officer)).json()
    assert case in [w["case_number"] for w in waiting]
    decision = {
        "officer_name": "刘警官",
        "badge_number": "051234",
        "unit": "泸州市公安局交通警察支队江阳大队",
        "liabilities": {"P1": "FULL", "P2": "FULL"},
        "facts": "P1驾车未与前车保持安全距离，追尾P2车辆尾部。",
        "accident_form": "13",  # 尾随相撞, from the console's list
        "impact_points": ["P1:01", "P2:06"],
        "legal_basis": "《中华人民共和国道路交通安全法》第四十三条",
        "no_mediation_reason": "当事人自行协商赔偿",
    }
    # the seat has not recorded the weather: no decision yet (a notice never prints a default)
    r = await c.post(f"/officer/cases/{case}/decision", headers=officer, json=decision)
    assert r.status_code == 409 and r.json()["code"] == "MISSING_WEATHER", r.text
    r = await c.put(f"/seat/cases/{case}/scene", headers=seat, json={"weather": "晴"})
    assert r.status_code == 422 and r.json()["code"] == "UNKNOWN_WEATHER"
    scene = {"weather": "2", "road_surface": "3"}  # 阴, 积水: from GET /seat/scene-codes
    assert {"code": "3", "name": "积水"} in (await c.get("/seat/scene-codes", headers=seat)).json()[
        "road_surfaces"
    ]
    r = await c.put(f"/seat/cases/{case}/scene", headers=seat, json=scene)
    assert r.status_code == 200 and (r.json()["weather"], r.json()["road_surface"]) == ("2", "3"), r.text
    free_text = {**decision, "accident_form": "追尾碰撞", "liabilities": {"P1": "FULL", "P2": "NONE"}}
    r = await c.post(f"/officer/cases/{case}/decision", headers=officer, json=free_text)
    assert r.status_code == 422 and r.json()["code"] == "UNKNOWN_ACCIDENT_FORM", r.text
    r = await c.post(f"/officer/cases/{case}/decision", headers=officer, json=decision)
    assert r.status_code == 422, r.text
    assert r.json()["code"].startswith("LIABILITY") and r.json()["detail"]
    r = await c.post(
        f"/officer/cases/{case}/decision", headers=seat, json={**decision, "liabilities": {"P1": "FULL"}}
    )
    assert r.status_code == 403
    decision["liabilities"] = {"P1": "FULL", "P2": "NONE"}
    r = await c.post(f"/officer/cases/{case}/decision", headers=officer, json=decision)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "notice_sent" and r.json()["notices"]
    notice = r.json()["notices"][-1]

    # both parties confirm receipt; the notice PDF downloads; it verifies publicly
    for token in (p1, p2):
        r = await c.post(f"/citizen/cases/{case}/receipt", headers=token)
        assert r.status_code == 200, r.text
    served = await api.wait_status(case, "served")
    assert all(p["liability"] for p in served["parties"])
    r = await c.get(f"/citizen/cases/{case}/notice", headers=p2)
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert r.content.startswith(b"%PDF")
    r = await c.get(
        f"/notices/{notice['notice_number']}/verify",
        params={"code": notice["short_code"]},
        headers={"Accept": "application/json"},
    )
    assert r.status_code == 200 and r.json()["status"] == "genuine", r.text
    text = pdf_text(await _download(c, case, p2))
    assert "阴" in text and "积水" in text and "2026年11月25日09时48分" in text  # recorded, declared
    r = await c.get(f"/notices/{notice['notice_number']}/verify", params={"code": "WRONG"})
    assert r.status_code == 200 and "text/html" in r.headers["content-type"] and "验证码错误" in r.text

    # P1 asks for a review; two reviewers uphold
    r = await c.post(f"/citizen/cases/{case}/review", headers=p1, json={"reason_code": "LIABILITY_DISPUTED"})
    assert r.status_code == 200, r.text
    r = await c.post(f"/citizen/cases/{case}/review", headers=p2, json={"reason_code": "LIABILITY_DISPUTED"})
    assert r.status_code == 409 and r.json()["code"] == "REVIEW_ALREADY_REQUESTED"
    await api.wait_status(case, "under_review")
    reviewer = api.token("reviewer", "reviewer-1")
    assert case in [x["case_number"] for x in (await c.get("/reviewer/reviews", headers=reviewer)).json()]
    r = await c.post(
        f"/reviewer/cases/{case}/conclusion",
        headers=reviewer,
        json={"outcome": "uphold", "reviewers": ["reviewer-1"], "reason": "事实清楚"},
    )
    assert r.status_code == 422 and r.json()["code"] == "TOO_FEW_REVIEWERS"
    conclusion = {"outcome": "uphold", "reviewers": ["reviewer-2"], "reason": "事实清楚，责任认定正确"}
    r = await c.post(f"/reviewer/cases/{case}/conclusion", headers=reviewer, json=conclusion)
    assert r.status_code == 409 and r.json()["code"] == "CO_REVIEWER_NOT_CONCURRED"  # not on their word
    r = await c.post(
        f"/reviewer/cases/{case}/concurrence",
        headers=api.token("reviewer", "reviewer-2"),
        json={"outcome": "uphold", "name": "赵复核", "badge_number": "050002"},
    )
    assert r.status_code == 200, r.text
    r = await c.post(f"/reviewer/cases/{case}/conclusion", headers=reviewer, json=conclusion)
    assert r.status_code == 422 and r.json()["code"] == "REVIEWER_IDENTITY_MISSING"  # who signs?
    conclusion |= {"name": "钱复核", "badge_number": "050001"}
    r = await c.post(f"/reviewer/cases/{case}/conclusion", headers=reviewer, json=conclusion)
    assert r.status_code == 200, r.text
    upheld = await api.wait_status(case, "served")

    # the upheld review in writing: downloadable by the parties and verifiable like the notice
    written = next(n for n in upheld["case"]["notices"] if n["kind"] == "review_conclusion")
    pdf = await _download(c, case, p2, written["notice_number"])
    text = pdf_text(pdf)
    assert "道路交通事故认定复核结论" in text and "维持" in text and "钱复核" in text
    r = await c.get(
        f"/notices/{written['notice_number']}/verify",
        params={"code": written["short_code"]},
        headers={"Accept": "application/json"},
    )
    assert r.status_code == 200 and r.json()["status"] == "genuine", r.text
    assert r.json()["kind"] == "review_conclusion"

    # claims: P2 (CPIC) and P1 (PICC) get claim numbers; a second claim is refused
    r = await c.post(f"/citizen/cases/{case}/claim", headers=p2)
    assert r.status_code == 200, r.text
    claim = r.json()
    assert claim["filed"] is True and claim["claim_number"] and claim["party_id"] == "P2"
    r = await c.post(f"/citizen/cases/{case}/claim", headers=p2)
    assert r.status_code == 409 and r.json()["code"] == "CLAIM_ALREADY_FILED"
    r = await c.post(f"/citizen/cases/{case}/claim", headers=p1)
    assert r.status_code == 200 and r.json()["filed"] is True

    # a changed PDF no longer verifies, and is no longer served
    from api.storage_deps import storage

    pdf = storage(api.kc).notices.path_for(notice["pdf_path"])  # the embedded store: local disk
    pdf.write_bytes(pdf.read_bytes() + b"\n% tampered")
    r = await c.get(
        f"/notices/{notice['notice_number']}/verify",
        params={"code": notice["short_code"]},
        headers={"Accept": "application/json"},
    )
    assert r.json()["status"] == "altered"
    r = await c.get(
        f"/citizen/cases/{case}/notice", params={"notice_number": notice["notice_number"]}, headers=p1
    )
    assert r.status_code == 500 and r.json()["code"] == "STORAGE_INTEGRITY"

    # the SMS outbox shows the case's messages, phones masked
    sms = (
        await c.get("/admin/sms", params={"case_number": case}, headers=api.token("admin", "admin-1"))
    ).json()
    assert sms and all("****" in s["phone"] for s in sms)

    # Temporal holds no personal data in clear: the whole history as the CLI shows it
    await assert_history_has_no_clear_personal_data(api, case, [P1, P2])


async def _download(c, case: str, token: dict[str, str], number: str | None = None) -> bytes:
    params = {"notice_number": number} if number else {}
    r = await c.get(f"/citizen/cases/{case}/notice", params=params, headers=token)
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf", r.text
    return r.content


def pdf_text(pdf: bytes) -> str:
    """The PDF's text without whitespace (pdftotext breaks lines where the layout does)."""
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, check=True, capture_output=True)
    return "".join(out.stdout.decode("utf-8").split())


async def test_ineligible_alert_lists_every_reason(api: Api) -> None:
    body = api.alert_body()
    body["facts"]["drink_or_drugs"] = True
    body["consent_electronic_service"] = False
    body["location"] = {"lat": 39.9, "lon": 116.4, "system": "WGS84"}
    r = await api.client.post("/citizen/alerts", json=body, headers=api.token("citizen", phone="13800000001"))
    assert r.status_code == 422
    problem = r.json()
    assert problem["code"] == "NOT_ELIGIBLE"
    codes = {e["code"] for e in problem["errors"]}
    assert {"DRINK_OR_DRUGS", "NO_ELECTRONIC_SERVICE_CONSENT", "OUTSIDE_PILOT_AREA"} <= codes
    assert all(e["reason"] and e["advice"] for e in problem["errors"])


async def test_reporter_must_be_a_party(api: Api) -> None:
    r = await api.client.post(
        "/citizen/alerts", json=api.alert_body(), headers=api.token("citizen", phone="13912345678")
    )
    assert r.status_code == 422
    assert [e["code"] for e in r.json()["errors"]] == ["REPORTER_NOT_A_PARTY"]


async def test_citizen_cancels_and_resumes_video(api: Api) -> None:
    phones = ("13800000011", "13800000012")
    case = (await api.raise_alert(phones))["case_number"]
    me = api.token("citizen", phone=phones[1])
    r = await api.client.post(f"/citizen/cases/{case}/video-token", headers=me)
    assert r.status_code == 200 and r.json()["identity"] == f"{case}-P2"
    r = await api.client.post(f"/citizen/cases/{case}/cancel", headers=me, json={"reason": "已自行协商"})
    assert r.status_code == 200, r.text
    assert r.json()["case"]["outcome"] == "cancelled"
    await api.wait_status(case, "cancelled")
    r = await api.client.post(f"/citizen/cases/{case}/video-token", headers=me)
    assert r.status_code == 409


async def test_the_same_photo_uploaded_twice_at_once_is_one_evidence_and_no_error(api: Api, images) -> None:
    """A double tap: both uploads of the same bytes spool at once. They used to share one spool
    file, and the first to finish removed it while the second still read it (a 500)."""
    phones = ("13800000023", "13800000024")
    case = (await api.raise_alert(phones))["case_number"]
    seat = api.token("seat", "seat-23")
    assert (await api.client.post(f"/seat/cases/{case}/accept", headers=seat)).status_code == 200
    photo = images("JPEG", 7)
    photo += b"\0" * (api.settings.evidence_max_bytes - len(photo) - 1)  # long: the uploads overlap

    async def upload() -> Any:
        return await api.client.post(
            f"/seat/cases/{case}/evidence",
            headers=seat,
            data={"kind": "overview_front"},
            files={"file": ("same.jpg", photo, "image/jpeg")},
        )

    answers = await asyncio.gather(*(upload() for _ in range(4)))
    assert sorted(r.status_code for r in answers) in ([200, 200, 200, 201], [201] * 4), [
        r.text for r in answers
    ]
    assert len({r.json()["evidence"]["evidence_id"] for r in answers}) == 1
    assert not list((Path(api.settings.var_dir) / "tmp" / "uploads").iterdir())  # nothing left behind


async def test_evidence_type_and_size_are_checked(api: Api, images) -> None:
    phones = ("13800000021", "13800000022")
    case = (await api.raise_alert(phones))["case_number"]
    seat = api.token("seat", "seat-21")
    assert (await api.client.post(f"/seat/cases/{case}/accept", headers=seat)).status_code == 200
    fake = b"GIF89a" + b"\0" * 100  # claims to be a JPEG
    r = await api.client.post(
        f"/seat/cases/{case}/evidence",
        headers=seat,
        data={"kind": "overview_front"},
        files={"file": ("x.jpg", fake, "image/jpeg")},
    )
    assert r.status_code == 415 and r.json()["code"] == "EVIDENCE_TYPE"
    big = images("PNG", 1) + b"\0" * (api.settings.evidence_max_bytes + 1)
    r = await api.client.post(
        f"/seat/cases/{case}/evidence",
        headers=seat,
        data={"kind": "overview_front"},
        files={"file": ("b.png", big)},
    )
    assert r.status_code == 413
    mp4 = b"\0\0\0\x18ftypmp42" + b"\0" * 64
    r = await api.client.post(
        f"/seat/cases/{case}/evidence",
        headers=seat,
        data={"kind": "video_clip"},
        files={"file": ("c.mp4", mp4)},
    )
    assert r.status_code == 201 and r.json()["evidence"]["content_type"] == "video/mp4"
    # another seat may not upload to this case
    r = await api.client.post(
        f"/seat/cases/{case}/evidence",
        headers=api.token("seat", "seat-99"),
        data={"kind": "overview_front"},
        files={"file": ("d.png", images("PNG", 2))},
    )
    assert r.status_code == 403
    r = await api.client.post(f"/seat/cases/{case}/hand-off", headers=seat, json={"reason": "测试结束"})
    assert r.status_code == 200 and r.json()["outcome"] == "handed_to_patrol"


async def assert_history_has_no_clear_personal_data(api: Api, case: str, phones: list[str]) -> None:
    """`temporal workflow show --output json` of the case: no name, phone, ID or licence number
    of any party appears (payloads and failure messages are encrypted by the codec)."""
    import asyncio
    import json

    from tests.temporal_env import _binary

    client = await api.kc.temporal.client()
    proc = await asyncio.create_subprocess_exec(
        _binary("temporal"),
        "workflow",
        "show",
        "--workflow-id",
        f"case-{case}",
        "--output",
        "json",
        "--address",
        client.service_client.config.target_host,
        "--namespace",
        client.namespace,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await proc.communicate()
    assert proc.returncode == 0, err.decode()
    events = json.loads(out)["events"]
    assert len(events) > 50  # the whole case is there
    history = readable_text(events)
    async with api.sessions() as session:
        from db import repository

        record = await repository.get_case(session, case)
    assert record is not None
    secrets = set(phones) | {
        v
        for p in record.parties
        for v in (p.party.name, p.party.phone, p.party.id_number, p.party.licence_number)
        if v
    }
    assert len(secrets) >= 6
    leaked = sorted(s for s in secrets if s in history)
    assert leaked == []


def readable_text(value: object) -> str:
    """Everything a reader of the history could see: the JSON with its escapes resolved, plus
    every payload's `data` decoded from base64 (that is how a plain JSON payload appears)."""
    import base64
    import binascii
    import json

    parts = [json.dumps(value, ensure_ascii=False)]

    def walk(v: object) -> None:
        if isinstance(v, dict):
            data = v.get("data")
            if isinstance(data, str):
                try:
                    parts.append(base64.b64decode(data, validate=True).decode("utf-8", "replace"))
                except (binascii.Error, ValueError):
                    pass
            for child in v.values():
                walk(child)
        elif isinstance(v, list):
            for child in v:
                walk(child)

    walk(value)
    return "\n".join(parts)


def test_history_reader_finds_personal_data_in_a_plain_payload() -> None:
    """The check above can fail: a plain payload's data is base64 JSON, and the reader decodes it."""
    import base64

    plain = {
        "events": [
            {"input": {"payloads": [{"data": base64.b64encode('{"name": "张喆"}'.encode()).decode()}]}}
        ]
    }
    assert "张喆" in readable_text(plain)
