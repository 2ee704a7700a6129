"""Insurer HTTP adapters (PICC, CPIC, Ping An) against the sandbox insurers served by uvicorn,
and ClaimActivities through Temporal's ActivityEnvironment: retries after 5xx and timeouts
end with exactly one claim; a 4xx ends the step with the reason recorded."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.insurers import ClaimActivities
from adapters.insurer_http import ADAPTERS, InsurerUnavailable, PingAnClient
from adapters.insurers import AmendmentReport, ClaimRejected, ClaimReport
from adapters.sandbox_insurer import SandboxInsurer
from db.models import ClaimRow
from db.sandbox_models import SandboxInsurerClaimRow
from domain import activity_contracts as act
from domain.messages import ClaimResult
from settings import Settings
from tests.adapters.helpers import SCENARIO_OF, claim_request, new_case
from tests.adapters.sandbox_server import Fault, SandboxServer

CODES = ["PICC", "CPIC", "PINGAN"]
PATHS = {"PICC": "/PICC/api/v1/claims", "CPIC": "/CPIC/claim-reports", "PINGAN": "/PINGAN/open/claim/report"}


def adapter(code: str, sandbox: SandboxServer, key: str | None = None):
    s = sandbox.settings
    url = f"{sandbox.url}/sandbox/insurers/{code}"
    return ADAPTERS[code](url, key or s.insurer_key(code), timeout=s.insurer_timeout_seconds)


def report_of(req: act.ClaimRequest) -> ClaimReport:
    vehicle = req.party.vehicle
    assert vehicle and vehicle.insurance
    return ClaimReport(
        idempotency_key=req.idempotency_key,
        case_number=req.case_number,
        notice_number=req.notice_number,
        accident_time=req.accident_time,
        plate=vehicle.plate,
        policy_number=vehicle.insurance.policy_number,
        insured_name=req.party.name,
        insured_phone=req.party.phone,
        liability="MAJOR",
        evidence=[{"id": "E1", "kind": "impact_point", "sha256": "ab" * 32}],
    )


async def insurer_claims(
    sessions: async_sessionmaker[AsyncSession], key: str
) -> list[SandboxInsurerClaimRow]:
    async with sessions() as session:
        stmt = sa.select(SandboxInsurerClaimRow).where(SandboxInsurerClaimRow.idempotency_key == key)
        return list((await session.execute(stmt)).scalars())


async def our_claim(sessions: async_sessionmaker[AsyncSession], key: str) -> ClaimRow:
    async with sessions() as session:
        stmt = sa.select(ClaimRow).where(ClaimRow.idempotency_key == key)
        return (await session.execute(stmt)).scalar_one()


async def run_with_retries(
    activities: ClaimActivities, req: act.ClaimRequest, attempts: int = 6
) -> ClaimResult:
    """What Temporal does with EXTERNAL_RETRY: run again after a retryable failure."""
    env = ActivityEnvironment()
    for _ in range(attempts - 1):
        try:
            return await env.run(activities.file_claim, req)
        except ApplicationError as err:
            if err.non_retryable:
                raise
        except Exception:
            continue
    return await env.run(activities.file_claim, req)


@pytest.mark.parametrize("code", CODES)
async def test_report_is_idempotent_and_numbered(
    code: str, sandbox_clean: SandboxServer, sessions: async_sessionmaker[AsyncSession]
) -> None:
    req = claim_request(await new_case(sessions), SCENARIO_OF[code])
    client = adapter(code, sandbox_clean)
    first = await client.report_claim(report_of(req))
    again = await client.report_claim(report_of(req))
    assert first == again
    assert re.fullmatch(rf"{code}\d{{8}}\d{{5}}", first)
    [row] = await insurer_claims(sessions, req.idempotency_key)
    assert (row.insurer_code, row.case_number, row.notice_number) == (
        code,
        req.case_number,
        req.notice_number,
    )
    assert row.payload["evidence"][0]["sha256"] == "ab" * 32
    assert sandbox_clean.count(PATHS[code]) == 2


@pytest.mark.parametrize("code", CODES)
async def test_5xx_and_timeouts_then_exactly_one_claim(
    code: str, sandbox_clean: SandboxServer, sessions: async_sessionmaker[AsyncSession]
) -> None:
    req = claim_request(await new_case(sessions), SCENARIO_OF[code])
    sandbox_clean.fail_next(
        PATHS[code],
        Fault("error", 503),
        Fault("hang_after", seconds=2),  # registered at the insurer, answer lost
        Fault("error", 500),
        Fault("hang_before", seconds=2),
    )
    activities = ClaimActivities(sessions, {code: adapter(code, sandbox_clean)})
    result = await run_with_retries(activities, req)
    assert result.filed and result.insurer_code == code
    [row] = await insurer_claims(sessions, req.idempotency_key)
    assert row.claim_number == result.claim_number
    ours = await our_claim(sessions, req.idempotency_key)
    assert (ours.status, ours.claim_number) == ("filed", result.claim_number)
    # and once filed, a repeated activity does not call the insurer again
    calls = sandbox_clean.count(PATHS[code])
    assert (await ActivityEnvironment().run(activities.file_claim, req)).claim_number == result.claim_number
    assert sandbox_clean.count(PATHS[code]) == calls


@pytest.mark.parametrize("code", CODES)
async def test_4xx_is_final_with_reason_recorded(
    code: str, sandbox_clean: SandboxServer, sessions: async_sessionmaker[AsyncSession]
) -> None:
    req = claim_request(await new_case(sessions), SCENARIO_OF[code], policy_number="NO-SUCH-POLICY")
    activities = ClaimActivities(sessions, {code: adapter(code, sandbox_clean)})
    with pytest.raises(ApplicationError) as err:
        await run_with_retries(activities, req)
    assert err.value.non_retryable and err.value.type == "CLAIM_REJECTED"
    assert sandbox_clean.count(PATHS[code]) == 1  # no endless retry
    ours = await our_claim(sessions, req.idempotency_key)
    assert ours.status == "rejected" and "NO-SUCH-POLICY" in (ours.last_error or "")
    assert not await insurer_claims(sessions, req.idempotency_key)


@pytest.mark.parametrize("code", CODES)
async def test_wrong_credentials_are_refused(
    code: str, sandbox_clean: SandboxServer, sessions: async_sessionmaker[AsyncSession]
) -> None:
    req = claim_request(await new_case(sessions), SCENARIO_OF[code])
    with pytest.raises(ClaimRejected, match="401"):
        await adapter(code, sandbox_clean, key="wrong-key").report_claim(report_of(req))


@pytest.mark.parametrize("code", CODES)
async def test_amendment_reaches_the_insurer(
    code: str, sandbox_clean: SandboxServer, sessions: async_sessionmaker[AsyncSession]
) -> None:
    req = claim_request(await new_case(sessions), SCENARIO_OF[code])
    client = adapter(code, sandbox_clean)
    activities = ClaimActivities(sessions, {code: client})
    claim = await ActivityEnvironment().run(activities.file_claim, req)
    amend = act.AmendmentRequest(
        idempotency_key=f"case-{req.case_number}/amend-v2/P1",
        case_number=req.case_number,
        claim=claim,
        new_notice_number=f"N-{req.case_number}-2",
        revoked_notice_number=req.notice_number,
    )
    sandbox_clean.fail_next("amend" if code == "PINGAN" else claim.claim_number, Fault("error", 502))
    with pytest.raises(InsurerUnavailable):
        await ActivityEnvironment().run(activities.notify_insurer_amendment, amend)
    await ActivityEnvironment().run(activities.notify_insurer_amendment, amend)
    await ActivityEnvironment().run(activities.notify_insurer_amendment, amend)  # a retry: recorded once
    books = SandboxInsurer(code, sessions)
    [amendment] = await books.amendments(claim.claim_number)
    assert (amendment.new_notice_number, amendment.revoked_notice_number) == (
        amend.new_notice_number,
        req.notice_number,
    )
    [row] = await insurer_claims(sessions, req.idempotency_key)
    assert (row.status, row.notice_number) == ("amended", amend.new_notice_number)


async def test_amendment_of_unknown_claim_is_final(sandbox_clean: SandboxServer) -> None:
    for code in CODES:
        with pytest.raises(ClaimRejected):
            await adapter(code, sandbox_clean).report_amendment(
                AmendmentReport(
                    idempotency_key="k-unknown",
                    claim_number=f"{code}2026112599999",
                    case_number="LZ20261125-000000",
                    new_notice_number="N2",
                    revoked_notice_number="N1",
                )
            )


async def test_pingan_signature_is_checked(
    sandbox_clean: SandboxServer, sessions: async_sessionmaker[AsyncSession]
) -> None:
    import httpx

    req = claim_request(await new_case(sessions), "ok_pingan_new_energy")
    client = adapter("PINGAN", sandbox_clean)
    assert isinstance(client, PingAnClient)
    body = b'{"requestId":"x","bizContent":{}}'
    headers = {
        **client._auth(body),
        "Idempotency-Key": req.idempotency_key,
        "Content-Type": "application/json",
    }
    async with httpx.AsyncClient() as http:
        tampered = await http.post(
            f"{sandbox_clean.url}/sandbox/insurers/PINGAN/open/claim/report",
            content=body + b" ",
            headers=headers,
        )
    assert tampered.status_code == 401


async def test_in_process_sandbox_insurer(sessions: async_sessionmaker[AsyncSession]) -> None:
    """Workflow tests use SandboxInsurer directly: same books, same numbers."""
    req = claim_request(await new_case(sessions), "ok_picc")
    activities = ClaimActivities(sessions, {"PICC": SandboxInsurer("PICC", sessions)})
    first = await ActivityEnvironment().run(activities.file_claim, req)
    assert first.filed and first.claim_number.startswith("PICC")
    [row] = await insurer_claims(sessions, req.idempotency_key)
    assert row.claim_number == first.claim_number


async def test_unconnected_insurer_gets_guidance(
    sessions: async_sessionmaker[AsyncSession], adapter_settings: Settings
) -> None:
    req = claim_request(await new_case(sessions), "ok_other_insurer_cicp")
    activities = ClaimActivities(sessions, {"PICC": SandboxInsurer("PICC", sessions)})
    result = await ActivityEnvironment().run(activities.file_claim, req)
    assert not result.filed and "请" in result.guidance
