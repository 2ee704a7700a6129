"""HttpRegistry against the sandbox registry router on a real uvicorn, on the seeded demo
records: each status per check, 5xx and timeouts retryable, 4xx final; and verify_party through
the activity with the HTTP adapter gives the same verdicts as the database registry."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.testing import ActivityEnvironment

from activities.registry import RegistryActivities
from adapters.errors import PermanentFailure
from adapters.registry import DatabaseRegistry
from adapters.registry_http import HttpRegistry, RegistryUnavailable
from db.seed_registry import SCENARIOS
from domain import activity_contracts as act
from domain.messages import CheckStatus
from tests import case_factory
from tests.adapters.sandbox_server import Fault, SandboxServer

ON = date(2026, 11, 25)


def registry(sandbox: SandboxServer, key: str | None = None, timeout: float = 1.0) -> HttpRegistry:
    return HttpRegistry(
        f"{sandbox.url}/sandbox/registry", key or sandbox.settings.sandbox_api_key, timeout=timeout
    )


def licence_of(scenario: str) -> tuple[str, str]:
    from db.seed_registry import LICENCES

    number = SCENARIOS[scenario].licence_number
    row = next(r for r in LICENCES if r["licence_number"] == number)
    return number, row["id_number"]


@pytest.mark.parametrize(
    ("scenario", "status"),
    [
        ("ok_picc", CheckStatus.VALID),
        ("licence_expired", CheckStatus.EXPIRED),
        ("licence_suspended", CheckStatus.SUSPENDED),
        ("licence_revoked", CheckStatus.SUSPENDED),
    ],
)
async def test_licence_statuses(sandbox_clean: SandboxServer, scenario: str, status: CheckStatus) -> None:
    number, id_number = licence_of(scenario)
    check = await registry(sandbox_clean).check_licence(number, id_number, ON)
    assert check.status == status and check.licence_class


async def test_licence_not_found_and_wrong_id(sandbox_clean: SandboxServer) -> None:
    number, _ = licence_of("ok_picc")
    r = registry(sandbox_clean)
    assert (await r.check_licence("999999999999", "", ON)).status == CheckStatus.NOT_FOUND
    assert (await r.check_licence(number, "510502199001010000", ON)).status == CheckStatus.NOT_FOUND


@pytest.mark.parametrize(
    ("scenario", "status"),
    [
        ("ok_picc", CheckStatus.VALID),
        ("vehicle_scrapped", CheckStatus.SCRAPPED),
        ("vehicle_inspection_overdue", CheckStatus.INSPECTION_OVERDUE),
    ],
)
async def test_vehicle_statuses(sandbox_clean: SandboxServer, scenario: str, status: CheckStatus) -> None:
    assert (await registry(sandbox_clean).check_vehicle(SCENARIOS[scenario].plate, ON)).status == status


async def test_vehicle_not_found(sandbox_clean: SandboxServer) -> None:
    assert (await registry(sandbox_clean).check_vehicle("川E00000", ON)).status == CheckStatus.NOT_FOUND


async def test_insurance(sandbox_clean: SandboxServer) -> None:
    r = registry(sandbox_clean)
    ok = await r.check_insurance(SCENARIOS["ok_cpic"].plate, ON)
    assert (ok.status, ok.insurer_code, ok.policy_number) == (
        CheckStatus.VALID,
        "CPIC",
        "DEMO-CPIC-2025-0002",
    )
    assert (await r.check_insurance(SCENARIOS["uninsured"].plate, ON)).status == CheckStatus.UNINSURED
    expired = await r.check_insurance(SCENARIOS["policy_expired"].plate, ON)
    assert expired.status == CheckStatus.UNINSURED  # not insured on the accident date
    covered_then = await r.check_insurance(SCENARIOS["policy_expired"].plate, date(2024, 6, 1))
    assert covered_then.status == CheckStatus.VALID


async def test_personal_data_stays_out_of_urls(sandbox_clean: SandboxServer) -> None:
    number, id_number = licence_of("ok_picc")
    await registry(sandbox_clean).check_licence(number, id_number, ON)
    assert all(id_number not in path and number not in path for _, path, _ in sandbox_clean.hits)


@pytest.mark.parametrize(
    "fault", [Fault("error", 500), Fault("error", 503), Fault("error", 429), Fault("hang_before", seconds=2)]
)
async def test_unavailable_is_retryable(sandbox_clean: SandboxServer, fault: Fault) -> None:
    sandbox_clean.fail_next("/vehicles/check", fault)
    r = registry(sandbox_clean, timeout=0.5)
    with pytest.raises(RegistryUnavailable):
        await r.check_vehicle(SCENARIOS["ok_picc"].plate, ON)
    assert (await r.check_vehicle(SCENARIOS["ok_picc"].plate, ON)).status == CheckStatus.VALID


async def test_bad_key_is_final(sandbox_clean: SandboxServer) -> None:
    with pytest.raises(PermanentFailure) as err:
        await registry(sandbox_clean, key="wrong").check_vehicle(SCENARIOS["ok_picc"].plate, ON)
    assert err.value.code == "REGISTRY_HTTP_401"


async def test_bare_404_is_final_but_not_found_status_is_data(sandbox_clean: SandboxServer) -> None:
    wrong_base = HttpRegistry(f"{sandbox_clean.url}/sandbox/nowhere", sandbox_clean.settings.sandbox_api_key)
    with pytest.raises(PermanentFailure):
        await wrong_base.check_vehicle("川E12345", ON)


@pytest.mark.parametrize(
    "scenario",
    [
        "ok_picc",
        "ok_pingan_new_energy",
        "licence_expired",
        "licence_wrong_class",
        "vehicle_scrapped",
        "uninsured",
        "policy_expired",
    ],
)
async def test_verify_party_same_verdict_over_http(
    sandbox_clean: SandboxServer, sessions: async_sessionmaker[AsyncSession], scenario: str
) -> None:
    req = act.VerifyRequest(
        case_number="LZ20261125-000001", party=case_factory.motor_party("P1", scenario), accident_date=ON
    )
    env = ActivityEnvironment()
    over_http = await env.run(RegistryActivities(registry(sandbox_clean)).verify_party, req)
    in_process = await env.run(RegistryActivities(DatabaseRegistry(sessions)).verify_party, req)
    assert over_http == in_process
    expect = SCENARIOS[scenario].expect
    codes = [r.code for r in over_http.refusals]
    if expect == "ok":
        assert codes == []
    else:
        assert codes, expect
