"""The case doctor's activity: find case workflows whose workflow task keeps failing, reset those
that fail on a replay nondeterminism, and list the rest for operators (workflows/case_doctor.py
says why). Each reset is written to the case's timeline."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity
from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.enums.v1 import (
    EventType,
    ResetReapplyType,
    WorkflowTaskFailedCause,
)
from temporalio.api.history.v1 import HistoryEvent
from temporalio.api.workflowservice.v1 import (
    GetWorkflowExecutionHistoryReverseRequest,
    ResetWorkflowExecutionRequest,
)
from temporalio.client import Client

from activities.declared import implements
from db import repository
from db.session import write_session
from domain import activity_contracts as act

log = logging.getLogger("kuaichu.case_doctor")
DOCTOR = "case-doctor"
# "[TMPRL1100] Nondeterminism error: ... HistoryEvent(id: 89, ActivityTaskScheduled)"
EVENT_ID = re.compile(r"HistoryEvent\(id: (\d+)")
NONDETERMINISTIC = WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_NON_DETERMINISTIC_ERROR
TASK_COMPLETED = EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED
TASK_FAILED = EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED


def reset_point(events_newest_first: list[HistoryEvent]) -> tuple[int, str] | None:
    """(the workflow task to reset to, why) when the newest task failure is a nondeterminism:
    the last completed workflow task before the event replay disagreed with; when the message
    names no event, the first workflow task (the case runs again from its start, every signal
    and update reapplied). None for any other failure."""
    failed = next((e for e in events_newest_first if e.event_type == TASK_FAILED), None)
    if failed is None or failed.workflow_task_failed_event_attributes.cause != NONDETERMINISTIC:
        return None
    message = failed.workflow_task_failed_event_attributes.failure.message
    completed = [e.event_id for e in events_newest_first if e.event_type == TASK_COMPLETED]
    match = EVENT_ID.search(message)
    if match:
        before = [c for c in completed if c < int(match[1])]
        return (max(before), message[:200]) if before else None
    return (min(completed), message[:200]) if completed else None


class CaseDoctorActivities:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    @property
    def _client(self) -> Client:
        return activity.client()  # the worker's own client: same server, namespace, converter

    @implements(act.heal_stuck_cases)
    async def heal_stuck_cases(self, request: act.HealRequest) -> act.HealReport:
        report = act.HealReport()
        query = act.reported_problems_query(request.workflow_type)
        async for wf in self._client.list_workflows(query, limit=request.max_cases):
            if await self._heal(wf.id, wf.run_id):
                report.healed.append(wf.id)
            else:
                report.attention.append(wf.id)
        return report

    async def _heal(self, workflow_id: str, run_id: str) -> bool:
        execution = WorkflowExecution(workflow_id=workflow_id, run_id=run_id)
        service = self._client.workflow_service
        history = await service.get_workflow_execution_history_reverse(
            GetWorkflowExecutionHistoryReverseRequest(
                namespace=self._client.namespace, execution=execution, maximum_page_size=1000
            )
        )
        point = reset_point(list(history.history.events))
        if point is None:
            return False
        event_id, why = point
        reason = f"{DOCTOR}: replay nondeterminism, reset to workflow task {event_id}"
        reset = await service.reset_workflow_execution(
            ResetWorkflowExecutionRequest(
                namespace=self._client.namespace,
                workflow_execution=execution,
                reason=reason,
                workflow_task_finish_event_id=event_id,
                request_id=f"{DOCTOR}-{run_id}-{event_id}",  # one reset per fault, however often asked
                reset_reapply_type=ResetReapplyType.RESET_REAPPLY_TYPE_ALL_ELIGIBLE,
            )
        )
        log.warning("reset %s to workflow task %d (new run %s)", workflow_id, event_id, reset.run_id)
        await self._audit(workflow_id, run_id, reset.run_id, event_id, why)
        return True

    async def _audit(self, workflow_id: str, old_run: str, new_run: str, event_id: int, why: str) -> None:
        case_number = workflow_id.removeprefix("case-")
        async with write_session(self._sessions) as session:
            if await repository.get_case(session, case_number) is None:
                return  # not a case of the read model (the reset is in Temporal's own history)
            await repository.append_timeline(
                session,
                case_number,
                "system",
                DOCTOR,
                "case_healed",
                {"reset_to_event": event_id, "old_run": old_run, "new_run": new_run, "cause": why},
                step_key=f"{workflow_id}/{old_run}/doctor-{event_id}",  # once per fault
                at=datetime.now(UTC),
            )
