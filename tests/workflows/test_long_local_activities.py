"""An update whose local activities outlive its workflow task: the SDK completes the task (a
heartbeat) and goes on in the next one. The history must replay: on a busy worker this is what
a slow notice or read-model write does, and a case whose history does not replay cannot be woken
after it leaves the worker's cache."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from temporalio import activity
from temporalio.api.enums.v1 import EventType
from temporalio.worker import Replayer

from tests.workflows.harness import running_worker
from workflows.case_workflow import AccidentCaseWorkflow

TASK_TIMEOUT = timedelta(seconds=2)  # the SDK heartbeats a task at 80% of it


def slowed(name: str, seconds: float) -> Callable[[list[Callable[..., Any]]], list[Callable[..., Any]]]:
    """The activities with ``name`` made ``seconds`` slower."""

    def replace(fns: list[Callable[..., Any]]) -> list[Callable[..., Any]]:
        out = []
        for fn in fns:
            defn = activity._Definition.from_callable(fn)
            if defn is not None and defn.name == name:

                @functools.wraps(fn)
                async def slow(*args: Any, _fn: Callable[..., Any] = fn) -> Any:
                    await asyncio.sleep(seconds)
                    return await _fn(*args)

                del slow.__dict__["__temporal_activity_definition"]  # copied by wraps
                fn = activity.defn(name=name)(slow)
            out.append(fn)
        return out

    return replace


async def test_a_decision_whose_notice_outlives_its_task_replays(dev_env, wf_settings, wf_sessions):
    slow_notice = slowed("issue_notice", 2.5)
    async with running_worker(dev_env, wf_settings, wf_sessions, activities=slow_notice) as h:
        case = await h.start(task_timeout=TASK_TIMEOUT)
        await case.to_decision()
        await case.decide()
        history = await case.handle.fetch_history()
    # the decision (local activities only) was accepted in one task and completed in a later one
    types = [e.event_type for e in history.events]
    accepted = max(
        i for i, t in enumerate(types) if t == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED
    )
    done = max(
        i for i, t in enumerate(types) if t == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED
    )
    assert EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED in types[accepted:done]
    replayer = Replayer(workflows=[AccidentCaseWorkflow], data_converter=dev_env.client.data_converter)
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is None, str(result.replay_failure)
