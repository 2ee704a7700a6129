"""The one-tap claim (一键报保险): one report per party to its 交强险 insurer, idempotent end to
end; an insurer that is not connected answers with guidance instead."""

from __future__ import annotations

from temporalio import workflow

from domain import activity_contracts as act
from domain.messages import Actor, ClaimResult, FileClaim
from workflows import guards
from workflows.activity_calls import call
from workflows.case_updates import CaseUpdates, allow
from workflows.effects import CaseEffects
from workflows.parties import PartyState


class ClaimUpdates(CaseUpdates):
    @workflow.update
    async def file_claim(self, cmd: FileClaim) -> ClaimResult:
        result = await file_claim(self.fx, self.case.parties[cmd.actor.id], cmd.actor)
        await self.fx.written()
        return result

    @file_claim.validator
    def _validate_file_claim(self, cmd: FileClaim) -> None:
        allow(guards.file_claim(self.case, cmd))


async def file_claim(fx: CaseEffects, ps: PartyState, actor: Actor) -> ClaimResult:
    s = fx.state
    notice = s.determination.current_notice()
    assert notice is not None
    request = act.ClaimRequest(
        idempotency_key=f"{fx.workflow_id}/claim/{ps.party_id}",
        case_number=s.case_number,
        party=ps.with_policy(),
        liability=ps.liability,
        notice_number=notice.notice_number,
        accident_time=s.accident_time,  # when it happened, not when it was reported
        evidence=s.collection.evidence,
    )
    ps.claim.in_flight = True  # a second tap meanwhile is refused, not sent again
    try:
        result = await call(act.file_claim, request)
    finally:
        ps.claim.in_flight = False
    ps.claim.result = result
    await fx.record(
        "claim_filed" if result.filed else "claim_guidance_given",
        actor,
        {"insurer": result.insurer_code, "claim_number": result.claim_number},
    )
    if result.filed:
        await fx.sms(
            ps,
            act.SmsTemplate.CLAIM_FILED,
            "claim",
            {"insurer_name": result.insurer_name, "claim_number": result.claim_number},
        )
    return result
