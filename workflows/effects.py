"""The side effects every step of the case uses: a timeline entry with the read-model snapshot,
an SMS, a wait with a named deadline, a change of status with the search attributes."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Literal

from temporalio import workflow
from temporalio.common import SearchAttributeUpdate
from temporalio.exceptions import ActivityError, ApplicationError

from domain import activity_contracts as act
from domain.messages import Actor, Role
from domain.models import CaseStatus
from workflows import patches
from workflows import search_attributes as sa
from workflows.activity_calls import CALENDAR_YEAR_MISSING, call, mark_stuck
from workflows.case_state import CaseState
from workflows.parties import PartyState

SYSTEM = Actor(role=Role.SYSTEM, id="workflow")  # the workflow itself: timers, automatic steps
CALENDAR_RECHECK = timedelta(hours=1)  # how often a case handed over for a missing year asks again


def calendar_year_missing(err: ActivityError) -> bool:
    cause = err.cause
    return isinstance(cause, ApplicationError) and cause.type == CALENDAR_YEAR_MISSING


def cause_of(err: ActivityError) -> str:
    """The reason an activity gave up (its ApplicationError's message): codes and short texts
    only, the adapters keep personal data out of them."""
    cause = err.cause
    return cause.message if isinstance(cause, ApplicationError) else str(cause or err)


class CaseEffects:
    def __init__(self, state: CaseState) -> None:
        self.state = state
        self.inp = state.inp
        self.timers = state.inp.timers
        self._pending: list[act.TimelineEntry] = []  # recorded, not yet written (batched)
        self._flusher: asyncio.Task[None] | None = None
        self._sms_out = 0  # SMS activities in flight: the queue may wait for them
        self._forced = 0  # callers of written()
        # how search attributes are upserted (the patches, asked at the first upsert)
        self._sa_mode: Literal["in_order", "once_per_task", "every_call"] | None = None
        self._sa_changed = False  # since the flusher's last round
        self._sa_flusher: asyncio.Task[None] | None = None

    @property
    def workflow_id(self) -> str:
        return workflow.info().workflow_id

    # ------------------------------------------------------------------ record, status, waits

    async def record(self, action: str, actor: Actor, detail: dict[str, Any] | None = None) -> None:
        """Read model and audit trail: a local activity, short and database-only. Batched (after
        the patch): the entry is queued, and one record_step writes the queue with the snapshot
        as it is then, at the end of the workflow task, or of a later one while only SMS are
        out (nothing an SMS does reads the read model). A task's commands (another activity, a
        timer) leave only when its local activities are done, so they come after the record;
        an update answers after `written()`."""
        entry = self._entry(action, actor, detail)
        # one record_step a workflow task instead of one an entry: a change of the commands
        if not patches.patched("batched-read-model"):
            await self._write(entry=entry)
            return
        self._pending.append(entry)
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush_pending())

    async def written(self) -> None:
        """Every queued entry written and the search attributes upserted: before an update answers
        (the caller reads the read model next: it must show the step) and before the workflow ends."""
        if self._sa_flusher is not None and not self._sa_flusher.done():
            await self._sa_flusher  # the status too: no workflow task follows the end
        if self._flusher is None or self._flusher.done():
            return
        self._forced += 1  # no `finally`: see wait()
        await self._flusher
        self._forced -= 1

    def _entry(self, action: str, actor: Actor, detail: dict[str, Any] | None) -> act.TimelineEntry:
        s = self.state
        s.seq += 1
        info = workflow.info()
        return act.TimelineEntry(
            step_key=f"{info.workflow_id}/{info.run_id}/{s.seq}",
            case_number=s.case_number,
            at=workflow.now(),
            actor_role=actor.role.value,
            actor_id=actor.id,
            action=action,
            detail=detail or {},
            status=s.status,
        )

    async def _flush_pending(self) -> None:
        while self._pending:  # entries recorded while a write ran go in the next one
            # a wait_condition resumes once the task's other coroutines have reached their waits
            await workflow.wait_condition(lambda: self._sms_out == 0 or self._forced > 0)
            await self._settled()
            entries, self._pending = self._pending, []
            await self._write(entries=entries)

    async def _settled(self) -> None:
        """Until the coroutines woken with the flusher have recorded too (one condition round
        each): their entries join this write instead of starting the next."""
        queued = -1
        while queued != len(self._pending):
            queued = len(self._pending)
            await workflow.wait_condition(lambda: True)

    async def _write(
        self, *, entry: act.TimelineEntry | None = None, entries: list[act.TimelineEntry] | None = None
    ) -> None:
        s = self.state
        step = act.StepRecord(
            snapshot=s.snapshot(self.workflow_id),
            entry=entry,
            entries=entries or [],
            reporter_phone=self.inp.alert.reporter_phone,
        )
        try:
            await call(act.record_step, step)
        except ActivityError as err:  # refused data (not a passing fault): the case must go on
            actions = ", ".join(e.action for e in step.all_entries())
            workflow.logger.error(
                "read model refused step %s of %s: %s", actions, s.case_number, cause_of(err)
            )

    async def set_status(
        self, status: CaseStatus, action: str, actor: Actor, detail: dict[str, Any] | None = None
    ) -> None:
        self.state.set_status(status)
        self.upsert_search_attributes()
        await self.record(action, actor, detail)

    def upsert_search_attributes(self) -> None:
        """Status, district, seat and officer ids, the nearest deadline: no personal data.

        Upserted at once, only what changed (after search-attributes-in-program-order): the
        upsert then keeps its place among the commands of the coroutine that changed the state,
        whichever local activities a workflow task resolves together. Before it (cases started
        with the 2026-12-01 baseline), an activation's changes were upserted by one task once its
        coroutines had settled: on replay the SDK may resolve two local activities in one
        activation that ran in two, the settling then ends elsewhere among the other coroutines'
        commands, and the replay fails (tests/histories/known_bugs). Before that, every call
        upserted every attribute."""
        if self._sa_mode is None:  # asked at the first upsert, as on replay
            self._sa_mode = (
                "in_order"
                if patches.patched("search-attributes-in-program-order")
                else "once_per_task"
                if patches.patched("search-attributes-once-per-task")
                else "every_call"
            )
        if self._sa_mode == "in_order":
            changed = self._changed_search_attributes()
            if changed:
                workflow.upsert_search_attributes(changed)
        elif self._sa_mode == "every_call":
            workflow.upsert_search_attributes(self._search_attributes())
        else:
            self._sa_changed = True
            if self._sa_flusher is None or self._sa_flusher.done():
                self._sa_flusher = asyncio.create_task(self._flush_search_attributes())

    def _search_attributes(self) -> list[SearchAttributeUpdate[Any]]:
        s = self.state
        updates: list[SearchAttributeUpdate[Any]] = [sa.CASE_STATUS.value_set(s.status.value)]
        if s.district:
            updates.append(sa.DISTRICT.value_set(s.district))
        if s.seat_id:
            updates.append(sa.SEAT_ID.value_set(s.seat_id))
        if s.officer_id:
            updates.append(sa.OFFICER_ID.value_set(s.officer_id))
        nearest = s.deadlines.nearest()
        updates.append(sa.NEXT_DEADLINE.value_set(nearest[1]) if nearest else sa.NEXT_DEADLINE.value_unset())
        return updates

    async def _flush_search_attributes(self) -> None:
        # until a condition round passes in which no coroutine changed them; not counting the
        # first: a coroutine woken with this one may run after it in that round (wait_for's hops)
        await workflow.wait_condition(lambda: True)
        while self._sa_changed:
            self._sa_changed = False
            await workflow.wait_condition(lambda: True)
        changed = self._changed_search_attributes()
        if changed:
            workflow.upsert_search_attributes(changed)

    def _changed_search_attributes(self) -> list[SearchAttributeUpdate[Any]]:
        current = workflow.info().typed_search_attributes  # what was upserted last (or at start)
        return [u for u in self._search_attributes() if current.get(u.key) != u.value]

    async def wait(self, condition: Callable[[], bool], within: timedelta, kind: str) -> bool:
        """Wait for a condition with a named deadline; False when the deadline passed first."""
        if within <= timedelta(0):
            return condition()
        deadlines = self.state.deadlines
        deadlines.set(kind, workflow.now() + within)
        self.upsert_search_attributes()
        # no `finally`: when the worker evicts the workflow from its cache the coroutine is closed
        # here, and workflow calls are not allowed then
        try:
            await workflow.wait_condition(condition, timeout=within, timeout_summary=kind)
            fired = False
        except TimeoutError:
            fired = True
            await self.record(f"timer_{kind}_fired", SYSTEM)
        deadlines.drop(kind)
        self.upsert_search_attributes()
        return not fired

    async def working_days_deadline(
        self, start: datetime, days: int, reported: bool = False, failed: ActivityError | None = None
    ) -> datetime:
        """Computed once by an activity from the holiday calendar and kept in state, so that a
        replay never recomputes it with newer calendar data.

        A year without holiday data cannot succeed on retry: the activity's failure is final
        (activity_calls.CALENDAR_RETRY) and the case is handed to the operators: recorded once
        (calendar_year_missing, the case's timeline and the admin console; `reported` when the
        caller has done so), the StuckActivities search attribute set, then asked again every
        CALENDAR_RECHECK until an administrator has loaded the year (POST /admin/calendar). No new
        command for histories without the failure (there the activity never failed: it retried).
        `failed`: the caller's own first attempt failed so."""
        request = act.DeadlineRequest(start=start, working_days=days)
        while True:
            if failed is None:
                try:
                    deadline = await call(act.working_days_deadline, request)
                except ActivityError as err:
                    if not calendar_year_missing(err):
                        raise
                    failed = err
                else:
                    if reported:
                        await self.calendar_year_loaded()
                    return deadline
            if not reported:
                reported = True
                await self.report_calendar_year_missing(failed, days)
            failed = None
            await workflow.sleep(CALENDAR_RECHECK, summary="calendar_year_missing")

    async def deadline_or_pending(self, start: datetime, days: int) -> datetime | None:
        """For a step a person waits on (a receipt, a service record): the deadline, or None when
        its year has no holiday data yet. The step is answered at once, the case is handed to the
        operators as above, and the main line settles the deadline later (workflows/service.py)
        with working_days_deadline(..., reported=True). Cases started before this waited here."""
        request = act.DeadlineRequest(start=start, working_days=days)
        try:
            return await call(act.working_days_deadline, request)
        except ActivityError as err:
            if not calendar_year_missing(err):
                raise
            # before: the receipt (or service record) waited here for the year to be loaded
            if not patches.patched("review-deadline-settled-off-the-step"):
                return await self.working_days_deadline(start, days, failed=err)
            await self.report_calendar_year_missing(err, days)
            return None

    async def deadline_once(self, start: datetime, days: int) -> datetime | None:
        """One attempt; None while the year has no holiday data (already reported)."""
        try:
            return await call(act.working_days_deadline, act.DeadlineRequest(start=start, working_days=days))
        except ActivityError as err:
            if not calendar_year_missing(err):
                raise
            return None

    async def report_calendar_year_missing(self, err: ActivityError, days: int) -> None:
        await self.record("calendar_year_missing", SYSTEM, {"error": cause_of(err), "working_days": days})
        mark_stuck(act.working_days_deadline.name, True)

    async def calendar_year_loaded(self) -> None:
        mark_stuck(act.working_days_deadline.name, False)
        await self.record("calendar_year_loaded", SYSTEM)

    # ------------------------------------------------------------------ SMS

    async def sms(
        self, ps: PartyState, template: str, step: str, params: dict[str, str] | None = None
    ) -> None:
        await self._send_sms(ps.party_id, ps.party.phone, template, step, params)

    async def sms_all(self, template: str, step: str, params: dict[str, str] | None = None) -> None:
        """Every party's SMS of this step: in one activity for a case started with the patch
        baseline (one write in the embedded outbox, and the last party is not texted after the
        first's round trip), one after the other before."""
        if not patches.started_with_baseline():
            for ps in self.state.parties:
                await self.sms(ps, template, step, params)
            return
        requests = [
            self._sms_request(ps.party_id, ps.party.phone, template, step, params)
            for ps in self.state.parties
        ]
        if not requests:
            return
        self._sms_out += 1
        try:
            sent = await call(act.send_sms_batch, act.SmsBatch(messages=requests))
        except ActivityError as err:  # failing past its bound: none went out
            self._sms_out -= 1
            for req in requests:
                await self._sms_failed(req, cause_of(err))
            return
        self._sms_out -= 1
        for req, outcome in zip(requests, sent.outcomes, strict=True):
            if outcome.error:
                await self._sms_failed(req, outcome.error)

    async def sms_reporter(self, template: str) -> None:
        s = self.state
        params = {"reasons": s.refusal_reasons()} if s.refusals else {}
        await self._send_sms("reporter", self.inp.alert.reporter_phone, template, template, params)

    async def _send_sms(
        self, party_id: str, phone: str, template: str, step: str, params: dict[str, str] | None
    ) -> None:
        """A failed SMS never stops the case; it is recorded for the operators."""
        request = self._sms_request(party_id, phone, template, step, params)
        self._sms_out += 1
        try:
            await call(act.send_sms, request)
        except ActivityError as err:
            self._sms_out -= 1
            await self._sms_failed(request, cause_of(err))
            return
        self._sms_out -= 1

    def _sms_request(
        self, party_id: str, phone: str, template: str, step: str, params: dict[str, str] | None
    ) -> act.SmsRequest:
        """One SMS per (case, step, party), ever: the key makes a retried send a no-op."""
        case_number = self.state.case_number
        return act.SmsRequest(
            idempotency_key=f"{self.workflow_id}/{step}/{party_id}",
            case_number=case_number,
            party_id=party_id,
            phone=phone,
            template=template,
            params={"case_number": case_number, **(params or {})},
        )

    async def _sms_failed(self, req: act.SmsRequest, error: str) -> None:
        await self.record(
            "sms_failed", SYSTEM, {"party": req.party_id, "template": req.template, "error": error}
        )
