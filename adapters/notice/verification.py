"""The stored notice record and the public verification (served by the API at
``/notices/{number}/verify``): is this notice genuine, unchanged, and still in force?"""

from __future__ import annotations

import base64
import binascii
import hmac
from datetime import datetime
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pydantic import AwareDatetime, BaseModel, ConfigDict

from adapters.notice.content import NoticeContent
from adapters.notice.signing import (
    normalise_code,
    record_message,
    sha256_hex,
    short_code_for,
    verify_signature,
)
from adapters.notice.summary import NoticeSummary, public_summary
from domain.models import NOTICE_TITLES_ZH, NoticeKind


class NoticeRecord(BaseModel):
    """What the caller persists for every issued notice (the PDF itself stays on disk, by reference).
    ``revoked_at`` / ``revoked_by_notice_number`` are set later, when a revocation notice is issued;
    every other field is fixed at issue and covered by ``signature``."""

    model_config = ConfigDict(extra="ignore")

    notice_number: str
    case_number: str
    version: int
    kind: NoticeKind = NoticeKind.DETERMINATION
    revokes_notice_number: str = ""
    pdf_path: str  # relative to the notice store's root
    sha256: str  # of the PDF bytes
    signature: str  # base64 Ed25519 over signing.record_message(...)
    content_signature: str  # base64 Ed25519 over the content; the short code derives from it
    short_code: str
    key_id: str = ""  # fingerprint of the public key that signed
    content_digest: str  # SHA-256 of the canonical content JSON
    issued_at: AwareDatetime
    served_at: AwareDatetime | None = None
    revoked_at: AwareDatetime | None = None
    revoked_by_notice_number: str = ""

    def signed_message(self) -> bytes:
        return record_message(
            notice_number=self.notice_number,
            case_number=self.case_number,
            version=self.version,
            kind=self.kind.value,
            revokes_notice_number=self.revokes_notice_number,
            issued_at=self.issued_at,
            content_digest=self.content_digest,
            short_code=self.short_code,
            pdf_sha256=self.sha256,
        )


class VerificationStatus(StrEnum):
    GENUINE = "genuine"
    UNKNOWN_NOTICE = "unknown_notice"
    WRONG_CODE = "wrong_code"
    ALTERED = "altered"  # PDF hash, record or signature mismatch
    REVOKED = "revoked"


class VerificationResult(BaseModel):
    status: VerificationStatus
    notice_number: str
    message: str  # Chinese, for the public page
    reason: str = ""  # English detail for logs (no personal data)
    kind: NoticeKind | None = None
    issued_at: AwareDatetime | None = None
    revoked_at: AwareDatetime | None = None
    revoked_by_notice_number: str = ""
    # the essentials (number, unit, date, masked parties and liabilities), once the PDF verified
    summary: NoticeSummary | None = None

    @property
    def ok(self) -> bool:
        return self.status == VerificationStatus.GENUINE


_TZ = ZoneInfo("Asia/Shanghai")


def _date_zh(value: datetime) -> str:
    local = value.astimezone(_TZ)
    return f"{local.year}年{local.month}月{local.day}日"


def verify_notice(
    notice_number: str,
    code: str,
    pdf_bytes: bytes | None,
    record: NoticeRecord | None,
    public_key: Ed25519PublicKey,
    content: NoticeContent | None = None,
) -> VerificationResult:
    """Check a notice as the public verification page does.

    ``record`` is the stored record for ``notice_number`` (None when there is none); ``code`` what
    the person typed or the QR URL carried; ``pdf_bytes`` the PDF to check (an uploaded copy, or the
    stored file), None to check the record only; ``content``, when the caller has it, is checked
    against the signed content digest too. Order: unknown -> wrong code -> altered -> revoked ->
    genuine (a revoked notice must still be intact to be reported as revoked)."""
    number = notice_number.strip()
    if record is None or record.notice_number != number:
        return VerificationResult(
            status=VerificationStatus.UNKNOWN_NOTICE,
            notice_number=number,
            message=f"未查询到编号为 {number} 的道路交通事故认定书，请核对认定书编号。",
            reason="no record for this number",
        )
    base: dict[str, Any] = {"notice_number": number, "kind": record.kind, "issued_at": record.issued_at}
    if not hmac.compare_digest(normalise_code(code).encode(), record.short_code.encode()):
        return VerificationResult(
            status=VerificationStatus.WRONG_CODE,
            message="验证码不正确，请核对认定书上印制的验证码后重新输入。",
            reason="short code does not match",
            **base,
        )
    problem = _integrity_problem(record, public_key, pdf_bytes, content)
    if problem:
        return VerificationResult(
            status=VerificationStatus.ALTERED,
            message="经核验，该文件与公安机关交通管理部门出具的原件不一致，可能已被篡改，请以原件为准。",
            reason=problem,
            **base,
        )
    summary = public_summary(pdf_bytes, record.content_digest) if pdf_bytes is not None else None
    if summary is not None:
        summary = summary.model_copy(update={"revoked_by_notice_number": record.revoked_by_notice_number})
    if record.revoked_at is not None or record.revoked_by_notice_number:
        return _revoked(record, summary, base)
    title = NOTICE_TITLES_ZH[record.kind]
    return VerificationResult(
        status=VerificationStatus.GENUINE,
        message=(
            f"经核验，第 {number} 号{title}由公安机关交通管理部门于{_date_zh(record.issued_at)}出具，"
            "电子签名有效，文件内容未被篡改。"
        ),
        reason="genuine",
        summary=summary,
        **base,
    )


def _integrity_problem(
    record: NoticeRecord, public_key: Ed25519PublicKey, pdf_bytes: bytes | None, content: NoticeContent | None
) -> str:
    """Why the record, its signatures, the content or the PDF do not hold together ("" when they do)."""
    try:
        signature = base64.b64decode(record.signature, validate=True)
        content_signature = base64.b64decode(record.content_signature, validate=True)
    except (binascii.Error, ValueError):
        return "signature is not base64"
    if not verify_signature(public_key, signature, record.signed_message()):
        return "record signature invalid"
    if short_code_for(content_signature) != record.short_code:
        return "short code does not derive from the content signature"
    if content is not None and content.digest() != record.content_digest:
        return "content digest mismatch"
    if pdf_bytes is not None and not hmac.compare_digest(sha256_hex(pdf_bytes), record.sha256):
        return "PDF SHA-256 mismatch"
    return ""


def _revoked(record: NoticeRecord, summary: NoticeSummary | None, base: dict[str, Any]) -> VerificationResult:
    """Genuine but revoked: say when and by which notice, so the reader turns to the new one."""
    when = f"已于{_date_zh(record.revoked_at)}" if record.revoked_at else "已"
    by = (
        f"被第 {record.revoked_by_notice_number} 号撤销道路交通事故认定书撤销"
        if record.revoked_by_notice_number
        else "被撤销"
    )
    return VerificationResult(
        status=VerificationStatus.REVOKED,
        message=f"该认定书为公安机关交通管理部门出具，但{when}{by}，不再具有效力，请以重新作出的认定书为准。",
        reason="revoked",
        revoked_at=record.revoked_at,
        revoked_by_notice_number=record.revoked_by_notice_number,
        summary=summary,
        **base,
    )
