"""Sandbox benchmark: CPU milliseconds to replay the recorded histories (tests/histories/) with
the worker's workflow runner, the SDK's default sandbox and no sandbox, alternated in one run.
A replay builds a new sandbox and runs every activation of one case, as the worker does for each
case it starts or wakes from outside its cache.

    python bench/sandbox.py [--rounds 3]

Ends with: RESULT worker_ms=… default_ms=… unsandboxed_ms=… (per history, the median round)
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from temporalio.client import WorkflowHistory  # noqa: E402
from temporalio.worker import Replayer, UnsandboxedWorkflowRunner, WorkflowRunner  # noqa: E402
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner  # noqa: E402

from tests.temporal_env import TEST_CONVERTER  # noqa: E402
from worker import WORKFLOWS, workflow_runner  # noqa: E402

HISTORIES = sorted((ROOT / "tests" / "histories").glob("*.json"))


async def replay_all(runner: WorkflowRunner, histories: list[WorkflowHistory]) -> float:
    """CPU ms per history (process time: the other engineers' load does not count)."""
    replayer = Replayer(workflows=WORKFLOWS, data_converter=TEST_CONVERTER, workflow_runner=runner)
    start = time.process_time()
    for h in histories:
        result = await replayer.replay_workflow(h, raise_on_replay_failure=False)
        assert result.replay_failure is None, result.replay_failure
    return (time.process_time() - start) * 1000 / len(histories)


async def main(rounds: int) -> None:
    histories = [WorkflowHistory.from_json(p.stem, p.read_text()) for p in HISTORIES]
    runners: dict[str, WorkflowRunner] = {
        "worker": workflow_runner(),
        "default": SandboxedWorkflowRunner(),
        "unsandboxed": UnsandboxedWorkflowRunner(),
    }
    for runner in runners.values():  # warm-up: imports, first sandbox
        await replay_all(runner, histories[:1])
    times: dict[str, list[float]] = {name: [] for name in runners}
    for _ in range(rounds):
        for name, runner in runners.items():
            times[name].append(await replay_all(runner, histories))
    for name, ms in times.items():
        print(
            f"{name:12} {' '.join(f'{m:6.1f}' for m in ms)}  ms CPU per history ({len(histories)} histories)"
        )
    med = {name: statistics.median(ms) for name, ms in times.items()}
    print(
        f"RESULT worker_ms={med['worker']:.1f} default_ms={med['default']:.1f} unsandboxed_ms={med['unsandboxed']:.1f}"
    )


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rounds", type=int, default=3)
    asyncio.run(main(p.parse_args().rounds))
