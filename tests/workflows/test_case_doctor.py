"""The case doctor's choice of reset point (activities/case_doctor.py), on synthetic histories."""

from __future__ import annotations

from temporalio.api.enums.v1 import EventType, WorkflowTaskFailedCause
from temporalio.api.failure.v1 import Failure
from temporalio.api.history.v1 import HistoryEvent, WorkflowTaskFailedEventAttributes

from activities.case_doctor import reset_point
from domain.activity_contracts import DECLARATIONS, heal_stuck_cases

NDE = WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_NON_DETERMINISTIC_ERROR


def _completed(event_id: int) -> HistoryEvent:
    return HistoryEvent(event_id=event_id, event_type=EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED)


def _failed(event_id: int, cause: WorkflowTaskFailedCause.ValueType, message: str) -> HistoryEvent:
    return HistoryEvent(
        event_id=event_id,
        event_type=EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED,
        workflow_task_failed_event_attributes=WorkflowTaskFailedEventAttributes(
            cause=cause, failure=Failure(message=message)
        ),
    )


def test_resets_to_the_task_before_the_disputed_event() -> None:
    message = "[TMPRL1100] Nondeterminism error: Update machine does not handle this event: HistoryEvent(id: 89, ActivityTaskScheduled)"
    newest_first = [_failed(204, NDE, message), _completed(197), _completed(88), _completed(72)]
    assert reset_point(newest_first) == (88, message[:200])


def test_without_an_event_id_the_case_runs_again_from_its_first_task() -> None:
    message = "Nondeterminism error: Activity type of scheduled event 'a' does not match 'b'"
    newest_first = [_failed(50, NDE, message), _completed(44), _completed(30), _completed(4)]
    assert reset_point(newest_first) == (4, message)


def test_other_failures_are_left_to_operators() -> None:
    other = WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_WORKFLOW_WORKER_UNHANDLED_FAILURE
    assert reset_point([_failed(60, other, "boom"), _completed(55)]) is None
    assert reset_point([_completed(55)]) is None


def test_the_doctor_is_a_declared_activity() -> None:
    assert heal_stuck_cases in DECLARATIONS
