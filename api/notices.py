"""Public verification of a notice, a revocation or a review conclusion:
``GET /notices/{number}/verify?code=...`` (the QR code's URL).

No login. Answers an HTML page in Chinese, or JSON when the client asks for ``application/json``.
Beyond genuine / revoked / wrong code it shows the document's essentials, so that a printout can be
compared with them: number, unit, date, the parties with masked names (张*) and each one's
liability, and the notice that revoked it (or that a review concerned). No ID numbers, phones,
plates or facts. Unknown numbers and wrong codes get the same page shape with their own status and
reveal nothing about the case.

The check is ``adapters.notice.verification.verify_notice`` (Ed25519 record and content signatures,
the stored PDF's SHA-256, revocation) with the **public** key only: the page never loads, let alone
creates, the private signing key. The key is loaded once per process."""

from __future__ import annotations

import html
import logging
from datetime import datetime
from typing import Annotated

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel

from adapters.notice.summary import NoticeSummary
from api.deps import State
from api.errors import problem_responses
from api.rate_limits import VerifyLimits
from api.storage_deps import read_notice
from db import repository
from domain.models import NOTICE_TITLES_ZH

router = APIRouter(prefix="/notices", tags=["public"])
log = logging.getLogger(__name__)


class NoticeCheck(BaseModel):
    status: str  # genuine | unknown_notice | wrong_code | altered | revoked | unavailable
    notice_number: str
    message: str
    kind: str | None = None
    issued_at: datetime | None = None
    revoked_at: datetime | None = None
    summary: NoticeSummary | None = None  # the essentials, when the document verified

    @property
    def ok(self) -> bool:
        return self.status == "genuine"


_public_keys: dict[tuple[str, str], Ed25519PublicKey] = {}


def public_key(settings) -> Ed25519PublicKey | None:
    """The verification key, cached per configuration (None until the issuing side published one)."""
    from adapters.notice.signing import public_key_from_settings

    cache_key = (settings.notice_public_key_b64, str(settings.effective_notice_signing_key_path))
    key = _public_keys.get(cache_key)
    if key is None:
        key = public_key_from_settings(settings)
        if key is not None:
            _public_keys[cache_key] = key
    return key


async def verify(kc, number: str, code: str) -> NoticeCheck:
    async with kc.sessions() as session:
        row = await repository.get_notice(session, number)
    if row is None:
        return NoticeCheck(
            status="unknown_notice",
            notice_number=number,
            message=f"未查询到编号为 {number} 的文书，请核对文书编号。",
        )
    return _signed_check(kc, number, code, row, await read_notice(kc, row.pdf_path))


def _signed_check(kc, number: str, code: str, row, pdf: bytes) -> NoticeCheck:
    from adapters.notice.verification import NoticeRecord, verify_notice

    key = public_key(kc.settings)
    if key is None:
        log.warning("notice verification has no public key: set KUAICHU_NOTICE_PUBLIC_KEY_B64")
        return NoticeCheck(
            status="unavailable", notice_number=number, message="核验服务暂不可用，请稍后再试。"
        )
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
    result = verify_notice(number, code, pdf, record, key)  # a missing file (b"") cannot be genuine
    return NoticeCheck(
        status=result.status.value,
        notice_number=number,
        message=result.message,
        kind=result.kind.value if result.kind else None,
        issued_at=result.issued_at,
        revoked_at=result.revoked_at,
        summary=result.summary,
    )


PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>交通事故文书核验</title>
<style>body{{font-family:sans-serif;max-width:36em;margin:2em auto;padding:0 1em}}
.ok{{color:#0a7d2c}}.bad{{color:#b3261e}}table{{border-collapse:collapse}}
td,th{{border:1px solid #999;padding:.3em .6em;text-align:left}}dt{{color:#555}}dd{{margin:0 0 .5em}}</style>
</head><body><h1>交通事故文书核验</h1>
<p>文书编号：{number}</p>
<p class="{css}"><strong>{verdict}</strong></p>
<p>{message}</p>
{essentials}
</body></html>"""

VERDICT = {
    "genuine": "真实有效",
    "revoked": "已撤销",
    "unknown_notice": "未找到",
    "wrong_code": "验证码错误",
    "altered": "核验未通过",
    "unavailable": "暂不可用",
}


def essentials_html(summary: NoticeSummary | None) -> str:
    """The essentials as a definition list and a party table; every value escaped."""
    if summary is None:
        return ""
    e = html.escape
    items = [
        ("文书", NOTICE_TITLES_ZH[summary.kind]),
        ("编号", summary.notice_number),
        ("出具单位", summary.unit),
        ("出具日期", summary.issued_on),
    ]
    if summary.revokes_notice_number:
        items.append(("撤销的认定书", f"第 {summary.revokes_notice_number} 号"))
    if summary.reviewed_notice_number:
        items.append(("复核的认定书", f"第 {summary.reviewed_notice_number} 号"))
        items.append(("复核结论", summary.outcome))
    if summary.revoked_by_notice_number:
        items.append(("已被撤销", f"第 {summary.revoked_by_notice_number} 号撤销道路交通事故认定书"))
    rows = "".join(
        f"<tr><td>{e(p.label)}</td><td>{e(p.name)}</td><td>{e(p.liability)}</td></tr>"
        for p in summary.parties
    )
    return (
        "<h2>文书要素</h2><dl>"
        + "".join(f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in items)
        + "</dl><table><tr><th>当事人</th><th>姓名</th><th>事故责任</th></tr>"
        + rows
        + "</table><p>请将以上要素与所持文书核对，如不一致，以本页为准。</p>"
    )


@router.get(
    "/{notice_number}/verify",
    response_model=NoticeCheck,
    responses={200: {"content": {"text/html": {"schema": {"type": "string"}}}}, **problem_responses(429)},
    dependencies=[VerifyLimits],  # code guesses: per client address and per notice number
)
async def verify_notice(
    notice_number: Annotated[str, Path(max_length=40)],
    request: Request,
    kc: State,
    code: Annotated[str, Query(max_length=32)] = "",
):
    """Is this document genuine, unchanged and in force, and what does it say in essence? HTML, or
    JSON with Accept: application/json."""
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
            essentials=essentials_html(check.summary),
        )
    )
