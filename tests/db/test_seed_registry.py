"""The registry sandbox seed: idempotent, fictional but checksum-valid, every failure case present."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db import repository as repo
from db.models import RegistryLicenceRow, RegistryPolicyRow, RegistryVehicleRow
from db.seed_registry import LICENCES, POLICIES, SCENARIOS, VEHICLES, resident_id, seed_registry

ON = date(2026, 6, 5)


def _gb11643_ok(id_number: str) -> bool:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(c) * w for c, w in zip(id_number[:17], weights, strict=True))
    return "10X98765432"[total % 11] == id_number[17]


def test_resident_id_checksum_known_example() -> None:
    # the GB 11643 worked example: 11010519491231002X
    assert resident_id("110105", date(1949, 12, 31), 2) == "11010519491231002X"
    assert all(_gb11643_ok(lic["id_number"]) for lic in LICENCES)


async def _latest_policy(s: AsyncSession, plate: str) -> RegistryPolicyRow | None:
    """The plate's most recent policy whatever its dates ('expired' vs 'never insured')."""
    stmt = (
        sa.select(RegistryPolicyRow)
        .where(RegistryPolicyRow.plate == plate)
        .order_by(RegistryPolicyRow.valid_to.desc())
        .limit(1)
    )
    return (await s.execute(stmt)).scalar_one_or_none()


async def _counts(s: AsyncSession) -> tuple[int, int, int]:
    out = []
    for model in (RegistryLicenceRow, RegistryVehicleRow, RegistryPolicyRow):
        out.append((await s.execute(sa.select(sa.func.count()).select_from(model))).scalar_one())
    return out[0], out[1], out[2]


async def test_seed_is_idempotent(db_sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    async with db_sessionmaker.begin() as s:
        await seed_registry(s)
    async with db_sessionmaker() as s:
        first = await _counts(s)
    async with db_sessionmaker.begin() as s:
        await seed_registry(s)
    async with db_sessionmaker() as s:
        assert await _counts(s) == first == (len(LICENCES), len(VEHICLES), len(POLICIES))


async def test_lookups_find_each_scenario(db_sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    async with db_sessionmaker.begin() as s:
        await seed_registry(s)
    async with db_sessionmaker() as s:
        expected_licence = {
            "licence_expired": "expired",
            "licence_suspended": "suspended",
            "licence_revoked": "revoked",
        }
        for name, sc in SCENARIOS.items():
            lic = await repo.find_licence(s, sc.licence_number)
            veh = await repo.find_vehicle(s, sc.plate)
            pol = await repo.find_policy_for_plate(s, sc.plate, ON)
            assert lic is not None and veh is not None, name
            if sc.expect == "ok":
                assert (lic.status, veh.status) == ("valid", "registered"), name
                assert lic.licence_class in ("C1", "C2", "A1"), name
                assert pol is not None, name
            elif sc.expect in expected_licence:
                assert lic.status == expected_licence[sc.expect], name
            elif sc.expect == "licence_wrong_class":
                assert lic.status == "valid" and lic.licence_class == "D", name
            elif sc.expect == "vehicle_scrapped":
                assert veh.status == "scrapped", name
            elif sc.expect == "vehicle_inspection_overdue":
                assert veh.status == "inspection_overdue" and veh.inspection_valid_to is not None
                assert veh.inspection_valid_to < ON
            elif sc.expect == "uninsured":
                assert pol is None and await _latest_policy(s, sc.plate) is None
            elif sc.expect == "policy_expired":
                latest = await _latest_policy(s, sc.plate)
                assert pol is None and latest is not None and latest.valid_to < ON
            else:  # pragma: no cover - a new scenario needs a branch here
                raise AssertionError(f"untested scenario {name}")

        insurers = {
            (await repo.find_policy_for_plate(s, SCENARIOS[n].plate, ON)).insurer_code  # type: ignore[union-attr]
            for n in ("ok_picc", "ok_cpic", "ok_pingan_new_energy", "ok_other_insurer_cicp")
        }
        assert insurers == {"PICC", "CPIC", "PINGAN", "CICP"}
        assert await repo.find_licence(s, "000000000000") is None
        assert await repo.find_vehicle(s, "川E00000") is None
        # the expired policy still covers a date inside its own period
        assert await repo.find_policy_for_plate(s, SCENARIOS["policy_expired"].plate, date(2024, 6, 1))
