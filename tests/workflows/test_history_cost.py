"""What one walked case costs in its history: one "stuck" timer for the whole workflow (not one
beside each non-local activity), and the search attributes upserted once a workflow activation
(the accept's task: one upsert, not three), with the same values (workflows/activity_calls.py,
workflows/effects.py); one patch marker, the baseline (workflows/patches.py), and each step's
SMS to every party in one local activity. The test walks the same case again with those two
patches and the baseline off: the cost before them, for comparison."""

from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import WorkflowHistory
from temporalio.converter import decode_search_attributes
from temporalio.worker import PatchActivationInput

from domain.messages import CaseView
from tests.workflows.harness import Case, running_worker, stuck_timers
from workflows import patches
from workflows import search_attributes as sa

# the two patches, and the baseline that takes them (workflows/patches.py) without asking
CHEAPER = ("stuck-watch-one-timer", "search-attributes-once-per-task", patches.BASELINE)


def _before_cheaper(patch: PatchActivationInput) -> bool:
    return patch.patch_id not in CHEAPER


def _of_type(history: WorkflowHistory, kind: EventType.ValueType) -> list[HistoryEvent]:
    return [e for e in history.events if e.event_type == kind]


def _names(upsert: HistoryEvent) -> set[str]:
    return set(upsert.upsert_workflow_search_attributes_event_attributes.search_attributes.indexed_fields)


def _task(upsert: HistoryEvent) -> int:
    return upsert.upsert_workflow_search_attributes_event_attributes.workflow_task_completed_event_id


def _case_upserts(history: WorkflowHistory) -> list[HistoryEvent]:
    """The case's own upserts: each patch marker comes with one of TemporalChangeVersion."""
    upserts = _of_type(history, EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES)
    return [e for e in upserts if _names(e) - {"TemporalChangeVersion"}]


async def _assert_attributes_show(case: Case, view: CaseView) -> None:
    """The search attributes the history's upserts leave (the time-skipping server cannot
    describe a datetime attribute) show the view's status, seat and nearest deadline."""
    attrs: dict[str, Any] = {}
    for e in _case_upserts(await case.handle.fetch_history()):
        upserted = decode_search_attributes(
            e.upsert_workflow_search_attributes_event_attributes.search_attributes
        )
        attrs.update({name: values[0] if values else None for name, values in upserted.items()})
    assert attrs.get(sa.CASE_STATUS.name) == view.status.value
    assert attrs.get(sa.SEAT_ID.name) == (view.seat_id or None)
    nearest = min((d.at for d in view.deadlines), default=None)
    shown = attrs.get(sa.NEXT_DEADLINE.name)
    if nearest is None:
        assert shown is None
    else:
        assert shown is not None and abs(shown - nearest) < timedelta(seconds=1)


@pytest.mark.parametrize("cheaper", [True, False], ids=["cheaper", "before"])
async def test_a_walked_case_has_one_stuck_timer_and_one_upsert_in_the_accept(
    ts_env, wf_settings, wf_sessions, cheaper: bool
):
    options = {} if cheaper else {"patch_activation_callback": _before_cheaper}
    async with running_worker(ts_env, wf_settings, wf_sessions, **options) as h:
        case = await h.start()
        # the accept: a new status, the seat's deadline dropped, the video's set (one task)
        view = await case.accept()
        await _assert_attributes_show(case, view)
        await case.collect_evidence()
        await case.complete()
        await case.decide()
        await case.confirm("P1")
        await case.confirm("P2")
        result = await case.result()
        await _assert_attributes_show(case, result)
        history = await case.handle.fetch_history()
    scheduled = len(_of_type(history, EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED))
    assert scheduled >= 3  # non-local calls: each had a timer of its own before
    upserts = _case_upserts(history)
    accept_task = _task(next(e for e in upserts if sa.SEAT_ID.name in _names(e)))
    in_accept = Counter(_task(e) for e in upserts)[accept_task]
    timers = await stuck_timers(ts_env, history)
    markers = _markers(history)
    if cheaper:
        assert (timers, in_accept) == (1, 1)
        # one patch marker, the baseline; each step's SMS to both parties in one local activity:
        # the reporter's alert alone, then the accept's, the leave's and the notice's
        assert markers["core_patch"] == 1
        assert (markers["send_sms"], markers["send_sms_batch"]) == (1, 3)
    else:
        assert (timers, in_accept) == (scheduled, 3)
        assert markers["core_patch"] >= 8
        assert (markers["send_sms"], markers["send_sms_batch"]) == (7, 0)


def _markers(history: WorkflowHistory) -> Counter[str]:
    """Patch markers, and local activities by type."""
    kinds: Counter[str] = Counter()
    for e in _of_type(history, EventType.EVENT_TYPE_MARKER_RECORDED):
        marker = e.marker_recorded_event_attributes
        if marker.marker_name == "core_patch":
            kinds["core_patch"] += 1
        else:
            kinds[json.loads(marker.details["data"].payloads[0].data)["activity_type"]] += 1
    return kinds
