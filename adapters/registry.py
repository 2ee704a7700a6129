"""Verification of a motor party against the traffic-management registry: driving licence,
vehicle, and 交强险 on the accident date. Results are data (a failed check is not an error);
only an unreachable registry raises, and then the activity retries.

Embedded provider: `DatabaseRegistry` reads the seeded sandbox tables (db/seed_registry.py)."""

from __future__ import annotations

from datetime import date
from typing import Protocol

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db import repository
from domain.licence_classes import licence_permits
from domain.messages import CheckStatus, PartyVerification
from domain.models import Refusal


class LicenceCheck(BaseModel):
    status: CheckStatus
    licence_class: str = ""


class VehicleCheck(BaseModel):
    status: CheckStatus
    vehicle_type: str = ""


class InsuranceCheck(BaseModel):
    status: CheckStatus
    insurer_code: str = ""
    insurer_name: str = ""
    policy_number: str = ""


class RegistryProvider(Protocol):
    async def check_licence(self, licence_number: str, id_number: str, on: date) -> LicenceCheck: ...

    async def check_vehicle(self, plate: str, on: date) -> VehicleCheck: ...

    async def check_insurance(self, plate: str, on: date) -> InsuranceCheck: ...


class DatabaseRegistry:
    """The embedded sandbox registry (fictional demo records, including failing ones)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def check_licence(self, licence_number: str, id_number: str, on: date) -> LicenceCheck:
        async with self._sessions() as session:
            row = await repository.find_licence(session, licence_number)
        if row is None or (id_number and row.id_number != id_number.upper()):
            return LicenceCheck(status=CheckStatus.NOT_FOUND)
        if row.status in ("suspended", "revoked"):
            return LicenceCheck(status=CheckStatus.SUSPENDED, licence_class=row.licence_class)
        if row.status == "expired" or row.valid_to < on:
            return LicenceCheck(status=CheckStatus.EXPIRED, licence_class=row.licence_class)
        return LicenceCheck(status=CheckStatus.VALID, licence_class=row.licence_class)

    async def check_vehicle(self, plate: str, on: date) -> VehicleCheck:
        async with self._sessions() as session:
            row = await repository.find_vehicle(session, plate)
        if row is None:
            return VehicleCheck(status=CheckStatus.NOT_FOUND)
        if row.status == "scrapped":
            return VehicleCheck(status=CheckStatus.SCRAPPED, vehicle_type=row.vehicle_type)
        overdue = row.status == "inspection_overdue" or (
            row.inspection_valid_to is not None and row.inspection_valid_to < on
        )
        status = CheckStatus.INSPECTION_OVERDUE if overdue else CheckStatus.VALID
        return VehicleCheck(status=status, vehicle_type=row.vehicle_type)

    async def check_insurance(self, plate: str, on: date) -> InsuranceCheck:
        async with self._sessions() as session:
            row = await repository.find_policy_for_plate(session, plate, on)
        if row is None:
            return InsuranceCheck(status=CheckStatus.UNINSURED)
        return InsuranceCheck(
            status=CheckStatus.VALID,
            insurer_code=row.insurer_code,
            insurer_name=row.insurer_name,
            policy_number=row.policy_number,
        )


REFUSAL_ZH: dict[tuple[str, CheckStatus], str] = {
    ("licence", CheckStatus.NOT_FOUND): "未查询到驾驶证信息",
    ("licence", CheckStatus.EXPIRED): "驾驶证已过有效期",
    ("licence", CheckStatus.SUSPENDED): "驾驶证处于暂扣、吊销或注销状态",
    ("licence", CheckStatus.WRONG_CLASS): "准驾车型与所驾车辆不符",
    ("vehicle", CheckStatus.NOT_FOUND): "未查询到机动车登记信息",
    ("vehicle", CheckStatus.SCRAPPED): "机动车已报废",
    ("vehicle", CheckStatus.INSPECTION_OVERDUE): "机动车未按期检验",
    ("insurance", CheckStatus.UNINSURED): "事故发生时机动车未投保交强险或保险已过期",
}


def verification_of(
    party_id: str, licence: LicenceCheck, vehicle: VehicleCheck, insurance: InsuranceCheck
) -> PartyVerification:
    """Combine the three checks into one result with a reason per failure."""
    licence_status = licence.status
    if (
        licence_status == CheckStatus.VALID
        and vehicle.vehicle_type
        and not licence_permits(licence.licence_class, vehicle.vehicle_type)
    ):
        licence_status = CheckStatus.WRONG_CLASS
    refusals = [
        Refusal(
            code=f"{what.upper()}_{status.value.upper()}",
            reason=f"当事人{party_id}：{REFUSAL_ZH[(what, status)]}",
            advice="请在安全位置等候，交警将到现场处理。",
        )
        for what, status in (
            ("licence", licence_status),
            ("vehicle", vehicle.status),
            ("insurance", insurance.status),
        )
        if status != CheckStatus.VALID
    ]
    return PartyVerification(
        party_id=party_id,
        licence=licence_status,
        vehicle=vehicle.status,
        insurance=insurance.status,
        insurer_code=insurance.insurer_code,
        insurer_name=insurance.insurer_name,
        policy_number=insurance.policy_number,
        refusals=refusals,
    )
