"""A minimal workflow for the adapter fault tests: one activity by name with the case
workflow's retry shape (unlimited attempts, backoff), so that retries are the server's."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

from domain import activity_contracts as act
from domain.messages import ClaimResult

RETRY = RetryPolicy(initial_interval=timedelta(milliseconds=100), maximum_interval=timedelta(seconds=1))


@workflow.defn(sandboxed=False)
class OneStepWorkflow:
    @workflow.run
    async def run(self, step: str, payload: dict) -> dict:
        kinds = {
            act.FILE_CLAIM: (act.ClaimRequest, ClaimResult),
            act.SEND_SMS: (act.SmsRequest, act.SmsResult),
        }
        request_type, result_type = kinds[step]
        result = await workflow.execute_activity(
            step,
            request_type.model_validate(payload),
            result_type=result_type,
            start_to_close_timeout=timedelta(seconds=5),
            retry_policy=RETRY,
        )
        return result.model_dump(mode="json")
