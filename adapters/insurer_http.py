"""HTTP adapters for the connected 交强险 insurers, one class per insurer behind `InsurerClient`.
Each has its own base URL, credentials and payload format (docs/insurer-contracts.md):

| insurer | auth                                   | claim report                    | amendment                              |
|---------|----------------------------------------|---------------------------------|----------------------------------------|
| PICC    | `X-Api-Key: <key>`                     | POST /api/v1/claims (camelCase) | POST /api/v1/claims/{claimNo}/amendments |
| CPIC    | `Authorization: Bearer <key>`          | POST /claim-reports (snake_case, nested) | PATCH /claim-reports/{number}  |
| PINGAN  | HMAC-SHA256 over timestamp+nonce+body  | POST /open/claim/report (`bizContent`)   | POST /open/claim/amend         |

Every request carries `Idempotency-Key` (the workflow's key): the insurer answers a repeated key
with the claim it already registered, so a retry after a lost answer never files twice.
Failures: 4xx other than 408/429 → `ClaimRejected` (final; the insurer's reason is recorded);
408/429/5xx/timeouts/connection errors → `InsurerUnavailable` / httpx errors (the activity retries)."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from typing import Any

import httpx

from adapters.insurers import AmendmentReport, ClaimRejected, ClaimReport
from adapters.sandbox_insurer import INSURER_NAMES


class InsurerUnavailable(Exception):
    """The insurer did not answer usefully (408/429/5xx or a malformed body): retry."""


class _HttpInsurer:
    code = ""

    def __init__(self, base_url: str, api_key: str, *, timeout: float = 10.0, name: str = "") -> None:
        self.name = name or INSURER_NAMES.get(self.code, self.code)
        self._base = base_url.rstrip("/")
        self._key = api_key
        self._client = httpx.AsyncClient(timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)))

    async def aclose(self) -> None:
        await self._client.aclose()

    def _auth(self, body: bytes) -> dict[str, str]:
        raise NotImplementedError

    async def _call(self, method: str, path: str, payload: dict[str, Any], key: str) -> dict[str, Any]:
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        headers = {"Content-Type": "application/json", "Idempotency-Key": key, **self._auth(body)}
        response = await self._client.request(method, f"{self._base}{path}", content=body, headers=headers)
        if response.status_code in (408, 429) or response.status_code >= 500:
            raise InsurerUnavailable(f"{self.code}: HTTP {response.status_code}")
        try:
            answer = response.json()
        except ValueError:
            answer = {}
        if 400 <= response.status_code < 500:
            raise ClaimRejected(f"{self.code}: HTTP {response.status_code} {self._reason(answer)}".strip())
        if not isinstance(answer, dict):
            raise InsurerUnavailable(f"{self.code}: unexpected answer")
        return answer

    def _reason(self, answer: Any) -> str:
        return str(answer.get("message", "")) if isinstance(answer, dict) else ""


class PiccClient(_HttpInsurer):
    """中国人保 PICC: flat camelCase JSON, answers `{"code": "0000", "data": {"claimNo": ...}}`."""

    code = "PICC"

    def _auth(self, body: bytes) -> dict[str, str]:
        return {"X-Api-Key": self._key}

    async def report_claim(self, report: ClaimReport) -> str:
        answer = await self._call("POST", "/api/v1/claims", picc_claim(report), report.idempotency_key)
        number = (answer.get("data") or {}).get("claimNo")
        if answer.get("code") != "0000" or not number:
            raise InsurerUnavailable(f"PICC: unexpected answer code {answer.get('code')!r}")
        return str(number)

    async def report_amendment(self, report: AmendmentReport) -> None:
        await self._call(
            "POST",
            f"/api/v1/claims/{report.claim_number}/amendments",
            {
                "caseNo": report.case_number,
                "noticeNo": report.new_notice_number,
                "revokedNoticeNo": report.revoked_notice_number,
            },
            report.idempotency_key,
        )

    def _reason(self, answer: Any) -> str:
        return str(answer.get("msg", "")) if isinstance(answer, dict) else ""


class CpicClient(_HttpInsurer):
    """中国太平洋 CPIC: nested snake_case JSON, bearer key, answers
    `{"result": "ACCEPTED", "claim": {"number": ...}}`."""

    code = "CPIC"

    def _auth(self, body: bytes) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._key}"}

    async def report_claim(self, report: ClaimReport) -> str:
        answer = await self._call("POST", "/claim-reports", cpic_claim(report), report.idempotency_key)
        number = (answer.get("claim") or {}).get("number")
        if answer.get("result") != "ACCEPTED" or not number:
            raise InsurerUnavailable(f"CPIC: unexpected result {answer.get('result')!r}")
        return str(number)

    async def report_amendment(self, report: AmendmentReport) -> None:
        await self._call(
            "PATCH",
            f"/claim-reports/{report.claim_number}",
            {
                "report_id": report.idempotency_key,
                "accident": {"case_number": report.case_number},
                "documents": {"notice": report.new_notice_number, "revokes": report.revoked_notice_number},
            },
            report.idempotency_key,
        )

    def _reason(self, answer: Any) -> str:
        return str((answer.get("error") or {}).get("detail", "")) if isinstance(answer, dict) else ""


class PingAnClient(_HttpInsurer):
    """中国平安 Ping An: an open-platform envelope `{"requestId", "bizContent"}`, signed with
    HMAC-SHA256 (X-PA-AppId / X-PA-Timestamp / X-PA-Nonce / X-PA-Signature), answers
    `{"resultCode": "SUCCESS", "claimNo": ...}`."""

    code = "PINGAN"

    def __init__(self, base_url: str, api_key: str, *, app_id: str = "kuaichu", **kw: Any) -> None:
        super().__init__(base_url, api_key, **kw)
        self._app_id = app_id

    def _auth(self, body: bytes) -> dict[str, str]:
        timestamp = str(int(time.time() * 1000))
        nonce = secrets.token_hex(8)
        return {
            "X-PA-AppId": self._app_id,
            "X-PA-Timestamp": timestamp,
            "X-PA-Nonce": nonce,
            "X-PA-Signature": pingan_signature(self._key, timestamp, nonce, body),
        }

    async def report_claim(self, report: ClaimReport) -> str:
        envelope = {"requestId": report.idempotency_key, "bizContent": pingan_claim(report)}
        answer = await self._call("POST", "/open/claim/report", envelope, report.idempotency_key)
        if answer.get("resultCode") != "SUCCESS" or not answer.get("claimNo"):
            raise InsurerUnavailable(f"PINGAN: unexpected result {answer.get('resultCode')!r}")
        return str(answer["claimNo"])

    async def report_amendment(self, report: AmendmentReport) -> None:
        envelope = {
            "requestId": report.idempotency_key,
            "bizContent": {
                "claimNo": report.claim_number,
                "reportNo": report.case_number,
                "certificateNo": report.new_notice_number,
                "oldCertificateNo": report.revoked_notice_number,
            },
        }
        await self._call("POST", "/open/claim/amend", envelope, report.idempotency_key)

    def _reason(self, answer: Any) -> str:
        return str(answer.get("resultMsg", "")) if isinstance(answer, dict) else ""


# ---------------------------------------------------------------------- payload formats
# (module-level so that the sandbox service parses exactly what the adapters send)


def picc_claim(r: ClaimReport) -> dict[str, Any]:
    return {
        "caseNo": r.case_number,
        "noticeNo": r.notice_number,
        "accidentTime": r.accident_time.isoformat(),
        "plateNo": r.plate,
        "policyNo": r.policy_number,
        "insuredName": r.insured_name,
        "insuredMobile": r.insured_phone,
        "liability": r.liability,
        "attachments": [
            {"id": e.get("id", ""), "type": e.get("kind", ""), "sha256": e.get("sha256", "")}
            for e in r.evidence
        ],
    }


def picc_parse(body: dict[str, Any], key: str) -> ClaimReport:
    return ClaimReport(
        idempotency_key=key,
        case_number=body["caseNo"],
        notice_number=body["noticeNo"],
        accident_time=body["accidentTime"],
        plate=body["plateNo"],
        policy_number=body["policyNo"],
        insured_name=body.get("insuredName", ""),
        insured_phone=body.get("insuredMobile", ""),
        liability=body.get("liability", ""),
        evidence=[
            {"id": a["id"], "kind": a["type"], "sha256": a["sha256"]} for a in body.get("attachments", [])
        ],
    )


def cpic_claim(r: ClaimReport) -> dict[str, Any]:
    return {
        "report_id": r.idempotency_key,
        "accident": {
            "case_number": r.case_number,
            "occurred_at": r.accident_time.isoformat(),
            "liability": r.liability,
        },
        "vehicle": {"plate": r.plate, "policy_no": r.policy_number},
        "reporter": {"name": r.insured_name, "phone": r.insured_phone},
        "documents": {"notice": r.notice_number, "evidence": r.evidence},
    }


def cpic_parse(body: dict[str, Any], key: str) -> ClaimReport:
    accident, vehicle, reporter, docs = body["accident"], body["vehicle"], body["reporter"], body["documents"]
    return ClaimReport(
        idempotency_key=key,
        case_number=accident["case_number"],
        notice_number=docs["notice"],
        accident_time=accident["occurred_at"],
        plate=vehicle["plate"],
        policy_number=vehicle["policy_no"],
        insured_name=reporter.get("name", ""),
        insured_phone=reporter.get("phone", ""),
        liability=accident.get("liability", ""),
        evidence=docs.get("evidence", []),
    )


LIABILITY_RATIO = {"FULL": 100, "MAJOR": 70, "EQUAL": 50, "MINOR": 30, "NONE": 0}


def pingan_claim(r: ClaimReport) -> dict[str, Any]:
    return {
        "reportNo": r.case_number,
        "certificateNo": r.notice_number,
        "accidentDate": r.accident_time.strftime("%Y-%m-%d %H:%M:%S%z"),
        "carMark": r.plate,
        "policyNo": r.policy_number,
        "driverName": r.insured_name,
        "driverPhone": r.insured_phone,
        "dutyType": r.liability,
        "dutyRatio": LIABILITY_RATIO.get(r.liability.upper()) if r.liability else None,
        "imageList": [{"fileId": e.get("id", ""), "hash": e.get("sha256", "")} for e in r.evidence],
    }


def pingan_parse(envelope: dict[str, Any], key: str) -> ClaimReport:
    biz = envelope["bizContent"]
    from datetime import datetime

    return ClaimReport(
        idempotency_key=key,
        case_number=biz["reportNo"],
        notice_number=biz["certificateNo"],
        accident_time=datetime.strptime(biz["accidentDate"], "%Y-%m-%d %H:%M:%S%z"),
        plate=biz["carMark"],
        policy_number=biz["policyNo"],
        insured_name=biz.get("driverName", ""),
        insured_phone=biz.get("driverPhone", ""),
        liability=biz.get("dutyType", ""),
        evidence=[{"id": i["fileId"], "sha256": i["hash"]} for i in biz.get("imageList", [])],
    )


def pingan_signature(secret: str, timestamp: str, nonce: str, body: bytes) -> str:
    message = timestamp.encode() + b"\n" + nonce.encode() + b"\n" + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


ADAPTERS: dict[str, type[_HttpInsurer]] = {"PICC": PiccClient, "CPIC": CpicClient, "PINGAN": PingAnClient}


def insurer_clients_from_settings(settings: Any, codes: list[str]) -> dict[str, _HttpInsurer]:
    """The connected insurers with an HTTP adapter (an unknown code in connected_insurers is a
    configuration error: raise rather than silently give guidance)."""
    clients: dict[str, _HttpInsurer] = {}
    for code in codes:
        cls = ADAPTERS.get(code)
        if cls is None:
            raise ValueError(f"no HTTP adapter for insurer {code!r} (known: {', '.join(ADAPTERS)})")
        kw: dict[str, Any] = {"timeout": settings.insurer_timeout_seconds}
        if cls is PingAnClient:
            kw["app_id"] = settings.insurer_pingan_app_id
        clients[code] = cls(settings.insurer_url(code), settings.insurer_key(code), **kw)
    return clients
