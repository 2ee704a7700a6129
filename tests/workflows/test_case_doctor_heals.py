"""The case doctor heals a workflow whose history its code cannot replay: a workflow scheduled
activity `a`, the worker that replays it cold would schedule `b` (a nondeterminism, as the
SDK bug of tests/faults produces), so its task fails for ever; one doctor round resets it to the
task before the disputed event and the workflow goes on, its signal reapplied."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from pathlib import Path

from temporalio import activity, workflow
from temporalio.api.enums.v1 import EventType
from temporalio.worker import Worker

from activities.case_doctor import CaseDoctorActivities
from db.session import ensure_schema, make_engine, make_sessionmaker
from domain.activity_contracts import HealReport, HealRequest
from tests.temporal_env import start_dev_server
from workflows.case_doctor import CaseDoctorWorkflow

MODE = {"step": "a"}  # what the workflow below does: changed under it, on purpose


@activity.defn
async def step_a() -> str:
    return "a"


@activity.defn
async def step_b() -> str:
    return "b"


@workflow.defn(sandboxed=False)
class ReplaysDifferently:
    def __init__(self) -> None:
        self.finish = False

    @workflow.run
    async def run(self) -> str:
        chosen = step_a if MODE["step"] == "a" else step_b  # another activity type: a nondeterminism
        done = await workflow.execute_activity(chosen, start_to_close_timeout=timedelta(seconds=5))
        await workflow.wait_condition(lambda: self.finish)
        return done

    @workflow.signal
    def finish_now(self) -> None:
        self.finish = True


async def test_one_round_resets_a_workflow_that_cannot_replay(tmp_path: Path) -> None:
    env = await start_dev_server()
    url = f"sqlite+aiosqlite:///{tmp_path / 'kc.db'}"
    await ensure_schema(url)
    engine = make_engine(url)
    doctor = CaseDoctorActivities(make_sessionmaker(engine))
    queue = f"doctor-{uuid.uuid4().hex[:8]}"
    try:
        async with Worker(
            env.client, task_queue=queue, workflows=[ReplaysDifferently], activities=[step_a, step_b]
        ):
            handle = await env.client.start_workflow(
                ReplaysDifferently.run, id=f"wf-{queue}", task_queue=queue
            )
            await _until(lambda: _has_event(handle, EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED))
        MODE["step"] = "b"  # the next worker replays cold and disagrees with the history
        async with Worker(
            env.client,
            task_queue=queue,
            workflows=[ReplaysDifferently, CaseDoctorWorkflow],
            activities=[step_a, step_b, doctor.heal_stuck_cases],
            max_cached_workflows=0,
        ):
            await handle.signal(ReplaysDifferently.finish_now)
            await _until(lambda: _reported(env, handle.id))
            report = await asyncio.wait_for(
                env.client.execute_workflow(
                    CaseDoctorWorkflow.run,
                    HealRequest(workflow_type="ReplaysDifferently"),
                    id=f"doctor-round-{queue}",
                    task_queue=queue,
                    result_type=HealReport,
                ),
                60,
            )
            assert report.healed == [handle.id]
            result = await asyncio.wait_for(env.client.get_workflow_handle(handle.id).result(), 30)
            assert result == "b"  # re-run from before the disputed step, the signal reapplied
    finally:
        MODE["step"] = "a"
        await engine.dispose()
        await env.shutdown()


async def _has_event(handle, event_type: EventType.ValueType) -> bool:
    return any([e.event_type == event_type async for e in handle.fetch_history_events()])


async def _reported(env, workflow_id: str) -> bool:
    query = f"WorkflowId = '{workflow_id}' AND TemporalReportedProblems IS NOT NULL"
    return [wf async for wf in env.client.list_workflows(query)] != []


async def _until(check, within: float = 60.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while asyncio.get_running_loop().time() < deadline:
        if await check():
            return
        await asyncio.sleep(0.3)
    raise AssertionError(f"timed out waiting for {check}")
