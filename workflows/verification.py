"""Verification (核验): licence, vehicle and 交强险 of every motor party, from the registry. A
failed check, or a registry that cannot answer, ends online handling with the reasons."""

from __future__ import annotations

import asyncio

from temporalio.exceptions import ActivityError

from domain import activity_contracts as act
from domain import refusals as R
from domain.calendar import DEFAULT_TZ, local_date
from domain.models import CaseStatus
from workflows.activity_calls import call
from workflows.effects import SYSTEM, CaseEffects, cause_of


async def verify(fx: CaseEffects) -> bool:
    """True when every motor party passed every check."""
    s = fx.state
    await fx.set_status(CaseStatus.VERIFYING, "collection_completed", SYSTEM)
    accident_date = local_date(fx.inp.alert.reported_at, DEFAULT_TZ)
    motor = s.parties.motor()
    try:
        results = await asyncio.gather(
            *(
                call(
                    act.verify_party,
                    act.VerifyRequest(case_number=s.case_number, party=ps.party, accident_date=accident_date),
                )
                for ps in motor
            )
        )
    except ActivityError as err:  # the registry refused the request itself (not a check result)
        s.refusals.append(R.REGISTRY_ERROR.refusal(f"核验系统无法完成核验：{cause_of(err)}"))
        await fx.record("verification_error", SYSTEM, {"error": cause_of(err)})
        return False
    for ps, result in zip(motor, results, strict=True):
        ps.verification = result
        s.refusals.extend(result.refusals)
    await fx.record("verification_done", SYSTEM, {"failed": [r.code for r in s.refusals]})
    return not s.refusals
