"""The simulated insurer (embedded default): the insurer's own logic, behind `InsurerClient`.

It keeps its books in its own tables (db/sandbox_models.py), deduplicates on the
Idempotency-Key it receives (same key → same claim number, the way the real insurers promise),
numbers claims `<CODE><yyyymmdd><5 digits>` (e.g. `PICC2026112500001`, per insurer and day,
Asia/Shanghai), refuses what a real insurer would refuse (no such 交强险 policy with this
insurer, or the policy does not cover the accident date → `ClaimRejected`, the sandbox HTTP
service answers 422), and records amendments (a replaced determination) against the claim.

Used in-process by workflow tests (`SandboxInsurer(code, sessions)`), and behind the API's
`/sandbox/insurers/{code}/...` (api/sandbox/insurers.py), where each insurer speaks its own
format to the HTTP adapters of adapters/insurer_http.py."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.insurers import AmendmentReport, ClaimRejected, ClaimReport
from db.models import RegistryPolicyRow
from db.sandbox_models import SandboxInsurerAmendmentRow, SandboxInsurerClaimRow
from db.session import write_session
from domain.validators import normalize_plate

INSURER_NAMES = {
    "PICC": "中国人民财产保险股份有限公司",
    "CPIC": "中国太平洋财产保险股份有限公司",
    "PINGAN": "中国平安财产保险股份有限公司",
}
CHINA = ZoneInfo("Asia/Shanghai")


class SandboxInsurer:
    def __init__(self, code: str, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.code = code.upper()
        self.name = INSURER_NAMES.get(self.code, self.code)
        self._sessions = sessions

    async def report_claim(self, report: ClaimReport) -> str:
        existing = await self._claim_by_key(report.idempotency_key)
        if existing is not None:
            return existing.claim_number
        await self._check_policy(report)
        for _ in range(5):  # two first reports of the same day racing for a number
            try:
                async with write_session(self._sessions) as session:
                    number = await self._next_number(session)
                    session.add(
                        SandboxInsurerClaimRow(
                            insurer_code=self.code,
                            idempotency_key=report.idempotency_key,
                            claim_number=number,
                            case_number=report.case_number,
                            notice_number=report.notice_number,
                            plate=report.plate,
                            policy_number=report.policy_number,
                            payload=report.model_dump(mode="json"),
                            status="registered",
                        )
                    )
                return number
            except IntegrityError:
                existing = await self._claim_by_key(report.idempotency_key)
                if existing is not None:  # the same key won the race
                    return existing.claim_number
        raise RuntimeError("sandbox insurer: could not allocate a claim number")

    async def report_amendment(self, report: AmendmentReport) -> None:
        async with write_session(self._sessions) as session:
            claim = (
                await session.execute(
                    sa.select(SandboxInsurerClaimRow).where(
                        SandboxInsurerClaimRow.insurer_code == self.code,
                        SandboxInsurerClaimRow.claim_number == report.claim_number,
                    )
                )
            ).scalar_one_or_none()
            if claim is None:
                raise ClaimRejected(f"{self.code}: unknown claim number {report.claim_number}")
            seen = (
                await session.execute(
                    sa.select(SandboxInsurerAmendmentRow.id).where(
                        SandboxInsurerAmendmentRow.insurer_code == self.code,
                        SandboxInsurerAmendmentRow.idempotency_key == report.idempotency_key,
                    )
                )
            ).first()
            if seen is not None:
                return
            session.add(
                SandboxInsurerAmendmentRow(
                    insurer_code=self.code,
                    idempotency_key=report.idempotency_key,
                    claim_number=report.claim_number,
                    new_notice_number=report.new_notice_number,
                    revoked_notice_number=report.revoked_notice_number,
                )
            )
            claim.notice_number = report.new_notice_number
            claim.status = "amended"

    # ------------------------------------------------------------------ the insurer's books

    async def claims(self) -> list[SandboxInsurerClaimRow]:
        async with self._sessions() as session:
            stmt = (
                sa.select(SandboxInsurerClaimRow)
                .where(SandboxInsurerClaimRow.insurer_code == self.code)
                .order_by(SandboxInsurerClaimRow.id)
            )
            return list((await session.execute(stmt)).scalars())

    async def amendments(self, claim_number: str) -> list[SandboxInsurerAmendmentRow]:
        async with self._sessions() as session:
            stmt = (
                sa.select(SandboxInsurerAmendmentRow)
                .where(
                    SandboxInsurerAmendmentRow.insurer_code == self.code,
                    SandboxInsurerAmendmentRow.claim_number == claim_number,
                )
                .order_by(SandboxInsurerAmendmentRow.id)
            )
            return list((await session.execute(stmt)).scalars())

    async def _claim_by_key(self, key: str) -> SandboxInsurerClaimRow | None:
        async with self._sessions() as session:
            return (
                await session.execute(
                    sa.select(SandboxInsurerClaimRow).where(
                        SandboxInsurerClaimRow.insurer_code == self.code,
                        SandboxInsurerClaimRow.idempotency_key == key,
                    )
                )
            ).scalar_one_or_none()

    async def _check_policy(self, report: ClaimReport) -> None:
        if not report.policy_number or not report.notice_number:
            raise ClaimRejected(f"{self.code}: policy number and notice number are required")
        async with self._sessions() as session:
            policy = await session.get(RegistryPolicyRow, report.policy_number)
        if policy is None or policy.insurer_code != self.code:
            raise ClaimRejected(f"{self.code}: no 交强险 policy {report.policy_number} with this insurer")
        if normalize_plate(policy.plate) != normalize_plate(report.plate):
            raise ClaimRejected(f"{self.code}: policy {report.policy_number} covers another vehicle")
        day = report.accident_time.astimezone(CHINA).date()
        if not policy.valid_from <= day <= policy.valid_to:
            raise ClaimRejected(f"{self.code}: policy {report.policy_number} does not cover {day}")

    async def _next_number(self, session: AsyncSession) -> str:
        prefix = f"{self.code}{datetime.now(CHINA):%Y%m%d}"
        count = (
            await session.execute(
                sa.select(sa.func.count())
                .select_from(SandboxInsurerClaimRow)
                .where(SandboxInsurerClaimRow.claim_number.like(f"{prefix}%"))
            )
        ).scalar_one()
        return f"{prefix}{count + 1:05d}"
