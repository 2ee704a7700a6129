"""The bare-Temporal floor: a workflow of the same shape as a walked kuaichu case (the same
number of activities, local activities, updates and timers, in the same order) with no-op
activity bodies, no database, no codec and tiny payloads, driven straight through a Temporal
client. bench/load.py runs it in the same invocation as the real cases, alternated, on the same
dev server; the ratio of the two is what the system costs over Temporal itself.

    python bench/floor.py --cases 200 --concurrency 50      # alone, on its own dev server
    python bench/floor.py worker --address 127.0.0.1:7233 --task-queue floor   # load.py starts this

SHAPE mirrors a two-vehicle case walked alert → decision → both receipts → both claims. bench/load.py
takes the shape from the history of a case it walked in its warm-up (`shape_of`), so the floor
follows the case as the case changes; SHAPE is what that gave on 2026-12-01, for the floor alone."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from temporalio import activity, workflow
from temporalio.client import Client

LOCAL_ACTIVITY_MARKER = "core_local_activity"  # the SDK's marker of a local activity's result


@dataclass
class Step:
    """One update: the activities and local activities it (or the main line it wakes) runs."""

    name: str
    activities: int = 0
    local: int = 0


@dataclass
class Shape:
    start_activities: int = 0  # in the main line before the first update
    start_local: int = 0
    steps: list[Step] = field(default_factory=list)
    timers: int = 0  # timers started (waits with a deadline); the last one stays open
    all_local: bool = False  # the variant with every activity local


# A walked case (alert → claims) as shape_of read it from a walked case's history on 2026-12-01
# (the alert's first update is accepted in the workflow's first task, so the start has nothing)
SHAPE = Shape(
    steps=[
        Step("issue_video_token", activities=2, local=4),
        Step("accept_call", local=2),
        Step("issue_video_token_2", activities=1, local=1),
        *[Step("add_evidence" if i == 1 else f"add_evidence_{i}", local=1) for i in range(1, 7)],
        Step("tick_safety", local=1),
        Step("record_scene", local=1),
        Step("complete_collection", activities=3, local=4),
        Step("decide", local=5),
        Step("confirm_receipt", activities=1, local=1),
        Step("confirm_receipt_2", activities=1, local=1),
        Step("file_claim", activities=1, local=2),
        Step("file_claim_2", activities=1, local=2),
    ],
    timers=6,
)


def shape_of(events: list[Any]) -> Shape:
    """The shape of a case's history: per update accepted, the activities scheduled and the
    local activities recorded until the next update (the update's own and the main line's it
    woke); patch markers are not counted (the floor has no patches)."""
    from temporalio.api.enums.v1 import EventType

    shape = Shape()
    step: Step | None = None
    seen: dict[str, int] = {}
    for e in events:
        kind = e.event_type
        if kind == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
            name = e.workflow_execution_update_accepted_event_attributes.accepted_request.input.name
            seen[name] = seen.get(name, 0) + 1
            step = Step(name if seen[name] == 1 else f"{name}_{seen[name]}")  # its timings apart
            shape.steps.append(step)
        elif kind == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            if step is None:
                shape.start_activities += 1
            else:
                step.activities += 1
        elif kind == EventType.EVENT_TYPE_MARKER_RECORDED:
            if e.marker_recorded_event_attributes.marker_name != LOCAL_ACTIVITY_MARKER:
                continue
            if step is None:
                shape.start_local += 1
            else:
                step.local += 1
        elif kind == EventType.EVENT_TYPE_TIMER_STARTED:
            shape.timers += 1
    return shape


NOOP = "bench_noop"
NOOP_LOCAL = "bench_noop_local"


@activity.defn(name=NOOP)
async def noop(_: str) -> str:
    return "ok"


@activity.defn(name=NOOP_LOCAL)
async def noop_local(_: str) -> str:
    return "ok"


@workflow.defn(name="BenchFloorCase")
class FloorCase:
    @workflow.init
    def __init__(self, shape: Shape) -> None:
        self.shape = shape
        self.done = 0

    async def _run(self, activities: int, local: int) -> None:
        for _ in range(activities):
            if self.shape.all_local:
                await workflow.execute_local_activity(
                    NOOP_LOCAL, "x", start_to_close_timeout=timedelta(seconds=10)
                )
            else:
                await workflow.execute_activity(NOOP, "x", start_to_close_timeout=timedelta(seconds=30))
        for _ in range(local):
            await workflow.execute_local_activity(
                NOOP_LOCAL, "x", start_to_close_timeout=timedelta(seconds=10)
            )

    @workflow.run
    async def run(self, shape: Shape) -> int:
        await self._run(shape.start_activities, shape.start_local)
        n = len(shape.steps)
        # the timers: spread over the updates like the case's deadlines; the last one stays open
        bounds = [max(1, round(n * (i + 1) / max(1, shape.timers - 1))) for i in range(shape.timers - 1)]
        for bound in bounds:
            try:
                await workflow.wait_condition(lambda b=bound: self.done >= b, timeout=timedelta(hours=1))
            except TimeoutError:
                pass
        if shape.timers:
            try:
                await workflow.wait_condition(lambda: False, timeout=timedelta(days=3))
            except TimeoutError:
                pass
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.done

    @workflow.update
    async def step(self, index: int) -> int:
        s = self.shape.steps[index]
        await self._run(s.activities, s.local)
        self.done += 1
        return self.done


# --------------------------------------------------------------------------- driver and worker


async def walk(client: Client, task_queue: str, case_id: str, shape: Shape = SHAPE) -> dict[str, float]:
    """One floor case: started, then its updates one after the other; ms per update name."""
    timings: dict[str, float] = {}
    t = time.perf_counter()
    handle = await client.start_workflow(FloorCase.run, shape, id=case_id, task_queue=task_queue)
    timings["start"] = (time.perf_counter() - t) * 1000
    for i, s in enumerate(shape.steps):
        t = time.perf_counter()
        await handle.execute_update(FloorCase.step, i)
        timings[s.name] = (time.perf_counter() - t) * 1000
    return timings


async def run_worker(address: str, task_queue: str) -> None:
    import signal

    from temporalio.worker import Worker

    client = await Client.connect(address)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with Worker(
        client,
        task_queue=task_queue,
        workflows=[FloorCase],
        activities=[noop, noop_local],
        max_cached_workflows=2000,
    ):
        await stop.wait()


def main() -> None:
    import argparse
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    sys.path.insert(0, str(root))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="cmd")
    w = sub.add_parser("worker")
    w.add_argument("--address", required=True)
    w.add_argument("--task-queue", required=True)
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--all-local", action="store_true", help="every activity a local activity")
    args = parser.parse_args()
    if args.cmd == "worker":
        asyncio.run(run_worker(args.address, args.task_queue))
        return
    from bench.load import standalone_floor

    asyncio.run(standalone_floor(args.cases, args.concurrency, args.all_local))


if __name__ == "__main__":
    main()
