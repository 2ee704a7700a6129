"""Service (送达) of the current notice and the review window it opens: a party is served when
it confirms receipt (electronic service) or an officer records another way; unserved parties
get a reminder, then a record that service must be done another way."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from temporalio import workflow

from domain import activity_contracts as act
from domain.messages import Actor
from domain.models import CaseStatus
from workflows import patches
from workflows.activity_calls import mark_stuck
from workflows.effects import CALENDAR_RECHECK, SYSTEM, CaseEffects
from workflows.parties import PartyState


async def serve(fx: CaseEffects, ps: PartyState, served_at: datetime, method: str, actor: Actor) -> None:
    """A party is served once: its review deadline is known before it counts as served, so
    the main line never sees a served party without a window."""
    service = ps.service
    if service.done or service.in_progress:
        await workflow.wait_condition(lambda: service.done)
        return
    service.in_progress = True
    deadline_first = patches.patched("deadline-before-served")
    if not deadline_first:  # cases started before the fix keep their recorded order
        service.served_at, service.method = served_at, method
    deadline = None
    if fx.state.determination.first_notice_issued:  # one review per accident
        deadline = await fx.deadline_or_pending(served_at, fx.timers.review_working_days)
        service.deadline_pending = deadline is None  # its year has no holiday data: settled later
    service.served_at, service.review_deadline, service.method = served_at, deadline, method
    service.in_progress = False
    await fx.record("notice_served", actor, {"party": ps.party_id, "method": method})


async def serve_and_wait_window(fx: CaseEffects, review_open: bool = True) -> None:
    """Until every party is served and, for the first notice, every review window has passed
    or a review is requested. A notice issued after a review opens no window."""
    s = fx.state

    def review_requested() -> bool:
        return review_open and s.review.requested

    def served_or_review() -> bool:
        return s.parties.all_served() or review_requested()

    await _until_served(fx, served_or_review)
    if review_requested():
        await _drop_pending_deadlines(fx)
        return
    await fx.set_status(CaseStatus.SERVED, "notice_served", SYSTEM)
    if s.parties.deadlines_pending() and not await _settle_deadlines(fx, review_requested):
        return
    window_end = s.parties.review_window_end()
    if review_open and window_end is not None:
        await fx.wait(review_requested, window_end - workflow.now(), "review_window")
    if review_open and not s.review.requested:
        s.review.window_closed = True


async def _settle_deadlines(fx: CaseEffects, review_requested: Callable[[], bool]) -> bool:
    """The review deadlines a receipt could not compute (no holiday data for their year), asked
    again every CALENDAR_RECHECK until an administrator loads the year; False when a review was
    requested meanwhile (the window no longer matters)."""
    for ps in fx.state.parties.deadlines_pending():
        service = ps.service
        assert service.served_at is not None
        while service.deadline_pending:
            deadline = await fx.deadline_once(service.served_at, fx.timers.review_working_days)
            if deadline is not None:
                service.review_deadline, service.deadline_pending = deadline, False
                await fx.calendar_year_loaded()
                break
            try:
                await workflow.wait_condition(
                    review_requested, timeout=CALENDAR_RECHECK, timeout_summary="calendar_year_missing"
                )
            except TimeoutError:
                continue
            await _drop_pending_deadlines(fx)
            return False
    return True


async def _drop_pending_deadlines(fx: CaseEffects) -> None:
    """A review was requested while deadlines waited on the calendar: nothing waits on it now."""
    pending = fx.state.parties.deadlines_pending()
    for ps in pending:
        ps.service.deadline_pending = False
        mark_stuck(act.working_days_deadline.name, False)
    if pending:
        await fx.record("calendar_wait_ended", SYSTEM, {"parties": [ps.party_id for ps in pending]})


async def _until_served(fx: CaseEffects, served_or_review: Callable[[], bool]) -> None:
    s = fx.state
    if await fx.wait(served_or_review, fx.timers.notice_reminder, "notice_reminder"):
        return
    for ps in s.parties.unserved():
        await fx.sms(ps, act.SmsTemplate.NOTICE_REMINDER, f"reminder-v{s.determination.issued_version}")
    await fx.record("notice_reminder_sent", SYSTEM, {"parties": s.parties.unserved_ids()})
    if await fx.wait(served_or_review, fx.timers.service_fallback, "service_fallback"):
        return
    await fx.record("service_by_other_means_required", SYSTEM, {"parties": s.parties.unserved_ids()})
    await workflow.wait_condition(served_or_review)
