"""Decide and notify: wait for the officer's decision, then issue its notice (认定书) — revoking
the previous one after a review ordered a new determination — and text every party. Also the
written review conclusion (复核结论), issued by the same activity on either outcome."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.exceptions import ActivityError

from domain import activity_contracts as act
from domain import refusals as R
from domain.messages import NoticeRef
from domain.models import CaseStatus, NoticeKind
from workflows import patches
from workflows.activity_calls import call
from workflows.effects import SYSTEM, CaseEffects, cause_of


async def decide_and_notify(fx: CaseEffects, escalation: timedelta, kind: str) -> bool:
    """Wait for a decision and issue its notice. A notice that cannot be issued (a character
    no font prints, say) refuses that decision with the reason; the officer decides again.
    False when the case ended (handed off) instead."""
    determination = fx.state.determination
    while await _await_decision(fx, escalation, kind):
        try:
            await _issue_determination(fx)
            return True
        except ActivityError as err:
            determination.refuse(R.NOTICE_INVALID.refusal(f"认定书无法出具：{cause_of(err)}"))
            await fx.record("notice_failed", SYSTEM, {"error": cause_of(err)})
    return False


async def _await_decision(fx: CaseEffects, escalation: timedelta, kind: str) -> bool:
    """Past the escalation time a record goes to the supervisors' list and the wait goes on."""
    s = fx.state

    def decided_or_ended() -> bool:
        return s.determination.pending or s.ended

    if not await fx.wait(decided_or_ended, escalation, kind):
        await fx.record(f"{kind}_overdue", SYSTEM, {"after_minutes": escalation / timedelta(minutes=1)})
        await workflow.wait_condition(decided_or_ended)
    return not s.ended


def _notice_request(fx: CaseEffects, version: int) -> act.IssueNoticeRequest:
    """The notice of the current decision; it states the registry's insurer and policy, and
    the district of the geofence."""
    s = fx.state
    assert s.determination.decision is not None
    alert = fx.inp.alert
    location = alert.location
    if not location.district:
        location = location.model_copy(update={"district": s.district})
    return act.IssueNoticeRequest(
        case_number=s.case_number,
        version=version,
        decision=s.determination.decision,
        parties=[ps.with_policy() for ps in s.parties],
        location=location,
        accident_time=s.accident_time,  # the report time stays in the record (reported_at)
        issued_at=workflow.now(),
        weather=s.collection.weather,
        road_surface=s.collection.road_surface,
    )


async def _issue(fx: CaseEffects, req: act.IssueNoticeRequest) -> NoticeRef:
    notice = await call(act.issue_notice, req)
    fx.state.determination.notices.append(notice)
    return notice


async def _issue_determination(fx: CaseEffects) -> None:
    """Render, sign and send the notice of the current decision; revoke the previous one."""
    s = fx.state
    d = s.determination
    assert d.decision is not None
    version = d.issued_version + 1
    previous = d.current_notice()
    request = _notice_request(fx, version)
    notice = await _issue(fx, request)
    if previous is not None:
        conclusion = s.review.conclusion
        await _issue(
            fx,
            request.model_copy(
                update={
                    "kind": NoticeKind.REVOCATION,
                    "revokes": previous,
                    "revoked_decision": d.noticed_decisions[-1],
                    "replacement": notice,
                    "revocation_reason": conclusion.reason if conclusion else "",
                }
            ),
        )
    d.noticed_decisions.append(d.decision)
    if previous is None and patches.patched("retain-evidence-on-decision"):
        # the decision rests on the evidence: keep it (recordings too) permanently
        try:
            await call(act.retain_evidence, s.case_number)
        except ActivityError as err:
            await fx.record("retention_mark_failed", SYSTEM, {"error": cause_of(err)})
    for ps in s.parties:
        ps.liability = d.decision.liabilities.get(ps.party_id)
        ps.service.renew()  # the new notice must be served again
    d.issued_version = version
    await fx.set_status(CaseStatus.NOTICE_SENT, "notice_issued", SYSTEM, {"notice": notice.notice_number})
    template = act.SmsTemplate.DECISION_NOTICE if previous is None else act.SmsTemplate.NOTICE_REVOKED
    await fx.sms_all(template, f"notice-v{version}", {"notice_number": notice.notice_number})


async def issue_review_conclusion(fx: CaseEffects) -> NoticeRef:
    """The written review conclusion on the notice under review, for every party (one document,
    served on each), signed and sealed like the notice. Raises ActivityError when it cannot be
    issued."""
    s = fx.state
    d, review, conclusion = s.determination, s.review, s.review.conclusion
    reviewed = d.current_notice()
    assert conclusion is not None and review.request is not None and review.requested_at is not None
    assert reviewed is not None and d.noticed_decisions
    request = _notice_request(fx, 1).model_copy(
        update={
            "decision": d.noticed_decisions[-1],
            "kind": NoticeKind.REVIEW_CONCLUSION,
            "review": act.ReviewConclusionRequest(
                reviewed=reviewed,
                reviewed_decision=d.noticed_decisions[-1],
                applicant_party_ids=[review.request.actor.id],
                request=review.request.stated(),
                applied_at=review.requested_at,
                outcome=conclusion.outcome,
                reasons=conclusion.reason,
                reviewers=[identity for _, identity in review.signatories()],
            ),
        }
    )
    return await _issue(fx, request)


async def notify_insurers_of_amendment(fx: CaseEffects) -> None:
    """After a new determination: every filed claim's insurer learns the new notice number."""
    d = fx.state.determination
    new, revocation = d.current_notice(), d.last_revocation()
    if new is None or revocation is None:
        return
    for ps in fx.state.parties:
        claim = ps.claim.result
        if claim is None or not claim.filed:
            continue
        request = act.AmendmentRequest(
            idempotency_key=f"{fx.workflow_id}/amend-v{d.issued_version}/{ps.party_id}",
            case_number=fx.state.case_number,
            claim=claim,
            new_notice_number=new.notice_number,
            revoked_notice_number=revocation.revokes_notice_number,
        )
        try:
            await call(act.notify_insurer_amendment, request)
        except ActivityError as err:  # refused by the insurer: the operators follow it up
            await fx.record(
                "insurer_amendment_failed", SYSTEM, {"party": ps.party_id, "error": cause_of(err)}
            )
