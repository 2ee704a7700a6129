"""Replays histories recorded from real runs (tests/histories/, recorded with
KUAICHU_RECORD_HISTORIES=1 pytest tests/workflows) with the worker's converter: a change to the
workflow that would break open cases fails here (use workflow.patched for such changes)."""

from __future__ import annotations

from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from tests.temporal_env import TEST_CONVERTER
from tests.workflows.harness import HISTORIES
from workflows.case_workflow import AccidentCaseWorkflow


async def test_recorded_histories_replay_with_the_current_workflow():
    files = sorted(HISTORIES.glob("*.json"))
    assert len(files) >= 4, "record the histories: KUAICHU_RECORD_HISTORIES=1 pytest tests/workflows"
    replayer = Replayer(workflows=[AccidentCaseWorkflow], data_converter=TEST_CONVERTER)
    for f in files:
        history = WorkflowHistory.from_json(f.stem, f.read_text())
        result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
        assert result.replay_failure is None, f"{f.name}: {result.replay_failure}"
