"""GET /admin/stuck-cases: the running cases an operator must look at, from Temporal's visibility
(the StuckActivities search attribute the workflow sets after waiting on a failing activity;
workflows/activity_calls.py), with no personal data."""

from __future__ import annotations

import asyncio
import uuid

from temporalio.common import SearchAttributePair, TypedSearchAttributes

from domain.messages import WORKFLOW_NAME, workflow_id_for
from tests.api.conftest import Api
from workflows import search_attributes as sa


async def test_a_case_waiting_on_a_failing_activity_is_listed_for_operators(api: Api) -> None:
    client = await api.kc.temporal.client()
    number = f"LZSTUCK-{uuid.uuid4().hex[:8]}"
    # a case as the workflow marks it (no worker polls this queue: it stays running as started)
    handle = await client.start_workflow(
        WORKFLOW_NAME,
        id=workflow_id_for(number),
        task_queue=f"nobody-{uuid.uuid4()}",
        search_attributes=TypedSearchAttributes(
            [
                SearchAttributePair(sa.STUCK_ACTIVITIES, ["issue_notice"]),
                SearchAttributePair(sa.CASE_STATUS, "awaiting_decision"),
            ]
        ),
    )
    try:
        assert (await api.client.get("/admin/stuck-cases", headers=api.token("seat"))).status_code == 403
        listed: list[dict[str, object]] = []
        for _ in range(100):  # visibility is eventually consistent
            r = await api.client.get("/admin/stuck-cases", headers=api.token("admin"))
            assert r.status_code == 200, r.text
            listed = [c for c in r.json() if c["case_number"] == number]
            if listed:
                break
            await asyncio.sleep(0.1)
        assert listed and listed[0]["stuck_activities"] == ["issue_notice"]
        assert listed[0]["status"] == "awaiting_decision" and listed[0]["task_failing"] is False
    finally:
        await handle.terminate("test over")
