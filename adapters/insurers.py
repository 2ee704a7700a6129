"""Claims to the 交强险 insurer: one report per party, idempotent end to end (our record is
keyed by the idempotency key, and the key travels to the insurer, which deduplicates on it).
Connected insurers (PICC, CPIC, Ping An by default) get the report; any other insurer's
customer gets guidance to report directly.

Embedded provider: `SandboxInsurer` (simulated insurer: keeps its claims in its own table and
answers with a claim number). HTTP adapters for real insurers live in adapters/insurer_http.py; the activity in
activities/insurers.py."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from pydantic import BaseModel, Field

HOTLINES = {"PICC": "95518", "CPIC": "95500", "PINGAN": "95511"}


class ClaimReport(BaseModel):
    """What an insurer receives: the case summary, the notice, the evidence references."""

    idempotency_key: str
    case_number: str
    notice_number: str
    accident_time: datetime
    plate: str
    policy_number: str
    insured_name: str
    insured_phone: str
    liability: str = ""
    evidence: list[dict[str, str]] = Field(default_factory=list)


class AmendmentReport(BaseModel):
    idempotency_key: str
    claim_number: str
    case_number: str
    new_notice_number: str
    revoked_notice_number: str


class ClaimRejected(Exception):
    """The insurer refused the report for good (a 4xx): retrying would not help."""


class InsurerClient(Protocol):
    code: str
    name: str

    async def report_claim(self, report: ClaimReport) -> str:
        """Returns the insurer's claim number; the same key always gives the same number."""
        ...

    async def report_amendment(self, report: AmendmentReport) -> None: ...


def guidance_for(insurer_name: str, insurer_code: str) -> str:
    hotline = HOTLINES.get(insurer_code)
    name = insurer_name or "您的保险公司"
    if hotline:
        return f"请拨打{name}客服电话{hotline}报案，并提供案件编号和事故认定书编号。"
    return f"{name}暂未接入一键报案，请通过其客服电话或官方App报案，并提供案件编号和事故认定书编号。"
