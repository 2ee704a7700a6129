"""What one walked case costs in its history, by the patch baseline it started with
(workflows/patches.py): one patch marker, the baseline; each step's SMS to every party in one
local activity; the "stuck" watch's timer (workflows/activity_calls.py) cancelled once no call is
left to mark, so that an idle case is not woken ten minutes after its last call; the search
attributes upserted in the program order of the coroutine that changed them (workflows/effects.py),
with the same values. The same case walked with the 2026-12-01 baseline (one stuck timer left to
fire, one upsert an activation) and with none (a timer beside each call, every upsert), for
comparison."""

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

BASELINES = [name for name, _ in patches.BASELINES]
# what each generation leaves out: the newer baselines and the patches they added
NEWER = {
    "2026-12-02": (),
    "2026-12-01": (BASELINES[0], *(patches.BASELINES[0][1] - patches.BASELINES[1][1])),
    "none": (*BASELINES, "stuck-watch-one-timer", "search-attributes-once-per-task"),
}


def _without(left_out: tuple[str, ...]) -> Any:
    def activate(patch: PatchActivationInput) -> bool:
        return patch.patch_id not in left_out

    return activate


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


@pytest.mark.parametrize("baseline", list(NEWER))
async def test_what_a_walked_case_costs_by_baseline(ts_env, wf_settings, wf_sessions, baseline: str):
    left_out = NEWER[baseline]
    options = {"patch_activation_callback": _without(left_out)} if left_out else {}
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
    fired = await stuck_timers(ts_env, history, fired=True)
    markers = _markers(history)
    if baseline == "2026-12-02":
        # a timer a busy period, each cancelled when its calls ended: none fired, none pending
        assert 1 <= timers < scheduled and fired == 0
        assert len(_of_type(history, EventType.EVENT_TYPE_TIMER_CANCELED)) >= timers
        # the accept handler's status and seat; the main coroutine's dropped and new deadline
        assert in_accept == 3
    elif baseline == "2026-12-01":
        assert (timers, in_accept) == (1, 1)
    else:
        assert (timers, in_accept) == (scheduled, 3)
    if baseline == "none":
        assert markers["core_patch"] >= 8
        assert (markers["send_sms"], markers["send_sms_batch"]) == (7, 0)
    else:
        # one patch marker, the baseline; each step's SMS to both parties in one local activity:
        # the reporter's alert alone, then the accept's, the leave's and the notice's
        assert markers["core_patch"] == 1
        assert (markers["send_sms"], markers["send_sms_batch"]) == (1, 3)


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
