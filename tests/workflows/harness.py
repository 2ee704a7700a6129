"""Drives cases through the workflow the way the API will: updates with actors, signals for
video events; reads the outcome from the query and the database (timeline, SMS outbox)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHandle, WorkflowHistory
from temporalio.common import WorkflowIDReusePolicy
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from activities.wiring import build_activities
from adapters.wiring import Providers
from db import repository
from db.models import SmsRow
from domain.messages import (
    AcceptCall,
    Actor,
    AddEvidence,
    CaseInput,
    CaseTimers,
    CaseView,
    CompleteCollection,
    ConcurReview,
    ConfirmReceipt,
    Decide,
    RecordScene,
    ReviewOutcome,
    Role,
    SafetyChecklist,
    VideoAccess,
    VideoEvent,
    VideoEventKind,
    VideoTokenRequest,
    workflow_id_for,
)
from domain.models import Alert, Decision
from settings import Settings
from tests import case_factory
from worker import make_worker
from workflows.case_workflow import AccidentCaseWorkflow

HISTORIES = Path(__file__).resolve().parent.parent / "histories"
# Recorded histories are "<recording>-<scenario>.json". Earlier recordings stay beside the new
# ones: they stand for cases still open under older code and must keep replaying. After adding a
# workflow.patched branch, bump this and record (KUAICHU_RECORD_HISTORIES=1 pytest tests/workflows)
# so that the new branch is replayed too (test_replay checks every patch id is in some history).
# v1: before retain-evidence-on-decision; unprefixed: before the 7be8fd8 patches; v2: every patch;
# v3: payloads compressed (zlib) before they are encrypted (codec.py); v4: the written review
# conclusion (review-conclusion-in-writing). v4i: the stuck-activity marker (a timer beside each activity call); v5: every patch of both.
# v6: a receipt answers while its deadline's year is missing (review-deadline-settled-off-the-step);
# the SMS a local activity (activities-made-local). v7: the eligibility check and the notice too
# (rules-and-notice-local); the read model written once a workflow task (batched-read-model).
# v8: stuck-watch-one-timer (one stuck timer a workflow); search-attributes-once-per-task.
# v9: the video's nobody-on and back-on recorded (video-drop-recorded): test_timers' scenarios.
# v10: the patch baseline (workflows/patches.py: one marker for every patch above) and every
# party's SMS of a step in one activity (send_sms_batch): every scenario.
RECORDING = "v11"
SEAT = Actor(role=Role.SEAT, id="seat-1")
# how the concluding reviewer signs the written conclusion (ConclusionContent's identity fields)
SIGNED = {"name": "钱复核", "badge_number": "050001"}
OFFICER = Actor(role=Role.OFFICER, id="officer-7")


async def eventually(check: Callable[[], Awaitable[bool]], seconds: float = 15) -> None:
    """Wait until an asynchronous effect (an activity finishing after a retry) is visible."""
    deadline = asyncio.get_running_loop().time() + seconds
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.1)


async def stuck_timers(env: WorkflowEnvironment, history: WorkflowHistory, fired: bool = False) -> int:
    """How many timers the history started for the stuck marker (their summary: "stuck"); or,
    with ``fired``, how many of those fired."""
    started = {
        e.event_id: e.user_metadata.summary
        for e in history.events
        if e.event_type == EventType.EVENT_TYPE_TIMER_STARTED and e.user_metadata.HasField("summary")
    }
    decoded = await env.client.data_converter.decode(list(started.values()))
    stuck = {event_id for event_id, s in zip(started, decoded, strict=True) if s == "stuck"}
    if not fired:
        return len(stuck)
    return sum(
        1
        for e in history.events
        if e.event_type == EventType.EVENT_TYPE_TIMER_FIRED
        and e.timer_fired_event_attributes.started_event_id in stuck
    )


def citizen(party_id: str) -> Actor:
    return Actor(role=Role.CITIZEN, id=party_id)


class Case:
    def __init__(self, harness: Harness, case_number: str, handle: WorkflowHandle) -> None:
        self.harness = harness
        self.number = case_number
        self.handle = handle

    async def view(self) -> CaseView:
        return await self.handle.query(AccidentCaseWorkflow.view)

    async def accept(self, seat: Actor = SEAT) -> CaseView:
        return await self.handle.execute_update(AccidentCaseWorkflow.accept_call, AcceptCall(actor=seat))

    async def join(self, party_id: str) -> VideoAccess:
        return await self.handle.execute_update(
            AccidentCaseWorkflow.issue_video_token, VideoTokenRequest(actor=citizen(party_id))
        )

    async def video(self, kind: VideoEventKind, party_id: str = "P1") -> None:
        await self.handle.signal(
            AccidentCaseWorkflow.video_event, VideoEvent(kind=kind, identity=f"{self.number}-{party_id}")
        )

    async def collect_evidence(self, seat: Actor = SEAT) -> None:
        view = await self.view()
        vehicles = sum(1 for p in view.parties if p.plate)
        for ref in case_factory.shot_list(self.number, vehicles):
            await self.handle.execute_update(
                AccidentCaseWorkflow.add_evidence, AddEvidence(actor=seat, evidence=ref)
            )
        await self.handle.execute_update(
            AccidentCaseWorkflow.tick_safety,
            SafetyChecklist(
                actor=seat, hazard_lights=True, warning_triangle=True, people_off_carriageway=True
            ),
        )
        await self.record_scene(weather="3", road_surface="2")  # 雨, 潮湿

    async def record_scene(self, seat: Actor = SEAT, **scene: object) -> CaseView:
        return await self.handle.execute_update(
            AccidentCaseWorkflow.record_scene, RecordScene(actor=seat, **scene)
        )

    async def complete(self, seat: Actor = SEAT) -> CaseView:
        return await self.handle.execute_update(
            AccidentCaseWorkflow.complete_collection, CompleteCollection(actor=seat)
        )

    async def to_decision(self) -> CaseView:
        await self.accept()
        await self.collect_evidence()
        return await self.complete()

    async def to_served(self, *party_ids: str) -> CaseView:
        """Collected, decided, and the notice served to these parties (electronic receipt)."""
        await self.to_decision()
        view = await self.decide()
        for party_id in party_ids:
            view = await self.confirm(party_id)
        return view

    async def decide(self, decision: Decision | None = None, officer: Actor = OFFICER) -> CaseView:
        view = await self.view()
        d = decision or case_factory.decision([p.party_id for p in view.parties], officer_id=officer.id)
        return await self.handle.execute_update(
            AccidentCaseWorkflow.decide, Decide(actor=officer, decision=d)
        )

    async def confirm(self, party_id: str) -> CaseView:
        return await self.handle.execute_update(
            AccidentCaseWorkflow.confirm_receipt, ConfirmReceipt(actor=citizen(party_id))
        )

    async def settled(self) -> tuple[CaseView, list[str]]:
        """The view and timeline once the workflow has stopped moving on its own (activities
        after the last step finished): two reads 0.3 s apart that agree."""
        previous = None
        while True:
            current = (await self.view(), await self.timeline())
            if current == previous:
                return current
            previous = current
            await asyncio.sleep(0.3)

    async def sleep_past(self, kind: str) -> None:
        """On the time-skipping server: let the named deadline of the case pass."""
        deadline = None

        async def has_deadline() -> bool:
            nonlocal deadline
            deadline = next((d.at for d in (await self.view()).deadlines if d.kind == kind), None)
            return deadline is not None

        await eventually(has_deadline)
        assert deadline is not None
        now = await self.harness.env.get_current_time()
        await self.harness.env.sleep(deadline - now + timedelta(minutes=1))

    async def concur(self, reviewer_id: str, outcome: ReviewOutcome) -> CaseView:
        """A co-reviewer's agreement, recorded with their own identity."""
        return await self.handle.execute_update(
            AccidentCaseWorkflow.concur_review,
            ConcurReview(
                actor=Actor(role=Role.REVIEWER, id=reviewer_id),
                outcome=outcome,
                name="赵复核",
                badge_number="050002",
            ),
        )

    async def timeline(self) -> list[str]:
        async with self.harness.sessions() as session:
            return [e.action for e in await repository.list_timeline(session, self.number)]

    async def sms(self) -> list[SmsRow]:
        async with self.harness.sessions() as session:
            rows = await session.scalars(
                sa.select(SmsRow).where(SmsRow.case_number == self.number).order_by(SmsRow.id)
            )
            return list(rows)

    async def result(self) -> CaseView:
        return await self.handle.result()

    async def keep_history(self, name: str) -> None:
        """With KUAICHU_RECORD_HISTORIES=1, save this run's history for the replay test."""
        if os.environ.get("KUAICHU_RECORD_HISTORIES") != "1":
            return
        history = await self.handle.fetch_history()
        HISTORIES.mkdir(parents=True, exist_ok=True)
        (HISTORIES / f"{RECORDING}-{name}.json").write_text(history.to_json())


class Harness:
    def __init__(
        self,
        env: WorkflowEnvironment,
        settings: Settings,
        sessions: async_sessionmaker[AsyncSession],
        queue: str,
    ) -> None:
        self.env = env
        self.settings = settings
        self.sessions = sessions
        self.queue = queue
        self.cases: list[Case] = []

    async def start(
        self,
        alert: Alert | None = None,
        timers: CaseTimers | None = None,
        case_number: str | None = None,
        task_timeout: timedelta | None = None,
    ) -> Case:
        number = case_number or case_factory.new_case_number()
        inp = CaseInput(
            case_number=number,
            alert=alert or case_factory.alert(self.settings),
            timers=timers or CaseTimers(),
        )
        handle = await self.env.client.start_workflow(
            AccidentCaseWorkflow.run,
            inp,
            id=workflow_id_for(number),
            task_queue=self.queue,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            execution_timeout=timedelta(days=120),
            task_timeout=task_timeout,
        )
        case = Case(self, number, handle)
        self.cases.append(case)

        async def eligibility_decided() -> bool:  # the first record: alert_received or case_refused
            return bool(await case.timeline())

        await eventually(eligibility_decided)
        return case

    async def close(self) -> None:
        """Terminate what a test left running: on the time-skipping server a workflow whose
        worker is gone would hold time still for the next test."""
        for case in self.cases:
            with contextlib.suppress(RPCError):  # already closed
                await case.handle.terminate("test finished")


@asynccontextmanager
async def running_worker(
    env: WorkflowEnvironment,
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    providers: Providers | None = None,
    workflows: Sequence[type] | None = None,
    activities: Callable[[list[Callable[..., Any]]], list[Callable[..., Any]]] | None = None,
    **worker_options: Any,
) -> AsyncIterator[Harness]:
    """A worker on a fresh task queue; ``activities`` may replace some of the built activities."""
    queue = f"test-{uuid.uuid4().hex[:10]}"
    worker_settings = settings.model_copy(update={"task_queue": queue})
    built = build_activities(worker_settings, sessions, providers)
    worker = make_worker(
        env.client,
        worker_settings,
        activities(built) if activities else built,
        *([workflows] if workflows else []),
        # in tests a bug in the workflow fails the case at once instead of retrying its task forever
        workflow_failure_exception_types=[Exception],
        **worker_options,
    )
    harness = Harness(env, settings, sessions, queue)
    async with worker:
        try:
            yield harness
        finally:
            await harness.close()
