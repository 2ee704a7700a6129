"""The fault tests with real Temporal retries: a worker on the time-skipping test server runs
file_claim / send_sms against stand-ins that fail the first attempts with 5xx and timeouts.
Exactly one claim at the insurer and one message at Twilio; a 4xx fails the workflow's step at
once (non-retryable) with the reason recorded."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import WorkflowFailureError
from temporalio.exceptions import ActivityError, ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.insurers import ClaimActivities
from db.models import ClaimRow, SmsRow
from domain import activity_contracts as act
from tests.adapters.helpers import claim_request, new_case
from tests.adapters.retry_workflow import OneStepWorkflow
from tests.adapters.sandbox_server import Fault, SandboxServer
from tests.adapters.test_insurers import PATHS, adapter, insurer_claims
from tests.adapters.test_sms_activity import activities as sms_activities
from tests.adapters.test_sms_activity import request as sms_request
from tests.adapters.twilio_standin import Fault as TwilioFault
from tests.adapters.twilio_standin import TwilioStandIn
from tests.temporal_env import start_time_skipping


@pytest.fixture(scope="module")
async def ts_env() -> AsyncIterator[WorkflowEnvironment]:
    env = await start_time_skipping()
    yield env
    await env.shutdown()


async def run_step(env: WorkflowEnvironment, activities: list, step: str, payload: dict) -> dict:
    queue = f"adapters-{uuid.uuid4().hex[:8]}"
    async with Worker(env.client, task_queue=queue, workflows=[OneStepWorkflow], activities=activities):
        return await env.client.execute_workflow(
            OneStepWorkflow.run, args=[step, payload], id=f"wf-{queue}", task_queue=queue
        )


async def test_claim_retried_by_the_server_files_once(
    ts_env: WorkflowEnvironment, sandbox_clean: SandboxServer, sessions: async_sessionmaker[AsyncSession]
) -> None:
    req = claim_request(await new_case(sessions), "ok_cpic")
    sandbox_clean.fail_next(
        PATHS["CPIC"], Fault("error", 502), Fault("hang_after", seconds=2), Fault("error", 503)
    )
    claims = ClaimActivities(sessions, {"CPIC": adapter("CPIC", sandbox_clean)})
    result = await run_step(ts_env, [claims.file_claim], act.FILE_CLAIM, req.model_dump(mode="json"))
    [row] = await insurer_claims(sessions, req.idempotency_key)
    assert result["claim_number"] == row.claim_number
    assert sandbox_clean.count(PATHS["CPIC"]) == 4


async def test_claim_4xx_fails_the_step_once(
    ts_env: WorkflowEnvironment, sandbox_clean: SandboxServer, sessions: async_sessionmaker[AsyncSession]
) -> None:
    req = claim_request(await new_case(sessions), "ok_picc", policy_number="DEMO-CPIC-2025-0002")
    claims = ClaimActivities(sessions, {"PICC": adapter("PICC", sandbox_clean)})
    with pytest.raises(WorkflowFailureError) as err:
        await run_step(ts_env, [claims.file_claim], act.FILE_CLAIM, req.model_dump(mode="json"))
    cause = err.value.cause
    assert isinstance(cause, ActivityError) and isinstance(cause.cause, ApplicationError)
    assert cause.cause.type == "CLAIM_REJECTED"
    assert sandbox_clean.count(PATHS["PICC"]) == 1
    async with sessions() as session:
        row = (
            await session.execute(sa.select(ClaimRow).where(ClaimRow.idempotency_key == req.idempotency_key))
        ).scalar_one()
    assert row.status == "rejected" and "DEMO-CPIC-2025-0002" in (row.last_error or "")


async def test_sms_retried_by_the_server_sends_once(
    ts_env: WorkflowEnvironment, twilio_standin: TwilioStandIn, sessions: async_sessionmaker[AsyncSession]
) -> None:
    twilio_standin.fail_next(
        "messages.create",
        TwilioFault("error", 500, 20500),
        TwilioFault("hang_after", seconds=2),
        TwilioFault("error", 429, 20429),
    )
    sms = sms_activities(twilio_standin, sessions)
    req = sms_request()
    result = await run_step(ts_env, [sms.send_sms], act.SEND_SMS, req.model_dump(mode="json"))
    [message] = twilio_standin.messages
    async with sessions() as session:
        row = (
            await session.execute(sa.select(SmsRow).where(SmsRow.idempotency_key == req.idempotency_key))
        ).scalar_one()
    assert result["status"] == "sent" and row.provider_message_id == message["sid"]
