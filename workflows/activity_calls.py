"""How the case workflow calls its activities: each declaration (domain.activity_contracts) with
its timeouts and retry policy, kept here in the workflow, and one helper that returns the
declared output type."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, TypeVar, cast

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError
from temporalio.exceptions import TimeoutError as ActivityTimeout

from domain import activity_contracts as act
from workflows import patches
from workflows import search_attributes as sa

I = TypeVar("I")  # noqa: E741 (input, as in ActivityDecl[I, O])
O = TypeVar("O")  # noqa: E741

# Errors that no retry can fix, by the ApplicationError type an activity failure carries (for an
# exception that is not an ApplicationError the SDK uses its class name): input the model or the
# database refuses (pydantic's ValidationError, PostgreSQL's DataError: e.g. a NUL in text), a bug
# (TypeError), a holiday year nobody loaded. Permanent adapter errors are non-retryable already
# (activities/failures.py). Each call site below handles the failure (a record, a refusal, an
# operator's hand-off); calls whose failure the case cannot handle keep retrying and show as stuck.
PERMANENT = ["ValidationError", "DataError", "TypeError"]
CALENDAR_YEAR_MISSING = "CALENDAR_YEAR_MISSING"
# External systems get patient retries (an outage heals); what cannot heal ends at once.
EXTERNAL_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    maximum_interval=timedelta(seconds=30),
    non_retryable_error_types=PERMANENT,
)
RECORD_RETRY = RetryPolicy(
    initial_interval=timedelta(milliseconds=200),
    maximum_interval=timedelta(seconds=5),
    non_retryable_error_types=PERMANENT,
)
# a missing holiday year: the workflow hands it to the operators (workflows/effects.py)
CALENDAR_RETRY = RetryPolicy(
    initial_interval=timedelta(milliseconds=200),
    maximum_interval=timedelta(seconds=5),
    non_retryable_error_types=[*PERMANENT, CALENDAR_YEAR_MISSING],
)
# a call that has waited this long on a failing (or slow) activity shows for operators
STUCK_AFTER = timedelta(minutes=10)


@dataclass(frozen=True)
class CallPolicy:
    start_to_close: timedelta
    retry: RetryPolicy
    schedule_to_close: timedelta | None = None
    local: bool = False  # a short database-only step: a local activity (less server work)
    # made a local activity later, under a patch: cases started before keep scheduling it
    made_local: Literal["", "sms", "rules_and_notice"] = ""

    def is_local(self) -> bool:
        if self.made_local == "sms":
            return patches.patched("activities-made-local")
        if self.made_local == "rules_and_notice":
            return patches.patched("rules-and-notice-local")
        return self.local


_EXTERNAL_30S = CallPolicy(timedelta(seconds=30), EXTERNAL_RETRY)
_VIDEO = CallPolicy(timedelta(seconds=20), EXTERNAL_RETRY)

# Every call: a bound (maximum attempts, schedule-to-close) or its permanent errors classified
# (non_retryable_error_types), and the stuck marker (call) for the rest.
POLICIES: dict[act.ActivityDecl[Any, Any], CallPolicy] = {
    # pure configuration read; a citizen waits at the roadside: after two minutes the case is
    # refused with ELIGIBILITY_UNAVAILABLE (call 110), as on a permanent error
    act.check_eligibility: CallPolicy(
        timedelta(seconds=30),
        EXTERNAL_RETRY,
        schedule_to_close=timedelta(minutes=2),
        made_local="rules_and_notice",
    ),
    act.working_days_deadline: CallPolicy(timedelta(seconds=10), CALENDAR_RETRY),
    act.create_video_room: _VIDEO,  # in an update: its failure answers the caller
    act.issue_video_token: _VIDEO,
    act.complete_video_room: _VIDEO,  # recorded (video_room_close_failed)
    # an SMS that cannot go out within the hour is recorded as failed; the case goes on
    # a local activity (no task queue round trip, no marker timer: it is bounded); a re-run
    # after a crash is a no-op through the outbox's idempotency key (adapters/sms.py)
    act.send_sms: CallPolicy(
        timedelta(seconds=30),
        EXTERNAL_RETRY,
        schedule_to_close=timedelta(hours=1),
        made_local="sms",
    ),
    # every party's SMS of a step (cases started with a patch baseline, workflows/patches.py): as send_sms
    act.send_sms_batch: CallPolicy(
        timedelta(seconds=30), EXTERNAL_RETRY, schedule_to_close=timedelta(hours=1), local=True
    ),
    act.verify_party: _EXTERNAL_30S,  # a refusal (REGISTRY_ERROR)
    # rendered, signed and stored in ~50 ms: local; failing for two minutes refuses the decision
    # (NOTICE_INVALID: the officer decides again) or is recorded (review_conclusion_failed)
    act.issue_notice: CallPolicy(
        timedelta(seconds=30),
        EXTERNAL_RETRY,
        schedule_to_close=timedelta(minutes=2),
        made_local="rules_and_notice",
    ),
    act.file_claim: _EXTERNAL_30S,  # in an update: its failure answers the caller
    act.notify_insurer_amendment: _EXTERNAL_30S,  # recorded for the operators
    act.record_step: CallPolicy(timedelta(seconds=10), RECORD_RETRY, local=True),  # logged, case goes on
    # the retention sweep keeps a decided case's evidence anyway (db.repository._due): after an
    # hour of failures the case records retention_mark_failed for the operators and goes on
    act.retain_evidence: CallPolicy(
        timedelta(seconds=10), RECORD_RETRY, schedule_to_close=timedelta(hours=1), local=True
    ),
    # one round of the case doctor: a few visibility queries and resets; the next round retries
    act.heal_stuck_cases: CallPolicy(timedelta(minutes=2), RetryPolicy(maximum_attempts=1)),
    # the retention sweep (workflows/retention.py): a batch of deletions in the object store
    act.purge_expired_evidence: CallPolicy(timedelta(minutes=10), EXTERNAL_RETRY),
}


async def call(decl: act.ActivityDecl[I, O], arg: I) -> O:
    """Run the declared activity with its policy; its result decoded as the declared type. A
    (non-local) call still running after STUCK_AFTER puts its name in the StuckActivities search
    attribute until it ends, so that operators see the case (GET /admin/stuck-cases)."""
    policy = POLICIES[decl]
    if policy.is_local():
        try:
            local: O = await workflow.execute_local_activity(
                decl.name,
                arg,
                result_type=decl.output,
                start_to_close_timeout=policy.start_to_close,
                schedule_to_close_timeout=policy.schedule_to_close,
                retry_policy=policy.retry,
            )
        except (ApplicationError, ActivityTimeout) as err:
            # a local activity's failure reaches the workflow unwrapped (SDK 1.35): raised as it
            # is, it would fail the whole case instead of reaching the call site's handler
            raise _activity_error(decl.name, err) from err
        return local
    # one timer for the whole workflow (before: a timer beside each activity, and before that
    # none): new commands, so not for histories recorded without them
    one_timer = patches.patched("stuck-watch-one-timer")
    watched = one_timer or patches.patched("stuck-activity-marker")
    handle = workflow.start_activity(
        decl.name,
        arg,
        result_type=decl.output,
        start_to_close_timeout=policy.start_to_close,
        schedule_to_close_timeout=policy.schedule_to_close,
        retry_policy=policy.retry,
    )
    if one_timer:
        return cast(O, await _StuckWatch.of_workflow().watch(decl.name, handle))
    if watched:
        try:
            await workflow.wait_condition(handle.done, timeout=STUCK_AFTER, timeout_summary="stuck")
        except TimeoutError:
            mark_stuck(decl.name, True)
            try:
                result = await handle
            except ActivityError:
                mark_stuck(decl.name, False)
                raise
            mark_stuck(decl.name, False)
            return cast(O, result)
    output: O = await handle
    return output


@dataclass(eq=False)  # removed by identity: two calls of one activity are two entries
class _Pending:
    name: str
    since: datetime
    marked: bool = False


class _StuckWatch:
    """The workflow's pending (non-local) calls and one task that marks those running longer than
    STUCK_AFTER. Its timer is not re-armed when calls end or start: a case whose calls all end
    quickly costs one timer per busy period instead of one per call. Once no call is left to
    mark the timer is cancelled (after stuck-watch-idle-without-timer): before, it fired ten
    minutes after every busy period and woke the case (a replay, if it had left the cache)."""

    def __init__(self) -> None:
        self._pending: list[_Pending] = []
        self._task: asyncio.Task[None] | None = None
        self._cancel_when_idle: bool | None = None  # the patch, asked when the timer is first set

    @staticmethod
    def of_workflow() -> _StuckWatch:
        """The running workflow's watch, kept on its instance: module state would be shared by
        every workflow of the worker outside the sandbox."""
        instance = workflow.instance()
        watch: _StuckWatch | None = getattr(instance, "_stuck_watch", None)
        if watch is None:
            watch = _StuckWatch()
            instance._stuck_watch = watch
        return watch

    async def watch(self, name: str, handle: workflow.ActivityHandle[Any]) -> Any:
        call = _Pending(name, workflow.now())
        self._pending.append(call)
        if self._task is None:
            self._task = asyncio.create_task(self._mark_stuck_calls())
        try:
            result = await handle
        except ActivityError:
            self._end(call)
            raise
        self._end(call)
        return result

    def _end(self, call: _Pending) -> None:
        self._pending.remove(call)
        if call.marked:
            mark_stuck(call.name, False)

    def _unmarked(self) -> list[_Pending]:
        return [c for c in self._pending if not c.marked]

    async def _mark_stuck_calls(self) -> None:
        # no `finally` (CaseEffects.wait says why) and no end: a sleep still pending when the
        # workflow returns ends with it
        while True:
            await workflow.wait_condition(lambda: bool(self._unmarked()))
            due = min(c.since for c in self._unmarked()) + STUCK_AFTER
            if due > workflow.now() and not await self._until(due):
                continue  # no call left to mark: the timer was cancelled
            for c in self._unmarked():
                if workflow.now() - c.since >= STUCK_AFTER:
                    c.marked = True
                    mark_stuck(c.name, True)

    async def _until(self, due: datetime) -> bool:
        """Wait until ``due``; False if every call to mark ended before (then without a timer)."""
        if self._cancel_when_idle is None:
            self._cancel_when_idle = patches.patched("stuck-watch-idle-without-timer")
        if not self._cancel_when_idle:
            await workflow.sleep(due - workflow.now(), summary="stuck")
            return True
        try:
            await workflow.wait_condition(
                lambda: not self._unmarked(), timeout=due - workflow.now(), timeout_summary="stuck"
            )
        except TimeoutError:
            return True
        return False


def _activity_error(name: str, cause: Exception) -> ActivityError:
    """The error a scheduled activity's failure raises, for a local one's: one handler for both."""
    return ActivityError(
        f"local activity {name} failed",
        scheduled_event_id=0,
        started_event_id=0,
        identity="",
        activity_type=name,
        activity_id="",
        retry_state=None,
    )


def mark_stuck(name: str, stuck: bool) -> None:
    current = list(workflow.info().typed_search_attributes.get(sa.STUCK_ACTIVITIES) or [])
    if stuck:
        current.append(name)
    elif name in current:
        current.remove(name)
    workflow.upsert_search_attributes(
        [sa.STUCK_ACTIVITIES.value_set(current) if current else sa.STUCK_ACTIVITIES.value_unset()]
    )
