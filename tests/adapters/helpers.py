"""Builders shared by the adapter tests."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.models import CaseRow
from db.seed_registry import POLICIES, SCENARIOS
from domain import activity_contracts as act
from domain.models import EvidenceKind, EvidenceRef, InsurancePolicy, Liability
from tests import case_factory

ACCIDENT = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
SCENARIO_OF = {"PICC": "ok_picc", "CPIC": "ok_cpic", "PINGAN": "ok_pingan_new_energy"}


async def new_case(sessions: async_sessionmaker[AsyncSession]) -> str:
    number = f"LZ20261125-{uuid.uuid4().int % 1_000_000:06d}-{uuid.uuid4().hex[:6]}"
    async with sessions.begin() as session:
        session.add(
            CaseRow(case_number=number, workflow_id=f"case-{number}", status="closed", reported_at=ACCIDENT)
        )
    return number


def claim_request(case_number: str, scenario: str, *, policy_number: str | None = None) -> act.ClaimRequest:
    party = case_factory.motor_party("P1", scenario)
    plate = SCENARIOS[scenario].plate
    policy = next(p for p in POLICIES if p["plate"] == plate)
    assert party.vehicle is not None
    party.vehicle.insurance = InsurancePolicy(
        insurer_code=policy["insurer_code"],
        insurer_name=policy["insurer_name"],
        policy_number=policy_number or policy["policy_number"],
    )
    return act.ClaimRequest(
        idempotency_key=f"case-{case_number}/claim/P1",
        case_number=case_number,
        party=party,
        liability=Liability.MAJOR,
        notice_number=f"N-{case_number}-1",
        accident_time=ACCIDENT,
        evidence=[
            EvidenceRef(
                evidence_id=f"{case_number}-E1",
                kind=EvidenceKind.IMPACT_POINT,
                storage_path="evidence/e1.jpg",
                sha256="ab" * 32,
            )
        ],
    )
