"""Builders for test cases: alerts from the sandbox registry's demo people and vehicles, at a
place inside the shipped pilot area, at a time inside the service hours."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from itertools import count

import shapely
from shapely.geometry import shape

from db.seed_registry import LICENCES, SCENARIOS, VEHICLES
from domain.models import (
    AccidentCategory,
    Alert,
    Decision,
    DeclaredFacts,
    EvidenceKind,
    EvidenceRef,
    InsurancePolicy,
    Liability,
    Location,
    Party,
    PartyKind,
    Vehicle,
)
from settings import Settings

# Wednesday 2026-11-25, 10:00 Asia/Shanghai: a working day inside the morning window.
WORKING_MORNING = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
_numbers = count(1)


def new_case_number(prefix: str = "LZ20261125") -> str:
    return f"{prefix}-{next(_numbers):06d}-{datetime.now(UTC):%H%M%S%f}"


def point_in_pilot_area(settings: Settings, area: str = "南城街道") -> Location:
    data = json.loads(settings.pilot_area_file.read_text(encoding="utf-8"))
    for feature in data["features"]:
        if feature["properties"]["name"] == area:
            p = shapely.point_on_surface(shape(feature["geometry"]))
            return Location(
                lat=p.y, lon=p.x, address=f"{area}示例路100号", district=feature["properties"]["district"]
            )
    raise LookupError(area)


def motor_party(party_id: str, scenario: str) -> Party:
    s = SCENARIOS[scenario]
    licence = next(r for r in LICENCES if r["licence_number"] == s.licence_number)
    vehicle = next(r for r in VEHICLES if r["plate"] == s.plate)
    return Party(
        party_id=party_id,
        kind=PartyKind.MOTOR_DRIVER,
        name=licence["name"],
        phone=f"1380000{int(party_id[1:]):04d}",
        id_number=licence["id_number"],
        licence_number=licence["licence_number"],
        vehicle=Vehicle(
            plate=s.plate,
            vehicle_type=vehicle["vehicle_type"],
            insurance=InsurancePolicy(insurer_code="DECLARED", insurer_name="当事人申报"),
        ),
    )


def alert(settings: Settings, scenarios: tuple[str, ...] = ("ok_picc", "ok_cpic"), **facts: object) -> Alert:
    parties = [motor_party(f"P{i}", s) for i, s in enumerate(scenarios, start=1)]
    return Alert(
        reported_at=WORKING_MORNING,
        location=point_in_pilot_area(settings),
        facts=DeclaredFacts(category=AccidentCategory.MOTOR_VS_MOTOR, description="追尾", **facts),
        parties=parties,
        reporter_phone=parties[0].phone,
        consent_electronic_service=True,
    )


def shot_list(case_number: str, vehicles: int) -> list[EvidenceRef]:
    kinds = [EvidenceKind.OVERVIEW_FRONT, EvidenceKind.OVERVIEW_REAR, EvidenceKind.IMPACT_POINT]
    kinds += [EvidenceKind.PLATE] * vehicles + [EvidenceKind.GROUP_PHOTO]
    return [
        EvidenceRef(
            evidence_id=f"{case_number}-E{i}",
            kind=kind,
            storage_path=f"evidence/{case_number}/{i}.jpg",
            sha256=f"{i:064x}",
            content_type="image/jpeg",
        )
        for i, kind in enumerate(kinds, start=1)
    ]


def decision(
    party_ids: list[str], officer_id: str = "officer-7", shares: list[Liability] | None = None
) -> Decision:
    shares = shares or [Liability.FULL] + [Liability.NONE] * (len(party_ids) - 1)
    return Decision(
        officer_id=officer_id,
        officer_name="刘警官",
        badge_number="051234",
        unit="泸州市公安局交通警察支队江阳大队",
        liabilities=dict(zip(party_ids, shares, strict=True)),
        facts="P1驾车未与前车保持安全距离，追尾P2车辆尾部。",
        accident_form="13",  # 尾随相撞 (GA 16.2)
        impact_points=["P1:01", "P2:06"],  # 甲车前部, 乙车尾部
        legal_basis="《中华人民共和国道路交通安全法》第四十三条",
        no_mediation_reason="当事人自行协商赔偿",
    )
