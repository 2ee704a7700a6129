"""Public verification of a notice: ``GET /notices/{number}/verify?code=...`` (the QR code's URL).

No login. Answers an HTML page in Chinese, or JSON when the client asks for
``application/json``. It says only whether the notice is genuine, unchanged and in force - never
who the parties are. Unknown numbers and wrong codes get the same 200 page shape (with their own
status) so the page can explain; nothing about the case is revealed either way.

The check itself: :func:`verify` is a thin adapter. A notice row that carries the notice module's
signatures is checked with ``activities.notice.verification.verify_notice`` (Ed25519 signatures
over the record and the content, the stored PDF's SHA-256, revocation). A row without them (older
schema) is checked by the stored short code (constant-time), the PDF's SHA-256 and the revocation. Statuses use the notice module's vocabulary (genuine,
unknown_notice, wrong_code, altered, revoked)."""

from __future__ import annotations

import hashlib
import hmac
import html
from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel

from api.deps import State
from db import repository

router = APIRouter(prefix="/notices", tags=["public"])
TZ = ZoneInfo("Asia/Shanghai")


class NoticeCheck(BaseModel):
    status: str  # genuine | unknown_notice | wrong_code | altered | revoked
    notice_number: str
    message: str
    kind: str | None = None
    issued_at: datetime | None = None
    revoked_at: datetime | None = None

    @property
    def ok(self) -> bool:
        return self.status == "genuine"


def _date_zh(value: datetime) -> str:
    local = value.astimezone(TZ)
    return f"{local.year}年{local.month}月{local.day}日"


def _normalise_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


async def verify(kc, number: str, code: str) -> NoticeCheck:
    from api.citizen import resolve_notice_path

    async with kc.sessions() as session:
        row = await repository.get_notice(session, number)
    if row is None:
        return NoticeCheck(
            status="unknown_notice",
            notice_number=number,
            message=f"未查询到编号为 {number} 的道路交通事故认定书，请核对认定书编号。",
        )
    if getattr(row, "content_signature", ""):
        return _signed_check(kc, number, code, row)
    base = {"notice_number": number, "kind": row.kind, "issued_at": row.issued_at}
    if not row.short_code or not hmac.compare_digest(
        _normalise_code(code).encode(), _normalise_code(row.short_code).encode()
    ):
        return NoticeCheck(
            status="wrong_code", message="验证码不正确，请核对认定书上印制的验证码后重新输入。", **base
        )
    path = resolve_notice_path(kc, row.pdf_path)
    if path is None or not row.sha256 or hashlib.sha256(path.read_bytes()).hexdigest() != row.sha256:
        return NoticeCheck(
            status="altered",
            message="经核验，该文件与公安机关交通管理部门出具的原件不一致，请以原件为准。",
            **base,
        )
    if row.revoked_at is not None:
        return NoticeCheck(
            status="revoked",
            revoked_at=row.revoked_at,
            message=f"该认定书已于{_date_zh(row.revoked_at)}被撤销，不再具有效力，请以重新作出的认定书为准。",
            **base,
        )
    return NoticeCheck(
        status="genuine",
        message=f"经核验，第 {number} 号道路交通事故认定书由公安机关交通管理部门于{_date_zh(row.issued_at)}出具，文件未被篡改。",
        **base,
    )


def _signed_check(kc, number: str, code: str, row) -> NoticeCheck:
    """The notice module's verification (Ed25519 record and content signatures, PDF hash)."""
    from activities.notice.signing import signing_key_from_settings
    from activities.notice.verification import NoticeRecord, verify_notice
    from api.citizen import resolve_notice_path

    record = NoticeRecord(
        notice_number=row.notice_number,
        case_number=row.case_number,
        version=row.version,
        kind=row.kind,
        revokes_notice_number=row.revokes_notice_number or "",
        pdf_path=row.pdf_path,
        sha256=row.sha256,
        signature=row.signature,
        content_signature=row.content_signature,
        short_code=row.short_code,
        key_id=row.key_id,
        content_digest=row.content_digest,
        issued_at=row.issued_at,
        served_at=row.served_at,
        revoked_at=row.revoked_at,
        revoked_by_notice_number=getattr(row, "revoked_by_notice_number", None) or "",
    )
    path = resolve_notice_path(kc, row.pdf_path)
    pdf = path.read_bytes() if path is not None else b""  # a missing file cannot be genuine
    result = verify_notice(number, code, pdf, record, signing_key_from_settings(kc.settings).public_key())
    return NoticeCheck(
        status=result.status.value,
        notice_number=number,
        message=result.message,
        kind=result.kind.value if result.kind else None,
        issued_at=result.issued_at,
        revoked_at=result.revoked_at,
    )


PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>道路交通事故认定书核验</title>
<style>body{{font-family:sans-serif;max-width:36em;margin:2em auto;padding:0 1em}}
.ok{{color:#0a7d2c}}.bad{{color:#b3261e}}</style></head>
<body><h1>道路交通事故认定书核验</h1>
<p>认定书编号：{number}</p>
<p class="{css}"><strong>{verdict}</strong></p>
<p>{message}</p>
</body></html>"""

VERDICT = {
    "genuine": "真实有效",
    "revoked": "已撤销",
    "unknown_notice": "未找到",
    "wrong_code": "验证码错误",
    "altered": "核验未通过",
}


@router.get(
    "/{notice_number}/verify",
    response_model=NoticeCheck,
    responses={200: {"content": {"text/html": {"schema": {"type": "string"}}}}},
)
async def verify_notice(
    notice_number: Annotated[str, Path(max_length=40)],
    request: Request,
    kc: State,
    code: Annotated[str, Query(max_length=32)] = "",
):
    """Is this notice genuine, unchanged and in force? HTML, or JSON with Accept: application/json."""
    check = await verify(kc, notice_number.strip(), code)
    accept = request.headers.get("accept", "")
    if "application/json" in accept and "text/html" not in accept:
        return JSONResponse(check.model_dump(mode="json"))
    return HTMLResponse(
        PAGE.format(
            number=html.escape(check.notice_number),
            css="ok" if check.ok else "bad",
            verdict=VERDICT.get(check.status, check.status),
            message=html.escape(check.message),
        )
    )
