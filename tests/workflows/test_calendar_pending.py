"""A receipt or service record whose review deadline falls in a year without holiday data answers
at once (the party is served; the deadline is pending), the case shows as stuck for the operators,
a review may still be requested, and the deadline is settled once an administrator loads the year
(workflows/service.py). Before, the update waited for the calendar and the citizen's request
timed out."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.workflowservice.v1 import DescribeWorkflowExecutionRequest
from temporalio.testing import WorkflowEnvironment

from db import repository
from domain import activity_contracts as act
from domain.calendar import official_years
from domain.messages import ReviewRequest
from domain.models import CaseStatus
from settings import Settings
from tests.seeded_db import seeded_sessions
from tests.workflows.harness import Case, citizen, eventually, running_worker
from workflows import search_attributes as sa
from workflows.case_workflow import AccidentCaseWorkflow
from workflows.effects import CALENDAR_RECHECK

ANSWER_WITHIN_S = 20  # a step a citizen waits on; the calendar's hourly recheck is far longer


@pytest.fixture
async def no_calendar(
    wf_settings: Settings, tmp_path: Path
) -> AsyncIterator[tuple[Settings, async_sessionmaker[AsyncSession]]]:
    """A database of its own: the shared one may hold a year another test loaded."""
    settings = wf_settings.model_copy(update={"database_url": f"sqlite+aiosqlite:///{tmp_path / 'cal.db'}"})
    async with seeded_sessions(settings.effective_database_url) as sessions:
        yield settings, sessions


async def _to_year_end(env: WorkflowEnvironment) -> int:
    """To 29 December: three working days after a receipt then lie in the next year."""
    now = await env.get_current_time()
    missing = now.year + 1
    if missing in official_years():
        pytest.skip(f"chinese_calendar covers {missing}: no missing year to serve into")
    await env.sleep(datetime(now.year, 12, 29, 2, 0, tzinfo=UTC) - now)
    return missing


async def _stuck(case: Case) -> list[str]:
    # the raw attribute: the time-skipping server's datetime attributes do not decode as typed ones
    client = case.harness.env.client
    described = await client.workflow_service.describe_workflow_execution(
        DescribeWorkflowExecutionRequest(
            namespace=client.namespace, execution=WorkflowExecution(workflow_id=case.handle.id)
        )
    )
    fields = described.workflow_execution_info.search_attributes.indexed_fields
    payload = fields.get(sa.STUCK_ACTIVITIES.name)
    return json.loads(payload.data) if payload is not None and payload.data else []


async def test_receipts_answer_at_once_and_the_deadline_is_settled_when_the_year_is_loaded(
    ts_env: WorkflowEnvironment, no_calendar: tuple[Settings, async_sessionmaker[AsyncSession]]
) -> None:
    settings, sessions = no_calendar
    year = await _to_year_end(ts_env)
    async with running_worker(ts_env, settings, sessions) as h:
        case = await h.start()
        view = await asyncio.wait_for(case.to_served("P1", "P2"), ANSWER_WITHIN_S)
        assert [p.served_at is not None for p in view.parties] == [True, True]
        assert [(p.review_deadline, p.review_deadline_pending) for p in view.parties] == [(None, True)] * 2
        assert (await case.timeline()).count("calendar_year_missing") == 2
        assert await _stuck(case) == [act.working_days_deadline.name] * 2

        async with sessions.begin() as session:  # the administrator loads the year
            await repository.put_calendar_year(session, year, loaded_by="admin-test")
        await ts_env.sleep(CALENDAR_RECHECK + timedelta(minutes=1))

        async def settled() -> bool:
            parties = (await case.view()).parties
            return all(p.review_deadline is not None and not p.review_deadline_pending for p in parties)

        await eventually(settled)
        view = await case.view()
        assert view.status == CaseStatus.SERVED
        assert all(p.review_deadline and p.review_deadline.year == year for p in view.parties)
        assert "review_window" in {d.kind for d in view.deadlines}
        assert (await case.timeline()).count("calendar_year_loaded") == 2
        assert await _stuck(case) == []
        await case.keep_history("review_deadline_settled_after_calendar_loaded")


async def test_a_review_may_be_requested_while_the_deadline_waits_on_the_calendar(
    ts_env: WorkflowEnvironment, no_calendar: tuple[Settings, async_sessionmaker[AsyncSession]]
) -> None:
    settings, sessions = no_calendar
    await _to_year_end(ts_env)
    async with running_worker(ts_env, settings, sessions) as h:
        case = await h.start()
        await asyncio.wait_for(case.to_served("P1", "P2"), ANSWER_WITHIN_S)
        view = await asyncio.wait_for(
            case.handle.execute_update(
                AccidentCaseWorkflow.request_review,
                ReviewRequest(actor=citizen("P2"), reason_code="LIABILITY", text="不服"),
            ),
            ANSWER_WITHIN_S,
        )
        assert view.status == CaseStatus.UNDER_REVIEW

        async def released() -> bool:
            return "calendar_wait_ended" in await case.timeline() and await _stuck(case) == []

        await eventually(released)
        assert not any(p.review_deadline_pending for p in (await case.view()).parties)
        await case.keep_history("review_requested_while_deadline_pending")
