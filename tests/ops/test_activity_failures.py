"""The worker interceptor on a real (time-skipping) Temporal server: an activity's failed attempts
are counted by activity and error type, and the request id set where the workflow was started
reaches the activity through the Temporal headers."""

from __future__ import annotations

import uuid
from datetime import timedelta

from prometheus_client import REGISTRY
from temporalio import activity, workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ApplicationError
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

from observability.request_id import request_id
from observability.temporal_context import ObservabilityWorkerInterceptor, client_with_request_id
from tests.temporal_env import start_time_skipping

ACTIVITY = "ops_test_flaky_upstream"


@activity.defn(name=ACTIVITY)
async def flaky_upstream() -> str:
    if activity.info().attempt < 3:
        raise ApplicationError("upstream answered 503", type="UPSTREAM_DOWN")
    return request_id.get()


@workflow.defn(name="OpsTestFlaky")
class FlakyWorkflow:
    @workflow.run
    async def run(self) -> str:
        return await workflow.execute_activity(
            flaky_upstream,
            start_to_close_timeout=timedelta(seconds=10),
            retry_policy=RetryPolicy(initial_interval=timedelta(milliseconds=10), maximum_attempts=5),
        )


def _failures() -> float:
    labels = {"activity_type": ACTIVITY, "error_type": "UPSTREAM_DOWN"}
    return REGISTRY.get_sample_value("kuaichu_activity_failures_total", labels) or 0.0


async def test_failed_attempts_are_counted_and_the_request_id_reaches_the_activity() -> None:
    env = await start_time_skipping()
    try:
        queue = f"ops-failures-{uuid.uuid4().hex[:8]}"
        before = _failures()
        async with Worker(
            env.client,
            task_queue=queue,
            workflows=[FlakyWorkflow],
            activities=[flaky_upstream],
            interceptors=[ObservabilityWorkerInterceptor()],
            workflow_runner=UnsandboxedWorkflowRunner(),  # a test workflow: no sandbox needed
        ):
            token = request_id.set("rid-from-the-api")
            try:
                result = await client_with_request_id(env.client).execute_workflow(
                    FlakyWorkflow.run, id=f"ops-failures-{uuid.uuid4().hex[:8]}", task_queue=queue
                )
            finally:
                request_id.reset(token)
        assert result == "rid-from-the-api"
        assert _failures() - before == 2  # attempts 1 and 2; the third succeeded
    finally:
        await env.shutdown()
