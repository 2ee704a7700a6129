"""The essentials the public verification page shows, so that a printout can be compared with them:
number, kind, unit, date, the parties (names masked: 张*) with their liability, and the notice that
revoked it or that a review concerned. Nothing else: no ID numbers, phones, plates or facts.

They are read from the signed content attached to the stored PDF (``content.json``), and used only
when its SHA-256 is the content digest of the signed record."""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from pydantic import BaseModel

from adapters.notice.layout import CONTENT_ATTACHMENT
from domain.masking import mask_name
from domain.models import NoticeKind

log = logging.getLogger(__name__)
_TZ = ZoneInfo("Asia/Shanghai")
OUTCOMES_ZH = {"uphold": "维持原道路交通事故认定", "redetermine": "责令原办案单位重新调查、认定"}


class PartySummary(BaseModel):
    label: str  # 甲 / 乙 ...
    name: str  # masked
    liability: str  # 全部责任 ...


class NoticeSummary(BaseModel):
    notice_number: str
    kind: NoticeKind
    unit: str
    issued_on: str  # 2026年3月5日
    parties: list[PartySummary]
    revokes_notice_number: str = ""  # a revocation: the notice it revokes
    reviewed_notice_number: str = ""  # a review conclusion: the notice reviewed, and the outcome
    outcome: str = ""
    revoked_by_notice_number: str = ""  # filled from the record


def attached_content(pdf: bytes) -> bytes | None:
    """The bytes of the ``content.json`` attachment of a PDF, or None."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    try:
        names = PdfFileReader(io.BytesIO(pdf)).root["/Names"]["/EmbeddedFiles"]["/Names"]
        for i in range(0, len(names), 2):
            if str(names[i]) == CONTENT_ATTACHMENT:
                return bytes(names[i + 1].get_object()["/EF"]["/F"].get_object().data)
    except (KeyError, ValueError, TypeError) as err:
        log.info("no readable content attachment: %s", type(err).__name__)
    return None


def public_summary(pdf: bytes, content_digest: str) -> NoticeSummary | None:
    raw = attached_content(pdf)
    if raw is None or not hmac.compare_digest(hashlib.sha256(raw).hexdigest(), content_digest):
        return None
    content = json.loads(raw)
    revokes = content.get("revokes") or {}
    kind = (
        NoticeKind.REVIEW_CONCLUSION
        if "reviewed_notice_number" in content
        else NoticeKind.REVOCATION
        if revokes
        else NoticeKind.DETERMINATION
    )
    issued = datetime.fromisoformat(content["issued_at"]).astimezone(_TZ)
    return NoticeSummary(
        notice_number=content["notice_number"],
        kind=kind,
        unit=content.get("review_unit") if kind == NoticeKind.REVIEW_CONCLUSION else content["unit"],
        issued_on=f"{issued.year}年{issued.month}月{issued.day}日",
        parties=[
            PartySummary(label=p["label"], name=mask_name(p["name"]), liability=p["liability_label"])
            for p in content["parties"]
        ],
        revokes_notice_number=revokes.get("revoked_notice_number", ""),
        reviewed_notice_number=content.get("reviewed_notice_number", ""),
        outcome=OUTCOMES_ZH.get(content.get("outcome", ""), ""),
    )
