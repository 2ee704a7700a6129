"""How the case workflow calls its activities: each declaration (domain.activity_contracts) with
its timeouts and retry policy, kept here in the workflow, and one helper that returns the
declared output type."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

from temporalio import workflow
from temporalio.common import RetryPolicy

from domain import activity_contracts as act

I = TypeVar("I")  # noqa: E741 (input, as in ActivityDecl[I, O])
O = TypeVar("O")  # noqa: E741

# External systems get patient retries; validation failures are raised by the activities as
# non-retryable ApplicationErrors and end the retrying at once.
EXTERNAL_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=30))
RECORD_RETRY = RetryPolicy(
    initial_interval=timedelta(milliseconds=200), maximum_interval=timedelta(seconds=5)
)


@dataclass(frozen=True)
class CallPolicy:
    start_to_close: timedelta
    retry: RetryPolicy
    schedule_to_close: timedelta | None = None
    local: bool = False  # a short database-only step: a local activity (less server work)


_EXTERNAL_30S = CallPolicy(timedelta(seconds=30), EXTERNAL_RETRY)
_VIDEO = CallPolicy(timedelta(seconds=20), EXTERNAL_RETRY)

POLICIES: dict[act.ActivityDecl[Any, Any], CallPolicy] = {
    act.check_eligibility: _EXTERNAL_30S,
    act.working_days_deadline: CallPolicy(timedelta(seconds=10), RECORD_RETRY),
    act.create_video_room: _VIDEO,
    act.issue_video_token: _VIDEO,
    act.complete_video_room: _VIDEO,
    # an SMS that cannot go out within the hour is recorded as failed; the case goes on
    act.send_sms: CallPolicy(timedelta(seconds=30), EXTERNAL_RETRY, schedule_to_close=timedelta(hours=1)),
    act.verify_party: _EXTERNAL_30S,
    act.issue_notice: _EXTERNAL_30S,
    act.file_claim: _EXTERNAL_30S,
    act.notify_insurer_amendment: _EXTERNAL_30S,
    act.record_step: CallPolicy(timedelta(seconds=10), RECORD_RETRY, local=True),
    act.retain_evidence: CallPolicy(timedelta(seconds=10), RECORD_RETRY, local=True),
    # one round of the case doctor: a few visibility queries and resets; the next round retries
    act.heal_stuck_cases: CallPolicy(timedelta(minutes=2), RetryPolicy(maximum_attempts=1)),
    # the retention sweep (workflows/retention.py): a batch of deletions in the object store
    act.purge_expired_evidence: CallPolicy(timedelta(minutes=10), EXTERNAL_RETRY),
}


async def call(decl: act.ActivityDecl[I, O], arg: I) -> O:
    """Run the declared activity with its policy; its result decoded as the declared type."""
    policy = POLICIES[decl]
    execute = workflow.execute_local_activity if policy.local else workflow.execute_activity
    result = await execute(
        decl.name,
        arg,
        result_type=decl.output,
        start_to_close_timeout=policy.start_to_close,
        schedule_to_close_timeout=policy.schedule_to_close,
        retry_policy=policy.retry,
    )
    output: O = result
    return output
