"""The sandbox insurers over HTTP: `/sandbox/insurers/{code}/...`, each insurer in its own format
and with its own authentication (docs/insurer-contracts.md), all backed by
adapters.sandbox_insurer.SandboxInsurer. Failures look like the insurer's: 401 for bad
credentials, 400 for a malformed report, 422 for a refused one (ClaimRejected)."""

from __future__ import annotations

import hmac
import time
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from adapters.insurer_http import cpic_parse, picc_parse, pingan_parse, pingan_signature
from adapters.insurers import AmendmentReport, ClaimRejected, ClaimReport
from adapters.sandbox_insurer import SandboxInsurer
from api.sandbox.deps import sessions_of, settings_of

router = APIRouter()
SIGNATURE_WINDOW_MS = 5 * 60 * 1000


def _insurer(request: Request, code: str) -> SandboxInsurer:
    return SandboxInsurer(code, sessions_of(request))


def _key_ok(request: Request, code: str, given: str) -> bool:
    return hmac.compare_digest(given.encode(), settings_of(request).insurer_key(code).encode())


def _idem(request: Request) -> str:
    return request.headers.get("Idempotency-Key", "")


async def _json(request: Request) -> Any:
    try:
        return await request.json()
    except ValueError:
        return None


# ------------------------------------------------------------------------------------ PICC


def _picc_error(status: int, code: str, msg: str) -> JSONResponse:
    return JSONResponse({"code": code, "msg": msg}, status_code=status)


@router.post("/PICC/api/v1/claims")
async def picc_report(request: Request) -> JSONResponse:
    if not _key_ok(request, "PICC", request.headers.get("X-Api-Key", "")):
        return _picc_error(401, "E401", "invalid api key")
    body, key = await _json(request), _idem(request)
    if not key or not isinstance(body, dict):
        return _picc_error(400, "E400", "Idempotency-Key and a JSON body are required")
    try:
        report = picc_parse(body, key)
    except (KeyError, TypeError, ValidationError) as err:
        return _picc_error(400, "E400", f"malformed report: {err}")
    try:
        number = await _insurer(request, "PICC").report_claim(report)
    except ClaimRejected as err:
        return _picc_error(422, "E422", str(err))
    return JSONResponse({"code": "0000", "msg": "ok", "data": {"claimNo": number}}, status_code=201)


@router.post("/PICC/api/v1/claims/{claim_no}/amendments")
async def picc_amend(request: Request, claim_no: str) -> JSONResponse:
    if not _key_ok(request, "PICC", request.headers.get("X-Api-Key", "")):
        return _picc_error(401, "E401", "invalid api key")
    body, key = await _json(request), _idem(request)
    if not key or not isinstance(body, dict) or "noticeNo" not in body:
        return _picc_error(400, "E400", "Idempotency-Key, noticeNo and revokedNoticeNo are required")
    return await _amend(
        request,
        "PICC",
        AmendmentReport(
            idempotency_key=key,
            claim_number=claim_no,
            case_number=body.get("caseNo", ""),
            new_notice_number=body["noticeNo"],
            revoked_notice_number=body.get("revokedNoticeNo", ""),
        ),
        ok={"code": "0000", "msg": "ok"},
        error=lambda s, m: _picc_error(s, f"E{s}", m),
    )


# ------------------------------------------------------------------------------------ CPIC


def _cpic_error(status: int, detail: str) -> JSONResponse:
    return JSONResponse(
        {"result": "REJECTED", "error": {"status": status, "detail": detail}}, status_code=status
    )


def _cpic_auth(request: Request) -> bool:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return scheme == "Bearer" and _key_ok(request, "CPIC", token)


@router.post("/CPIC/claim-reports")
async def cpic_report(request: Request) -> JSONResponse:
    if not _cpic_auth(request):
        return _cpic_error(401, "bad bearer token")
    body, key = await _json(request), _idem(request)
    if not key or not isinstance(body, dict):
        return _cpic_error(400, "Idempotency-Key and a JSON body are required")
    try:
        report = cpic_parse(body, key)
    except (KeyError, TypeError, ValidationError) as err:
        return _cpic_error(400, f"malformed report: {err}")
    try:
        number = await _insurer(request, "CPIC").report_claim(report)
    except ClaimRejected as err:
        return _cpic_error(422, str(err))
    return JSONResponse({"result": "ACCEPTED", "claim": {"number": number, "status": "REGISTERED"}})


@router.patch("/CPIC/claim-reports/{number}")
async def cpic_amend(request: Request, number: str) -> JSONResponse:
    if not _cpic_auth(request):
        return _cpic_error(401, "bad bearer token")
    body, key = await _json(request), _idem(request)
    docs = body.get("documents") if isinstance(body, dict) else None
    if not key or not isinstance(docs, dict) or "notice" not in docs:
        return _cpic_error(400, "Idempotency-Key and documents.notice are required")
    return await _amend(
        request,
        "CPIC",
        AmendmentReport(
            idempotency_key=key,
            claim_number=number,
            case_number=(body.get("accident") or {}).get("case_number", ""),
            new_notice_number=docs["notice"],
            revoked_notice_number=docs.get("revokes", ""),
        ),
        ok={"result": "ACCEPTED", "claim": {"number": number, "status": "AMENDED"}},
        error=_cpic_error,
    )


# ---------------------------------------------------------------------------------- PINGAN


def _pingan_error(status: int, msg: str) -> JSONResponse:
    return JSONResponse({"resultCode": "FAIL", "resultMsg": msg}, status_code=status)


async def _pingan_envelope(request: Request) -> tuple[dict[str, Any] | None, JSONResponse | None]:
    raw = await request.body()
    h = request.headers
    timestamp, nonce, signature = (
        h.get("X-PA-Timestamp", ""),
        h.get("X-PA-Nonce", ""),
        h.get("X-PA-Signature", ""),
    )
    secret = settings_of(request).insurer_key("PINGAN")
    expected = pingan_signature(secret, timestamp, nonce, raw)
    fresh = timestamp.isdigit() and abs(int(timestamp) - time.time() * 1000) < SIGNATURE_WINDOW_MS
    if not (fresh and hmac.compare_digest(expected, signature)):
        return None, _pingan_error(401, "signature invalid or expired")
    body = await _json(request)
    if not _idem(request) or not isinstance(body, dict) or not isinstance(body.get("bizContent"), dict):
        return None, _pingan_error(400, "Idempotency-Key and bizContent are required")
    return body, None


@router.post("/PINGAN/open/claim/report")
async def pingan_report(request: Request) -> JSONResponse:
    envelope, failed = await _pingan_envelope(request)
    if failed is not None or envelope is None:
        return failed or _pingan_error(400, "bad request")
    try:
        report = pingan_parse(envelope, _idem(request))
    except (KeyError, TypeError, ValueError, ValidationError) as err:
        return _pingan_error(400, f"malformed report: {err}")
    try:
        number = await _insurer(request, "PINGAN").report_claim(report)
    except ClaimRejected as err:
        return _pingan_error(422, str(err))
    return JSONResponse({"resultCode": "SUCCESS", "resultMsg": "受理成功", "claimNo": number})


@router.post("/PINGAN/open/claim/amend")
async def pingan_amend(request: Request) -> JSONResponse:
    envelope, failed = await _pingan_envelope(request)
    if failed is not None or envelope is None:
        return failed or _pingan_error(400, "bad request")
    biz = envelope["bizContent"]
    if "claimNo" not in biz or "certificateNo" not in biz:
        return _pingan_error(400, "claimNo and certificateNo are required")
    return await _amend(
        request,
        "PINGAN",
        AmendmentReport(
            idempotency_key=_idem(request),
            claim_number=biz["claimNo"],
            case_number=biz.get("reportNo", ""),
            new_notice_number=biz["certificateNo"],
            revoked_notice_number=biz.get("oldCertificateNo", ""),
        ),
        ok={"resultCode": "SUCCESS", "resultMsg": "变更已登记"},
        error=_pingan_error,
    )


async def _amend(
    request: Request, code: str, report: AmendmentReport, *, ok: dict[str, Any], error: Any
) -> JSONResponse:
    try:
        await _insurer(request, code).report_amendment(report)
    except ClaimRejected as err:
        return error(404, str(err))
    return JSONResponse(ok)


__all__ = ["ClaimReport", "router"]
