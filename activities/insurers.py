"""The workflow's claim activities: one report per party, idempotent end to end (our claim row is
keyed by the idempotency key, and the key travels to the insurer, which deduplicates on it)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.exceptions import ApplicationError

from activities.declared import implements
from adapters.insurers import AmendmentReport, ClaimRejected, ClaimReport, InsurerClient, guidance_for
from db import repository
from db.session import write_session
from domain import activity_contracts as act
from domain.messages import ClaimResult
from observability.metrics import record_claim


class ClaimActivities:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], insurers: dict[str, InsurerClient]
    ) -> None:
        self._sessions = sessions
        self._insurers = insurers

    @implements(act.file_claim)
    async def file_claim(self, req: act.ClaimRequest) -> ClaimResult:
        try:
            result = await self._file_claim(req)
        except ApplicationError as err:  # NO_POLICY, CLAIM_REJECTED: final
            record_claim(_insurer_of(req), (err.type or "refused").lower())
            raise
        except Exception:
            record_claim(_insurer_of(req), "error")  # retried by the activity's policy
            raise
        record_claim(result.insurer_code, "filed" if result.filed else "guidance")
        return result

    async def _file_claim(self, req: act.ClaimRequest) -> ClaimResult:
        party = req.party
        policy = party.vehicle.insurance if party.vehicle else None
        if policy is None or not policy.insurer_code:
            raise ApplicationError("party has no verified policy", type="NO_POLICY", non_retryable=True)
        client = self._insurers.get(policy.insurer_code)
        base = ClaimResult(
            party_id=party.party_id,
            insurer_code=policy.insurer_code,
            insurer_name=policy.insurer_name,
            filed=False,
        )
        if client is None:
            return base.model_copy(
                update={"guidance": guidance_for(policy.insurer_name, policy.insurer_code)}
            )
        async with write_session(self._sessions) as session:
            row, _ = await repository.record_claim(
                session,
                idempotency_key=req.idempotency_key,
                case_number=req.case_number,
                party_id=party.party_id,
                insurer_code=policy.insurer_code,
                notice_number=req.notice_number,
            )
        if row.claim_number:
            return base.model_copy(update={"filed": True, "claim_number": row.claim_number})
        report = ClaimReport(
            idempotency_key=req.idempotency_key,
            case_number=req.case_number,
            notice_number=req.notice_number,
            accident_time=req.accident_time,
            plate=party.vehicle.plate if party.vehicle else "",
            policy_number=policy.policy_number,
            insured_name=party.name,
            insured_phone=party.phone,
            liability=req.liability.value if req.liability else "",
            evidence=[{"id": e.evidence_id, "kind": e.kind.value, "sha256": e.sha256} for e in req.evidence],
        )
        try:
            number = await client.report_claim(report)
        except ClaimRejected as err:
            async with write_session(self._sessions) as session:
                await repository.update_claim(
                    session, req.idempotency_key, status="rejected", last_error=str(err)
                )
            raise ApplicationError(str(err), type="CLAIM_REJECTED", non_retryable=True) from err
        async with write_session(self._sessions) as session:
            await repository.update_claim(session, req.idempotency_key, status="filed", claim_number=number)
        return base.model_copy(update={"filed": True, "claim_number": number})

    @implements(act.notify_insurer_amendment)
    async def notify_insurer_amendment(self, req: act.AmendmentRequest) -> None:
        client = self._insurers.get(req.claim.insurer_code)
        if client is None or not req.claim.claim_number:
            return
        try:
            await client.report_amendment(
                AmendmentReport(
                    idempotency_key=req.idempotency_key,
                    claim_number=req.claim.claim_number,
                    case_number=req.case_number,
                    new_notice_number=req.new_notice_number,
                    revoked_notice_number=req.revoked_notice_number,
                )
            )
        except ClaimRejected as err:
            raise ApplicationError(str(err), type="AMENDMENT_REJECTED", non_retryable=True) from err


def _insurer_of(req: act.ClaimRequest) -> str:
    vehicle = req.party.vehicle
    policy = vehicle.insurance if vehicle else None
    return policy.insurer_code if policy and policy.insurer_code else "none"
