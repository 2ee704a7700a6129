"""Fixtures for the db tests: an *empty* database per test (migration tests) and case records."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from domain.case_view import CaseSnapshot, PartySnapshot
from domain.models import CoordinateSystem, InsurancePolicy, Location, Party, PartyKind, Vehicle
from tests.conftest import fresh_postgres_database


@pytest.fixture(params=["sqlite", "postgres"])
async def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A database with no tables at all, new for each test."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'sub' / 'dir' / 'empty.db'}"  # parent dirs missing
    else:
        async with fresh_postgres_database() as url:
            yield url


def motor_party(party_id: str, phone: str, plate: str, insurer: str = "PICC") -> Party:
    return Party(
        party_id=party_id,
        kind=PartyKind.MOTOR_DRIVER,
        name="张演示",
        phone=phone,
        id_number="510502198503120119",
        licence_number="510500100001",
        vehicle=Vehicle(
            plate=plate,
            insurance=InsurancePolicy(
                insurer_code=insurer, insurer_name="中国人民财产保险", policy_number=f"POL-{plate}"
            ),
        ),
    )


def make_case(case_number: str, *parties: Party | PartySnapshot, **fields: object) -> CaseSnapshot:
    """A case snapshot as a workflow would write it (fields override the defaults)."""
    data: dict[str, object] = {
        "case_number": case_number,
        "workflow_id": f"case-{case_number}",
        "status": "queued",
        "category": "motor_vs_motor",
        "district": "江阳区",
        "reported_at": datetime(2026, 6, 5, 1, 30, tzinfo=UTC),
        "location": Location(lat=28.8718, lon=105.4423, system=CoordinateSystem.GCJ02),
        "parties": [p if isinstance(p, PartySnapshot) else PartySnapshot(party=p) for p in parties],
    }
    data.update(fields)
    return CaseSnapshot.model_validate(data)
