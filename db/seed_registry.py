"""Demo records for the embedded registry sandbox (issue 3): driving licences, vehicles and
交强险 policies, including the failure cases the verification step must catch.

All people are fictional: the names are made-up demo names and the resident ID numbers are built
here from a Luzhou region code, a birth date and a sequence number, with a correct GB 11643
checksum (so validators accept them). Do not replace them with real data.

    python -m db.seed_registry            # seed the configured database (idempotent)

`SCENARIOS` names each demo combination (licence + plate) with what verification should find;
tests and the demo script use those names instead of repeating numbers.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import RegistryLicenceRow, RegistryPolicyRow, RegistryVehicleRow
from db.repository import upsert_row

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def resident_id(region: str, birth: date, sequence: int) -> str:
    """A GB 11643 resident ID with a valid checksum (for demo data only)."""
    body = f"{region}{birth:%Y%m%d}{sequence:03d}"
    if len(body) != 17 or not body.isdigit():
        raise ValueError("region must be 6 digits and sequence 0..999")
    return body + _ID_CHECK[sum(int(c) * w for c, w in zip(body, _ID_WEIGHTS, strict=True)) % 11]


PICC = ("PICC", "中国人民财产保险股份有限公司")
CPIC = ("CPIC", "中国太平洋财产保险股份有限公司")
PINGAN = ("PINGAN", "中国平安财产保险股份有限公司")
CICP = ("CICP", "中华联合财产保险股份有限公司")  # not connected: citizens get guidance instead

FAR = date(2031, 12, 31)  # sandbox validity, far enough for demos and tests
POLICY_FROM = date(2025, 1, 1)


@dataclass(frozen=True)
class Scenario:
    licence_number: str
    plate: str
    expect: str  # what verification should report: "ok" or a failure code


def _licence(
    num: str, region: str, birth: date, seq: int, name: str, cls: str, status: str, to: date
) -> dict[str, Any]:
    return {
        "licence_number": num,
        "id_number": resident_id(region, birth, seq),
        "name": name,
        "licence_class": cls,
        "status": status,
        "valid_to": to,
    }


LICENCES: list[dict[str, Any]] = [
    _licence("510500100001", "510502", date(1985, 3, 12), 11, "张演示", "C1", "valid", FAR),
    _licence("510500100002", "510502", date(1990, 7, 1), 22, "李示例", "C1", "valid", FAR),
    _licence("510500100003", "510504", date(1978, 11, 23), 35, "王样本", "A1", "valid", FAR),
    _licence("510500100004", "510503", date(1995, 5, 30), 48, "赵模拟", "C2", "valid", FAR),
    _licence("510500100005", "510521", date(1988, 1, 9), 51, "陈测验", "C1", "valid", FAR),
    _licence("510500100006", "510502", date(1982, 9, 15), 63, "钱测试", "C1", "expired", date(2024, 3, 31)),
    _licence("510500100007", "510504", date(1992, 12, 2), 74, "孙虚构", "C1", "suspended", FAR),
    _licence("510500100008", "510502", date(2000, 4, 18), 85, "周范例", "D", "valid", FAR),  # motorcycles
    _licence("510500100009", "510503", date(1975, 6, 6), 96, "吴假名", "C1", "revoked", FAR),
]


def _vehicle(plate: str, status: str = "registered", inspection_to: date | None = FAR) -> dict[str, Any]:
    return {"plate": plate, "vehicle_type": CAR, "status": status, "inspection_valid_to": inspection_to}


CAR = "小型普通客车"
VEHICLES: list[dict[str, Any]] = [
    _vehicle("川E12345"),
    _vehicle("川EA8B21"),
    _vehicle("川ED12345"),  # new-energy (8 characters)
    _vehicle("川E6K789"),
    _vehicle("川A3C456"),  # Chengdu plate
    _vehicle("川E9S001", "scrapped", None),
    _vehicle("川E7Y202", "inspection_overdue", date(2024, 8, 31)),
    _vehicle("川E5U303"),  # uninsured
    _vehicle("川E4P404"),  # policy expired
]


def _policy(number: str, plate: str, insurer: tuple[str, str], start: date, end: date) -> dict[str, Any]:
    return {
        "policy_number": number,
        "plate": plate,
        "insurer_code": insurer[0],
        "insurer_name": insurer[1],
        "valid_from": start,
        "valid_to": end,
    }


POLICIES: list[dict[str, Any]] = [
    _policy("DEMO-PICC-2025-0001", "川E12345", PICC, POLICY_FROM, FAR),
    _policy("DEMO-CPIC-2025-0002", "川EA8B21", CPIC, POLICY_FROM, FAR),
    _policy("DEMO-PINGAN-2025-0003", "川ED12345", PINGAN, POLICY_FROM, FAR),
    _policy("DEMO-CICP-2025-0004", "川E6K789", CICP, POLICY_FROM, FAR),
    _policy("DEMO-PICC-2025-0005", "川A3C456", PICC, POLICY_FROM, FAR),
    _policy("DEMO-PICC-2023-0006", "川E9S001", PICC, date(2023, 1, 1), date(2023, 12, 31)),
    _policy("DEMO-CPIC-2025-0007", "川E7Y202", CPIC, POLICY_FROM, FAR),
    # 川E5U303: never insured (no policy at all)
    _policy("DEMO-PINGAN-2024-0008", "川E4P404", PINGAN, date(2024, 1, 1), date(2024, 12, 31)),  # expired
]

SCENARIOS: dict[str, Scenario] = {
    "ok_picc": Scenario("510500100001", "川E12345", "ok"),
    "ok_cpic": Scenario("510500100002", "川EA8B21", "ok"),
    "ok_pingan_new_energy": Scenario("510500100003", "川ED12345", "ok"),
    "ok_other_insurer_cicp": Scenario("510500100005", "川E6K789", "ok"),  # claim → guidance only
    "ok_other_city": Scenario("510500100004", "川A3C456", "ok"),  # C2 (automatic) licence
    "licence_expired": Scenario("510500100006", "川E12345", "licence_expired"),
    "licence_suspended": Scenario("510500100007", "川EA8B21", "licence_suspended"),
    "licence_revoked": Scenario("510500100009", "川EA8B21", "licence_revoked"),
    "licence_wrong_class": Scenario("510500100008", "川ED12345", "licence_wrong_class"),
    "vehicle_scrapped": Scenario("510500100001", "川E9S001", "vehicle_scrapped"),
    "vehicle_inspection_overdue": Scenario("510500100002", "川E7Y202", "vehicle_inspection_overdue"),
    "uninsured": Scenario("510500100003", "川E5U303", "uninsured"),
    "policy_expired": Scenario("510500100005", "川E4P404", "policy_expired"),
}


async def seed_registry(session: AsyncSession) -> int:
    """Insert or refresh the demo records (idempotent: a second run changes nothing).
    Returns the number of records written. The caller commits."""
    tables = (
        (RegistryLicenceRow, LICENCES, "licence_number"),
        (RegistryVehicleRow, VEHICLES, "plate"),
        (RegistryPolicyRow, POLICIES, "policy_number"),
    )
    for model, rows, key in tables:
        for row in rows:
            await upsert_row(session, model, row, key, [k for k in row if k != key])
    return len(LICENCES) + len(VEHICLES) + len(POLICIES)


async def _main() -> None:
    from db.session import ensure_schema, make_engine, make_sessionmaker
    from settings import get_settings

    url = get_settings().effective_database_url
    await ensure_schema(url)
    engine = make_engine(url)
    try:
        async with make_sessionmaker(engine).begin() as session:
            n = await seed_registry(session)
    finally:
        await engine.dispose()
    print(f"registry sandbox: {n} demo records in place")


if __name__ == "__main__":
    asyncio.run(_main())
