"""Replays histories recorded from real runs (tests/histories/, recorded with
KUAICHU_RECORD_HISTORIES=1 pytest tests/workflows) with the worker's converter: a change to the
workflow that would break open cases fails here (use workflow.patched for such changes). Each
patch must have been taken in at least one recording, or its new branch is never replayed."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from codec import EncryptionCodec, data_converter, parse_keys
from tests.temporal_env import TEST_CONVERTER
from tests.workflows.harness import HISTORIES
from workflows import patches
from workflows.case_workflow import AccidentCaseWorkflow

WORKFLOWS = Path(__file__).resolve().parents[2] / "workflows"
FILES = sorted(HISTORIES.glob("*.json"))


def _history(path: Path) -> WorkflowHistory:
    return WorkflowHistory.from_json(path.stem, path.read_text())


def patch_ids_in_code() -> set[str]:
    """Every id passed to patched in workflows/ (literal strings only: an id must be greppable in
    the code and in the histories alike), and the baseline (workflows/patches.py asks both)."""
    ids: set[str] = {name for name, _ in patches.BASELINES}
    for path in WORKFLOWS.rglob("*.py"):
        if path.name == "patches.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("patched", "deprecate_patch")
            ):
                arg = node.args[0]
                assert isinstance(arg, ast.Constant) and isinstance(arg.value, str), (
                    f"{path.name}:{node.lineno}: a patch id must be a string literal"
                )
                ids.add(arg.value)
    return ids


def patch_ids_in_history(history: WorkflowHistory) -> set[str]:
    ids = set()
    for event in history.events:
        marker = event.marker_recorded_event_attributes
        if event.HasField("marker_recorded_event_attributes") and marker.marker_name == "core_patch":
            ids.add(json.loads(marker.details["patch-data"].payloads[0].data)["id"])
    return ids


def test_there_are_recorded_histories():
    assert len(FILES) >= 4, "record the histories: KUAICHU_RECORD_HISTORIES=1 pytest tests/workflows"


@pytest.mark.parametrize("path", FILES, ids=[f.stem for f in FILES])
async def test_recorded_history_replays_with_the_current_workflow(path: Path):
    replayer = Replayer(workflows=[AccidentCaseWorkflow], data_converter=TEST_CONVERTER)
    result = await replayer.replay_workflow(_history(path), raise_on_replay_failure=False)
    assert result.replay_failure is None, f"{path.name}: {result.replay_failure}"


def patches_taken(history: WorkflowHistory) -> set[str]:
    """Its patch markers, and the patches its baseline covers (taken without a marker)."""
    ids = patch_ids_in_history(history)
    return ids.union(*(covered for name, covered in patches.BASELINES if name in ids))


def test_every_patch_was_taken_in_some_recorded_history():
    in_code = patch_ids_in_code()
    assert len(in_code) >= 4  # the scan found the workflow's patches
    taken = set().union(*(patches_taken(_history(f)) for f in FILES))
    assert sorted(in_code - taken) == [], "record fresh histories (see tests/workflows/harness.py)"


def test_each_baseline_covers_patches_the_code_asks_and_those_of_the_one_before():
    in_code = patch_ids_in_code()
    for (_, newer), (_, older) in zip(patches.BASELINES, patches.BASELINES[1:], strict=False):
        assert older <= newer
    for _, covered in patches.BASELINES:
        assert covered <= in_code


KNOWN_BUGS = HISTORIES / "known_bugs"


@pytest.mark.xfail(strict=True, reason="known bug (issue 14, session 9): see the docstring")
async def test_an_update_whose_local_activities_outlived_its_workflow_task_replays():
    """Recorded by bench/memory.py at ~1,000 open cases on a saturated worker (simulated people;
    the payloads are under that run's throwaway key, beside the file). The officer's decision was
    accepted in a workflow task whose local activities outlived it, after an attempt of that task
    had timed out; the SDK completed the task and went on in the next (events 133-151). The
    search attributes of an activation are upserted when its coroutines settle
    (workflows/effects.py, patch search-attributes-once-per-task); on replay the update completes
    before the second upsert (event 149) and the replay fails: "Update machine does not handle
    this event: UpsertWorkflowSearchAttributes". Such a case cannot be woken after eviction. The
    same shape without the timed-out attempt replays (test_long_local_activities.py).

    On replay the SDK resolved send_sms_batch and record_step in one activation where the live
    run had resolved them in two; the settling upsert then came after the update's answer
    instead of before it. Cases started with the 2026-12-02 baseline upsert at once, in the
    program order of the coroutine that changed the state (search-attributes-in-program-order),
    which no grouping of resolutions moves. This history was recorded before that and keeps
    failing: a case like it needs a reset to its last good workflow task (the case doctor)."""
    keys, current = parse_keys((KNOWN_BUGS / "update_across_a_heartbeat_task.keys").read_text().strip())
    converter = data_converter(EncryptionCodec(keys, current))
    history = _history(KNOWN_BUGS / "update_across_a_heartbeat_task.json")
    replayer = Replayer(workflows=[AccidentCaseWorkflow], data_converter=converter)
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is None, str(result.replay_failure)
