"""Public verification of a notice: ``GET /notices/{number}/verify?code=...`` (the QR code's URL).

No login. Answers an HTML page in Chinese, or JSON when the client asks for
``application/json``. It says only whether the notice is genuine, unchanged and in force - never
who the parties are. Unknown numbers and wrong codes get the same 200 page shape (with their own
status) so the page can explain; nothing about the case is revealed either way.

The check itself is the notice module's ``adapters.notice.verification.verify_notice``
(Ed25519 signatures over the record and the content, the stored PDF's SHA-256, revocation);
:func:`verify` only loads the record. Statuses use the notice module's vocabulary (genuine,
unknown_notice, wrong_code, altered, revoked)."""

from __future__ import annotations

import html
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel

from api.deps import State
from db import repository

router = APIRouter(prefix="/notices", tags=["public"])


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


async def verify(kc, number: str, code: str) -> NoticeCheck:
    async with kc.sessions() as session:
        row = await repository.get_notice(session, number)
    if row is None:
        return NoticeCheck(
            status="unknown_notice",
            notice_number=number,
            message=f"未查询到编号为 {number} 的道路交通事故认定书，请核对认定书编号。",
        )
    return _signed_check(kc, number, code, row)


def _signed_check(kc, number: str, code: str, row) -> NoticeCheck:
    """The notice module's verification (Ed25519 record and content signatures, PDF hash)."""
    from adapters.notice.signing import signing_key_from_settings
    from adapters.notice.verification import NoticeRecord, verify_notice
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
