"""No endless retry, and no silent one: an error that cannot succeed on retry ends the activity at
once (its retry policy classifies it), a missing holiday year is handed to the operators and
resolved once the year is loaded, and a call that keeps failing shows in the StuckActivities
search attribute (workflows/activity_calls.py) until it ends."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

from temporalio import activity, workflow
from temporalio.exceptions import ActivityError, ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

with workflow.unsafe.imports_passed_through():
    from domain import activity_contracts as act
    from domain.messages import CaseInput, PartyVerification
    from domain.models import (
        AccidentCategory,
        Alert,
        DeclaredFacts,
        Location,
        Party,
        PartyKind,
    )
    from workflows import search_attributes as sa
    from workflows.activity_calls import STUCK_AFTER, call
    from workflows.case_state import CaseState
    from workflows.effects import CaseEffects, cause_of

from tests.workflows.harness import stuck_timers

START = datetime(2027, 1, 4, 2, 0, tzinfo=UTC)
DUE = datetime(2027, 1, 7, 16, 0, tzinfo=UTC)


@workflow.defn(sandboxed=False)
class DeadlineWorkflow:
    @workflow.run
    async def run(self, inp: CaseInput) -> datetime:
        fx = CaseEffects(CaseState(inp))
        due = await fx.working_days_deadline(START, 3)
        await fx.written()  # as the case workflow does before it ends: the last records written
        return due


@workflow.defn(sandboxed=False)
class RegistryWorkflow:
    """The registry check: patient retries (an outage heals), so a long one shows as stuck. (The
    eligibility check is bounded instead: a citizen at the roadside is told to call 110.)"""

    @workflow.run
    async def run(self, inp: CaseInput) -> bool:
        request = act.VerifyRequest(
            case_number=inp.case_number, party=inp.alert.parties[0], accident_date=START.date()
        )
        outcome = await call(act.verify_party, request)
        return not outcome.refusals


@workflow.defn(sandboxed=False)
class StaggeredCallsWorkflow:
    """A registry call, quick calls beside it, and a second registry call five minutes later:
    two marker timers (the first call's, the second's) where each call had one of its own."""

    @workflow.run
    async def run(self, inp: CaseInput) -> int:
        request = act.VerifyRequest(
            case_number=inp.case_number, party=inp.alert.parties[0], accident_date=START.date()
        )
        first = asyncio.create_task(call(act.verify_party, request))
        for days in (1, 2, 3):
            await call(act.working_days_deadline, act.DeadlineRequest(start=START, working_days=days))
        await workflow.sleep(timedelta(minutes=5))
        second = await call(act.verify_party, request)
        return len([await first, second])


@workflow.defn(sandboxed=False)
class LocalFailureWorkflow:
    """A local activity's permanent failure reaches its call site's handler as an ActivityError,
    as a scheduled activity's does (the SDK raises it unwrapped: it used to fail the case)."""

    @workflow.run
    async def run(self, inp: CaseInput) -> str:
        try:
            await call(act.retain_evidence, inp.case_number)
        except ActivityError as err:
            return cause_of(err)
        return "no failure"


def _input() -> CaseInput:
    party = Party(party_id="P1", kind=PartyKind.NON_MOTOR, name="李四", phone="13800000061")
    alert = Alert(
        reported_at=START,
        location=Location(lat=28.87, lon=105.44),
        facts=DeclaredFacts(category=AccidentCategory.MOTOR_VS_NON_MOTOR),
        parties=[party],
        reporter_phone=party.phone,
    )
    return CaseInput(case_number="LZ20270104-000001", alert=alert)


class Fakes:
    def __init__(self, fail_times: int, error_type: str) -> None:
        self.fail_times, self.error_type = fail_times, error_type
        self.attempts = 0
        self.recorded: list[str] = []

    @activity.defn(name=act.working_days_deadline.name)
    async def deadline(self, req: act.DeadlineRequest) -> datetime:
        self.attempts += 1
        if self.attempts <= self.fail_times:
            raise ApplicationError("no holiday data for 2027", type=self.error_type)
        return DUE

    @activity.defn(name=act.verify_party.name)
    async def verify(self, req: act.VerifyRequest) -> PartyVerification:
        self.attempts += 1
        if self.attempts <= self.fail_times:
            raise RuntimeError("registry unreachable")
        return PartyVerification(party_id=req.party.party_id)

    @activity.defn(name=act.retain_evidence.name)
    async def retain(self, case_number: str) -> int:
        self.attempts += 1
        raise ApplicationError("database refused the update", type="DataError", non_retryable=True)

    @activity.defn(name=act.record_step.name)
    async def record(self, step: act.StepRecord) -> None:
        self.recorded.extend(e.action for e in step.all_entries())


class RegistryDown(Fakes):
    """The registry fails until `down` is cleared; the calendar answers at once."""

    def __init__(self) -> None:
        super().__init__(fail_times=0, error_type="")
        self.down = True

    @activity.defn(name=act.verify_party.name)
    async def verify(self, req: act.VerifyRequest) -> PartyVerification:
        if self.down:
            raise RuntimeError("registry unreachable")
        return PartyVerification(party_id=req.party.party_id)


def _worker(env: WorkflowEnvironment, fakes: Fakes, queue: str) -> Worker:
    return Worker(
        env.client,
        task_queue=queue,
        workflows=[DeadlineWorkflow, RegistryWorkflow, StaggeredCallsWorkflow, LocalFailureWorkflow],
        activities=[fakes.deadline, fakes.verify, fakes.record, fakes.retain],
    )


async def test_a_missing_holiday_year_is_handed_to_the_operators_not_retried(
    ts_env: WorkflowEnvironment,
) -> None:
    fakes = Fakes(fail_times=2, error_type="CALENDAR_YEAR_MISSING")
    queue = f"tq-{uuid.uuid4()}"
    async with _worker(ts_env, fakes, queue):
        due = await ts_env.client.execute_workflow(
            DeadlineWorkflow.run, _input(), id=f"wf-{uuid.uuid4()}", task_queue=queue
        )
    assert due == DUE
    # one attempt per hourly check (never a retry storm), recorded once for the operators
    assert fakes.attempts == 3
    assert fakes.recorded == ["calendar_year_missing", "calendar_year_loaded"]


async def test_a_call_that_keeps_failing_shows_as_stuck_until_it_ends(ts_env: WorkflowEnvironment) -> None:
    fakes = Fakes(fail_times=10**9, error_type="")
    queue = f"tq-{uuid.uuid4()}"
    async with _worker(ts_env, fakes, queue):
        handle = await ts_env.client.start_workflow(
            RegistryWorkflow.run, _input(), id=f"wf-{uuid.uuid4()}", task_queue=queue
        )
        await ts_env.sleep(STUCK_AFTER + timedelta(minutes=1))
        described = await handle.describe()
        assert described.typed_search_attributes.get(sa.STUCK_ACTIVITIES) == [act.verify_party.name]
        fakes.fail_times = 0  # the outage ends
        assert await handle.result() is True
        described = await handle.describe()
        assert not described.typed_search_attributes.get(sa.STUCK_ACTIVITIES)


async def test_two_stuck_calls_of_one_activity_are_marked_and_unmarked_each(
    ts_env: WorkflowEnvironment,
) -> None:
    fakes = RegistryDown()
    queue = f"tq-{uuid.uuid4()}"
    async with _worker(ts_env, fakes, queue):
        handle = await ts_env.client.start_workflow(
            StaggeredCallsWorkflow.run, _input(), id=f"wf-{uuid.uuid4()}", task_queue=queue
        )

        async def stuck() -> list[str]:
            return (await handle.describe()).typed_search_attributes.get(sa.STUCK_ACTIVITIES) or []

        await ts_env.sleep(STUCK_AFTER + timedelta(minutes=1))
        assert await stuck() == [act.verify_party.name]
        await ts_env.sleep(timedelta(minutes=5))
        assert await stuck() == [act.verify_party.name] * 2
        fakes.down = False
        assert await handle.result() == 2
        assert await stuck() == []
        assert await stuck_timers(ts_env, await handle.fetch_history()) == 2


async def test_a_local_activity_s_permanent_failure_reaches_the_handler_not_the_case(
    ts_env: WorkflowEnvironment,
) -> None:
    fakes = Fakes(fail_times=0, error_type="")
    queue = f"tq-{uuid.uuid4()}"
    async with _worker(ts_env, fakes, queue):
        handled = await ts_env.client.execute_workflow(
            LocalFailureWorkflow.run, _input(), id=f"wf-{uuid.uuid4()}", task_queue=queue
        )
    assert handled == "database refused the update"
    assert fakes.attempts == 1  # permanent: not retried
