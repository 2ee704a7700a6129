"""Every timer of the case, on the time-skipping server: each fires as a named outcome."""

from __future__ import annotations

from datetime import date, timedelta

from db import repository
from domain.messages import (
    Actor,
    ConcludeReview,
    HandOffReason,
    Outcome,
    ReviewOutcome,
    ReviewRequest,
    Role,
    VideoEvent,
    VideoEventKind,
)
from domain.models import CaseStatus
from tests.workflows.harness import SIGNED, citizen, eventually, running_worker
from workflows.case_workflow import AccidentCaseWorkflow

REVIEWER = Actor(role=Role.REVIEWER, id="reviewer-1")


async def test_no_seat_answers_in_time_hands_the_case_to_a_patrol(ts_env, wf_settings, wf_sessions):
    async with running_worker(ts_env, wf_settings, wf_sessions) as h:
        case = await h.start()
        view = await case.result()
        await case.keep_history("seat_no_answer")
    assert view.outcome == Outcome.HANDED_TO_PATROL
    assert view.outcome_reason.startswith(HandOffReason.SEAT_NO_ANSWER.value)
    actions = await case.timeline()
    assert "timer_seat_answer_fired" in actions
    assert [s.template for s in await case.sms()].count("handed_to_patrol") == 2


async def test_video_lost_without_resume_hands_off(ts_env, wf_settings, wf_sessions):
    async with running_worker(ts_env, wf_settings, wf_sessions) as h:
        case = await h.start()
        await case.accept()
        await case.video(VideoEventKind.PARTICIPANT_CONNECTED, "P1")
        await case.video(VideoEventKind.PARTICIPANT_DISCONNECTED, "P1")
        view = await case.result()
    assert view.outcome == Outcome.HANDED_TO_PATROL
    assert view.outcome_reason.startswith(HandOffReason.VIDEO_LOST.value)
    assert "timer_video_resume_fired" in await case.timeline()


async def test_video_resumed_in_time_keeps_the_case_online(ts_env, wf_settings, wf_sessions):
    async with running_worker(ts_env, wf_settings, wf_sessions) as h:
        case = await h.start()
        await case.accept()
        await case.join("P1")
        await case.video(VideoEventKind.PARTICIPANT_CONNECTED, "P1")
        await case.video(VideoEventKind.ROOM_ENDED, "P1")

        async def stored_deadlines() -> set[str]:  # the read model's, which the consoles read
            async with h.sessions() as session:
                snapshot = await repository.get_case(session, case.number)
            assert snapshot is not None
            return {d.kind for d in snapshot.deadlines}

        async def resume_deadline_stored() -> bool:
            return "video_resume" in await stored_deadlines()

        await eventually(resume_deadline_stored)
        await ts_env.sleep(timedelta(minutes=10))
        access = await case.join("P1")  # 继续处理: a new room because the old one ended
        assert access.room_name.endswith("-2")
        await case.video(VideoEventKind.PARTICIPANT_CONNECTED, "P1")
        await ts_env.sleep(timedelta(minutes=10))
        assert (await case.view()).status == CaseStatus.IN_VIDEO
        assert "video_resume" not in await stored_deadlines()
        actions = await case.timeline()  # nobody on after the accept, P1 on, the room ended, P1 on
        assert [a for a in actions if a.startswith("video_") and a != "video_token_issued"] == [
            "video_waiting",
            "video_joined",
            "video_waiting",
            "video_joined",
        ]
        await case.collect_evidence()
        view = await case.complete()
        await case.keep_history("video_resumed")
    assert view.status == CaseStatus.AWAITING_DECISION


async def test_decision_waiting_too_long_is_escalated_and_still_decidable(ts_env, wf_settings, wf_sessions):
    async with running_worker(ts_env, wf_settings, wf_sessions) as h:
        case = await h.start()
        await case.to_decision()
        await ts_env.sleep(timedelta(minutes=31))
        assert "decision_overdue" in await case.timeline()
        view = await case.decide()
    assert view.status == CaseStatus.NOTICE_SENT
    assert len(view.notices) == 1


async def test_unopened_notice_gets_a_reminder_then_a_service_record(ts_env, wf_settings, wf_sessions):
    async with running_worker(ts_env, wf_settings, wf_sessions) as h:
        case = await h.start()
        await case.to_served("P1")
        await ts_env.sleep(timedelta(hours=25))
        reminders = [s for s in await case.sms() if s.template == "notice_reminder"]
        assert [s.party_id for s in reminders] == ["P2"]
        await ts_env.sleep(timedelta(hours=24))
        assert "service_by_other_means_required" in await case.timeline()
        view = await case.view()
    assert view.status == CaseStatus.NOTICE_SENT
    assert [p.served_at is not None for p in view.parties] == [True, False]


async def test_review_window_passes_then_claim_grace_closes_the_case(ts_env, wf_settings, wf_sessions):
    async with running_worker(ts_env, wf_settings, wf_sessions) as h:
        case = await h.start()
        view = await case.to_served("P1", "P2")
        deadlines = [p.review_deadline for p in view.parties]
        assert all(d is not None for d in deadlines)
        result = await case.result()
        await case.keep_history("closed_after_review_window")
    assert result.outcome == Outcome.CLOSED
    actions = await case.timeline()
    assert actions.index("timer_review_window_fired") < actions.index("timer_claim_grace_fired")
    assert actions[-1] == "case_closed"


async def test_review_conclusion_overdue_and_redetermination_overdue_are_recorded(
    ts_env, wf_settings, wf_sessions
):
    async with running_worker(ts_env, wf_settings, wf_sessions) as h:
        case = await h.start()
        await case.to_served("P1", "P2")
        await case.handle.execute_update(
            AccidentCaseWorkflow.request_review,
            ReviewRequest(actor=citizen("P2"), reason_code="LIABILITY", text="不服"),
        )
        await case.sleep_past("review_conclusion")  # 30 calendar days
        assert "review_conclusion_overdue" in await case.timeline()
        # the redetermination deadline falls in 2027, which chinese_calendar lacks: an
        # administrator loads the year first (here: New Year's Day off, weekends otherwise)
        async with wf_sessions.begin() as session:
            await repository.put_calendar_year(session, 2027, loaded_by="admin-test")
            await repository.put_calendar_override(session, date(2027, 1, 1), False, loaded_by="admin-test")
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
        await case.sleep_past("redetermination")  # 10 working days
        assert "redetermination_overdue" in await case.timeline()
        view = await case.view()
        await case.keep_history("review_and_redetermination_overdue")
    assert view.status == CaseStatus.AWAITING_REDETERMINATION


async def test_nobody_on_the_video_when_the_seat_answers_starts_the_resume_clock(
    ts_env, wf_settings, wf_sessions
):
    async with running_worker(ts_env, wf_settings, wf_sessions) as h:
        case = await h.start()
        await case.accept()  # no participant ever connected
        view = await case.result()
    assert view.outcome_reason.startswith(HandOffReason.VIDEO_LOST.value)


async def test_the_review_window_lasts_until_the_last_served_party_s_deadline(
    ts_env, wf_settings, wf_sessions
):
    async with running_worker(ts_env, wf_settings, wf_sessions) as h:
        case = await h.start()
        await case.to_served("P1")
        await ts_env.sleep(timedelta(days=2))
        view = await case.confirm("P2")
        p1, p2 = (p.review_deadline for p in view.parties)
        assert p1 is not None and p2 is not None and p2 > p1

        async def window_is_p2s() -> bool:
            deadlines = {d.kind: d.at for d in (await case.view()).deadlines}
            return deadlines.get("review_window") == p2

        await eventually(window_is_p2s)
        await ts_env.sleep(p1 - await ts_env.get_current_time() + timedelta(minutes=1))
        view = await case.handle.execute_update(  # P1's window is over, P2's is not
            AccidentCaseWorkflow.request_review, ReviewRequest(actor=citizen("P2"), reason_code="LIABILITY")
        )
        assert view.status == CaseStatus.UNDER_REVIEW


async def test_a_late_or_replayed_video_event_does_not_undo_a_newer_one(ts_env, wf_settings, wf_sessions):
    async with running_worker(ts_env, wf_settings, wf_sessions) as h:
        case = await h.start()
        await case.accept()
        identity = f"{case.number}-P1"
        t0 = await ts_env.get_current_time()
        connected = VideoEvent(kind=VideoEventKind.PARTICIPANT_CONNECTED, identity=identity, at=t0)
        stale = VideoEvent(
            kind=VideoEventKind.PARTICIPANT_DISCONNECTED, identity=identity, at=t0 - timedelta(seconds=5)
        )
        await case.handle.signal(AccidentCaseWorkflow.video_event, connected)
        await case.handle.signal(AccidentCaseWorkflow.video_event, stale)
        await ts_env.sleep(timedelta(minutes=20))  # past the resume deadline, had the stale event counted
        assert (await case.view()).status == CaseStatus.IN_VIDEO


async def test_an_eligibility_check_that_keeps_failing_refuses_the_case_with_advice(
    ts_env, wf_settings, wf_sessions, tmp_path
):
    """No case waits for ever on an error: the check fails (here: the service hours cannot be read),
    and after its two-minute bound the reporter is told to call 110 instead of waiting."""
    broken = wf_settings.model_copy(update={"service_windows": "08:30-"})  # unreadable at each check
    async with running_worker(ts_env, broken, wf_sessions) as h:
        case = await h.start()
        result = await case.result()
        assert result.status == CaseStatus.REFUSED
        assert [r.code for r in result.refusals] == ["ELIGIBILITY_UNAVAILABLE"]
        assert "110" in result.refusals[0].advice
        timeline = await case.timeline()
        assert "eligibility_failed" in timeline and "case_refused" in timeline
        assert [s.template for s in await case.sms()] == ["refused"]
