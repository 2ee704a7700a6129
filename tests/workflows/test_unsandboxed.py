"""The worker without the SDK's sandbox (KUAICHU_WORKFLOW_SANDBOX=false, as docker-compose runs
it): a case takes the same steps, sends the same SMS and ends the same as under the sandbox,
with which every other test and the replay of every recorded history run."""

from __future__ import annotations

from temporalio.worker import UnsandboxedWorkflowRunner
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner

from tests import case_factory
from tests.workflows.harness import running_worker
from worker import workflow_runner


async def _walk(dev_env, settings, sessions) -> tuple[list[str], list[str], str]:
    async with running_worker(dev_env, settings, sessions) as h:
        case = await h.start(case_factory.alert(h.settings, ("ok_picc", "ok_picc")))
        view = await case.to_served("P1", "P2")
        return await case.timeline(), [s.template for s in await case.sms()], view.status


async def test_a_case_walks_the_same_without_the_sandbox(dev_env, wf_settings, wf_sessions):
    assert isinstance(workflow_runner(wf_settings.workflow_sandbox), SandboxedWorkflowRunner)
    unsandboxed = wf_settings.model_copy(update={"workflow_sandbox": False})
    assert isinstance(workflow_runner(unsandboxed.workflow_sandbox), UnsandboxedWorkflowRunner)

    sandboxed_walk = await _walk(dev_env, wf_settings, wf_sessions)
    unsandboxed_walk = await _walk(dev_env, unsandboxed, wf_sessions)
    assert unsandboxed_walk == sandboxed_walk
    assert sandboxed_walk[2] == "served" and "notice_issued" in sandboxed_walk[0]
