"""Update validators on the dev server: a refused update says why and leaves the case unchanged
(same view, no new timeline entry). Also every ending of a case."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from db import repository
from db.seed_registry import resident_id
from domain.messages import (
    AcceptCall,
    Actor,
    Cancel,
    ConcludeReview,
    Decide,
    FileClaim,
    HandOff,
    HandOffReason,
    Outcome,
    RecordParties,
    ReviewOutcome,
    ReviewRequest,
    Role,
)
from domain.models import AccidentCategory, CaseStatus, InjuryLevel, Liability, Party, PartyKind
from tests import case_factory
from tests.workflows.harness import OFFICER, SEAT, SIGNED, Case, citizen, eventually, running_worker
from workflows.case_workflow import AccidentCaseWorkflow

REVIEWER = Actor(role=Role.REVIEWER, id="reviewer-1")


async def refused(case: Case, update, payload) -> str:
    """Run an update that must be refused; assert nothing changed; return the refusal code."""
    before = await case.settled()
    with pytest.raises(WorkflowUpdateFailedError) as info:
        await case.handle.execute_update(update, payload)
    cause = info.value.cause
    assert isinstance(cause, ApplicationError)
    assert cause.message  # a reason a person can read
    assert (await case.view(), await case.timeline()) == before
    return cause.type or ""


async def test_only_one_seat_can_accept_and_only_a_seat(dev_env, wf_settings, wf_sessions):
    async with running_worker(dev_env, wf_settings, wf_sessions) as h:
        case = await h.start()
        assert (
            await refused(case, AccidentCaseWorkflow.accept_call, AcceptCall(actor=citizen("P1")))
            == "FORBIDDEN_ROLE"
        )
        await case.accept()
        other = Actor(role=Role.SEAT, id="seat-2")
        assert (
            await refused(case, AccidentCaseWorkflow.accept_call, AcceptCall(actor=other))
            == "CALL_ALREADY_TAKEN"
        )
        view = await case.view()
        assert view.seat_id == "seat-1" and view.status == CaseStatus.IN_VIDEO
        await case.handle.execute_update(
            AccidentCaseWorkflow.hand_off, HandOff(actor=SEAT, reason="测试结束")
        )


async def test_collection_refusals(dev_env, wf_settings, wf_sessions):
    async with running_worker(dev_env, wf_settings, wf_sessions) as h:
        case = await h.start()
        await case.accept()
        from domain.messages import CompleteCollection

        # shot list and safety checklist missing
        assert await refused(
            case, AccidentCaseWorkflow.complete_collection, CompleteCollection(actor=SEAT)
        ) == ("SAFETY_CHECKLIST_INCOMPLETE")
        other_seat = Actor(role=Role.SEAT, id="seat-9")
        assert await refused(
            case, AccidentCaseWorkflow.complete_collection, CompleteCollection(actor=other_seat)
        ) == ("NOT_THE_SEAT")
        view = await case.view()
        bad = case_factory.motor_party("P1", "ok_picc").model_copy(update={"phone": "12345"})
        parties = [bad, case_factory.motor_party("P2", "ok_cpic")]
        assert view.status == CaseStatus.IN_VIDEO
        code = await refused(
            case, AccidentCaseWorkflow.record_parties, RecordParties(actor=SEAT, parties=parties)
        )
        assert code  # the validator's own code for the bad phone
        four = [case_factory.motor_party(f"P{i}", "ok_picc") for i in range(1, 5)]
        assert await refused(
            case, AccidentCaseWorkflow.record_parties, RecordParties(actor=SEAT, parties=four)
        ) == ("TOO_MANY_VEHICLES")
        await case.handle.execute_update(
            AccidentCaseWorkflow.hand_off, HandOff(actor=SEAT, reason="测试结束")
        )


async def test_decision_refusals_then_review_rules(dev_env, wf_settings, wf_sessions):
    async with running_worker(dev_env, wf_settings, wf_sessions) as h:
        case = await h.start()
        await case.to_decision()
        ids = ["P1", "P2"]
        invalid = case_factory.decision(ids, shares=[Liability.FULL, Liability.MINOR])
        assert await refused(case, AccidentCaseWorkflow.decide, Decide(actor=OFFICER, decision=invalid))
        partial = case_factory.decision(["P1"], shares=[Liability.FULL])
        assert await refused(case, AccidentCaseWorkflow.decide, Decide(actor=OFFICER, decision=partial))
        as_seat = Actor(role=Role.SEAT, id="seat-1")
        assert await refused(
            case, AccidentCaseWorkflow.decide, Decide(actor=as_seat, decision=case_factory.decision(ids))
        ) == ("FORBIDDEN_ROLE")
        await case.decide(case_factory.decision(ids, shares=[Liability.MAJOR, Liability.MINOR]))

        review = ReviewRequest(actor=citizen("P2"), reason_code="LIABILITY", text="不服")
        assert await refused(case, AccidentCaseWorkflow.request_review, review) == "NOT_SERVED"
        assert (
            await refused(case, AccidentCaseWorkflow.file_claim, FileClaim(actor=citizen("P1")))
            == "NOT_SERVED"
        )
        outsider = ReviewRequest(actor=citizen("P9"), reason_code="LIABILITY")
        assert await refused(case, AccidentCaseWorkflow.request_review, outsider) == "NOT_A_PARTY"
        await case.confirm("P2")
        await case.handle.execute_update(AccidentCaseWorkflow.request_review, review)
        again = ReviewRequest(actor=citizen("P1"), reason_code="LIABILITY")
        assert await refused(case, AccidentCaseWorkflow.request_review, again) == "REVIEW_ALREADY_REQUESTED"
        alone = ConcludeReview(
            actor=REVIEWER, **SIGNED, outcome=ReviewOutcome.UPHOLD, reviewers=[], reason="维持"
        )
        assert await refused(case, AccidentCaseWorkflow.conclude_review, alone) == "TOO_FEW_REVIEWERS"
        with_officer = alone.model_copy(update={"reviewers": [OFFICER.id]})
        assert (
            await refused(case, AccidentCaseWorkflow.conclude_review, with_officer)
            == "REVIEWER_NOT_INDEPENDENT"
        )
        with_reviewer_2 = alone.model_copy(update={"reviewers": ["reviewer-2"]})
        assert (
            await refused(case, AccidentCaseWorkflow.conclude_review, with_reviewer_2)
            == "CO_REVIEWER_NOT_CONCURRED"
        )
        await case.concur("reviewer-2", ReviewOutcome.REDETERMINE)  # agreeing with another outcome
        assert (
            await refused(case, AccidentCaseWorkflow.conclude_review, with_reviewer_2)
            == "CO_REVIEWER_NOT_CONCURRED"
        )
        await case.concur("reviewer-2", ReviewOutcome.UPHOLD)
        await case.handle.execute_update(AccidentCaseWorkflow.conclude_review, with_reviewer_2)
        await case.handle.terminate("test over")


async def test_a_review_upheld_before_every_party_was_served_still_serves_the_rest(
    dev_env, wf_settings, wf_sessions
):
    async with running_worker(dev_env, wf_settings, wf_sessions) as h:
        case = await h.start()
        await case.to_served("P2")  # P1 has not opened the notice yet
        await case.handle.execute_update(
            AccidentCaseWorkflow.request_review, ReviewRequest(actor=citizen("P2"), reason_code="LIABILITY")
        )
        await case.concur("reviewer-2", ReviewOutcome.UPHOLD)
        view = await case.handle.execute_update(
            AccidentCaseWorkflow.conclude_review,
            ConcludeReview(
                actor=REVIEWER,
                **SIGNED,
                outcome=ReviewOutcome.UPHOLD,
                reviewers=["reviewer-2"],
                reason="维持",
            ),
        )
        assert view.status == CaseStatus.SERVED and view.review_outcome == ReviewOutcome.UPHOLD

        async def waits_for_service() -> bool:  # not yet the claim grace: P1 is still to be served
            return [d.kind for d in (await case.view()).deadlines] == ["notice_reminder"]

        await eventually(waits_for_service)
        view = await case.confirm("P1")
        assert all(p.served_at is not None for p in view.parties)

        async def claim_grace_runs() -> bool:
            return [d.kind for d in (await case.view()).deadlines] == ["claim_grace"]

        await eventually(claim_grace_runs)
        await case.keep_history("review_upheld_before_all_served")
        await case.handle.terminate("test over")


async def test_whole_case_with_review_redetermination_and_claims(dev_env, wf_settings, wf_sessions):
    """Alert → decision → service → review → new determination revoking the old → claims."""
    async with running_worker(dev_env, wf_settings, wf_sessions) as h:
        alert = case_factory.alert(h.settings, ("ok_picc", "ok_other_insurer_cicp"))
        case = await h.start(alert)
        await case.to_served("P1", "P2")
        claim = await case.handle.execute_update(
            AccidentCaseWorkflow.file_claim, FileClaim(actor=citizen("P1"))
        )
        assert claim.filed and claim.claim_number and claim.insurer_code == "PICC"
        guidance = await case.handle.execute_update(
            AccidentCaseWorkflow.file_claim, FileClaim(actor=citizen("P2"))
        )
        assert not guidance.filed and "中华联合" in guidance.guidance
        assert await refused(case, AccidentCaseWorkflow.file_claim, FileClaim(actor=citizen("P1"))) == (
            "CLAIM_ALREADY_FILED"
        )
        await case.handle.execute_update(
            AccidentCaseWorkflow.request_review, ReviewRequest(actor=citizen("P2"), reason_code="LIABILITY")
        )
        await case.concur("reviewer-2", ReviewOutcome.REDETERMINE)
        await case.handle.execute_update(
            AccidentCaseWorkflow.conclude_review,
            ConcludeReview(
                actor=REVIEWER,
                **SIGNED,
                outcome=ReviewOutcome.REDETERMINE,
                reviewers=["reviewer-2"],
                reason="事实不清",
            ),
        )
        new = case_factory.decision(
            ["P1", "P2"], officer_id="officer-8", shares=[Liability.EQUAL, Liability.EQUAL]
        )
        view = await case.decide(new, officer=Actor(role=Role.OFFICER, id="officer-8"))
        kinds = [n.kind for n in view.notices]
        assert kinds == ["determination", "review_conclusion", "determination", "revocation"]
        assert view.notices[3].revokes_notice_number == view.notices[0].notice_number
        assert [p.liability for p in view.parties] == [Liability.EQUAL, Liability.EQUAL]
        assert all(p.served_at is None for p in view.parties)  # the new notice is served anew

        async def revocation_texted() -> bool:
            return [s.template for s in await case.sms()].count("notice_revoked") == 2

        await eventually(revocation_texted)
        await case.keep_history("redetermination_and_claims")
        await case.confirm("P1")
        view = await case.confirm("P2")
        assert all(p.served_at for p in view.parties)
        assert all(p.review_deadline is None for p in view.parties)  # no second review window
        result = await case.result()  # claims already filed or answered: the case closes
        assert result.outcome == Outcome.CLOSED


async def test_endings_cancel_seat_handoff_officer_handoff_verification_refused(
    dev_env, wf_settings, wf_sessions
):
    async with running_worker(dev_env, wf_settings, wf_sessions) as h:
        cancelled = await h.start()
        answer = await cancelled.handle.execute_update(
            AccidentCaseWorkflow.cancel, Cancel(actor=citizen("P1"), reason="已私了")
        )
        assert answer.status == CaseStatus.CANCELLED  # the answer already shows the ending
        assert (await cancelled.result()).outcome == Outcome.CANCELLED

        seat = await h.start()
        await seat.accept()
        await seat.handle.execute_update(
            AccidentCaseWorkflow.hand_off, HandOff(actor=SEAT, reason="有人受伤")
        )
        result = await seat.result()
        assert result.outcome == Outcome.HANDED_TO_PATROL
        assert result.outcome_reason.startswith(HandOffReason.SEAT_DECIDED.value)

        officer = await h.start()
        await officer.to_decision()
        assert (
            await refused(officer, AccidentCaseWorkflow.cancel, Cancel(actor=citizen("P1")))
            == "TOO_LATE_TO_CANCEL"
        )
        await officer.handle.execute_update(
            AccidentCaseWorkflow.hand_off, HandOff(actor=OFFICER, reason="需现场勘查")
        )
        assert (await officer.result()).outcome_reason.startswith(HandOffReason.OFFICER_DECIDED.value)

        unverified = await h.start(case_factory.alert(h.settings, ("ok_picc", "licence_suspended")))
        await unverified.to_decision()
        result = await unverified.result()
        assert result.outcome == Outcome.HANDED_TO_PATROL
        assert result.outcome_reason.startswith(HandOffReason.VERIFICATION_FAILED.value)
        assert [r.code for r in result.refusals] == ["LICENCE_SUSPENDED"]
        await unverified.keep_history("verification_failed")

        night = case_factory.alert(h.settings)
        night = night.model_copy(update={"reported_at": night.reported_at.replace(hour=14)})  # 22:00 local
        refused_case = await h.start(night)
        result = await refused_case.result()
        assert result.outcome == Outcome.REFUSED and result.status == CaseStatus.REFUSED
        assert "OUTSIDE_SERVICE_HOURS" in [r.code for r in result.refusals]
        assert [s.template for s in await refused_case.sms()] == ["refused"]
        await refused_case.keep_history("refused_outside_hours")


async def test_three_vehicles_each_party_is_texted_and_the_evidence_kept_for_good(
    dev_env, wf_settings, wf_sessions
):
    async with running_worker(dev_env, wf_settings, wf_sessions) as h:
        case = await h.start(case_factory.alert(h.settings, ("ok_picc", "ok_cpic", "ok_pingan_new_energy")))
        await case.accept()
        async with wf_sessions.begin() as session:  # an upload as the API stores it
            await repository.add_evidence(
                session,
                evidence_id=f"{case.number}-rec",
                case_number=case.number,
                kind="recording",
                storage_path="https://video.example/rec",
                sha256="",
                captured_at=datetime.now(UTC),
            )
        await case.collect_evidence()
        await case.complete()
        shares = [Liability.MAJOR, Liability.MINOR, Liability.MINOR]
        view = await case.decide(case_factory.decision(["P1", "P2", "P3"], shares=shares))
        assert [p.liability for p in view.parties] == shares

        async def all_texted() -> bool:
            sent = [(s.template, s.party_id) for s in await case.sms()]
            return all(("decision_notice", p) in sent for p in ("P1", "P2", "P3"))

        await eventually(all_texted)
        async with wf_sessions() as session:
            rows = await repository.list_evidence(session, case.number)
        assert [(r.retention, r.retain_until) for r in rows] == [("permanent", None)]


async def test_a_non_motor_party_has_its_own_service_and_review_right_but_no_claim(
    dev_env, wf_settings, wf_sessions
):
    async with running_worker(dev_env, wf_settings, wf_sessions) as h:
        alert = case_factory.alert(h.settings, ("ok_picc",))
        rider = Party(
            party_id="P2",
            kind=PartyKind.NON_MOTOR,
            name="王骑手",
            phone="13900000002",
            id_number=resident_id("510502", date(1995, 5, 5), 7),
        )
        facts = alert.facts.model_copy(
            update={"category": AccidentCategory.MOTOR_VS_NON_MOTOR, "injuries": InjuryLevel.MINOR}
        )
        case = await h.start(alert.model_copy(update={"parties": [*alert.parties, rider], "facts": facts}))
        view = await case.to_served("P2")
        rider_view = next(p for p in view.parties if p.party_id == "P2")
        assert rider_view.served_at is not None and rider_view.review_deadline is not None
        assert await refused(case, AccidentCaseWorkflow.file_claim, FileClaim(actor=citizen("P2"))) == (
            "NO_INSURANCE_ON_RECORD"
        )
        view = await case.handle.execute_update(
            AccidentCaseWorkflow.request_review, ReviewRequest(actor=citizen("P2"), reason_code="LIABILITY")
        )
        assert view.status == CaseStatus.UNDER_REVIEW and view.review_requested_by == "P2"


async def test_a_decision_whose_notice_cannot_be_printed_is_refused_and_the_officer_decides_again(
    dev_env, wf_settings, wf_sessions
):
    """Refused where the text enters (domain.text, the notice fonts' coverage), before a notice is
    attempted; the renderer's own check (NOTICE_INVALID) stays behind it."""
    async with running_worker(dev_env, wf_settings, wf_sessions) as h:
        case = await h.start()
        await case.to_decision()
        # model_construct: past the API's own validation, as a payload from another client
        unprintable = case_factory.decision(["P1", "P2"]).model_construct(
            **(dict(case_factory.decision(["P1", "P2"])) | {"facts": "P1追尾P2😀"})
        )
        with pytest.raises(WorkflowUpdateFailedError) as info:
            await case.decide(unprintable)
        assert isinstance(info.value.cause, ApplicationError) and "UNPRINTABLE_TEXT" in str(info.value.cause)
        assert (await case.view()).status == CaseStatus.AWAITING_DECISION
        view = await case.decide()
    assert view.status == CaseStatus.NOTICE_SENT and len(view.notices) == 1
    assert "notice_failed" not in await case.timeline()
