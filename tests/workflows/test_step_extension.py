"""A new human step needs no change to the case's core shapes: this test adds one the way a real
step is added (DESIGN.md §1's "the parties agree liability themselves and each signs"), from its
own two parts — a domain part (command, refusal code, SMS text, view) and a workflow part (state,
guard, handler mixin) — plus the one line in the workflow that composes it. The case then shows
the step's view, refuses with the step's code (with the status of its kind), and sends its SMS
exactly once per party."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import Field
from temporalio import workflow
from temporalio.client import WorkflowUpdateFailedError

from domain import refusals, sms_texts
from domain.messages import Actor, CaseInput, CaseTimers, CaseView, StepView, workflow_id_for
from domain.models import CaseStatus, Model, Refusal
from tests import case_factory
from tests.workflows.harness import Case, citizen, eventually, running_worker
from workflows.case_state import CaseState
from workflows.case_updates import CaseUpdates, allow
from workflows.case_workflow import AccidentCaseWorkflow

# --- the step's domain part (in a real step: domain/agreement.py)

NOT_SIGNABLE = refusals.declare(
    "TEST_AGREEMENT_NOT_SIGNABLE", refusals.Kind.CONFLICT, "现在不能签署责任协议：证据尚未固定。"
)
AGREEMENT_SIGNED = sms_texts.declare("test_agreement_signed", "案件{case_number}：您已签署事故责任协议。")


class SignAgreement(Model):
    actor: Actor


class AgreementView(StepView):
    signed_by: list[str] = Field(default_factory=list)


# --- the step's workflow part (in a real step: workflows/agreement.py)


class Agreement:
    name = "agreement"

    def __init__(self) -> None:
        self.signed_by: list[str] = []

    def view(self) -> StepView:
        return AgreementView(signed_by=list(self.signed_by))


def may_sign(case: CaseState, cmd: SignAgreement) -> Refusal | None:
    if case.status != CaseStatus.AWAITING_DECISION:
        return NOT_SIGNABLE.refusal()
    return None


class AgreementUpdates(CaseUpdates):
    @workflow.update
    async def sign_agreement(self, cmd: SignAgreement) -> CaseView:
        step = self.case.steps["agreement"]
        assert isinstance(step, Agreement)
        step.signed_by.append(cmd.actor.id)
        party = self.case.parties[cmd.actor.id]
        await self.fx.sms(party, AGREEMENT_SIGNED, "agreement-signed")
        await self.fx.record("agreement_signed", cmd.actor)
        return await self.answer()

    @sign_agreement.validator
    def _validate_sign_agreement(self, cmd: SignAgreement) -> None:
        allow(may_sign(self.case, cmd))


# --- the composition (in a real step: a base class and a line in AccidentCaseWorkflow)


@workflow.defn(name="CaseWithAgreement", sandboxed=False)  # defined in a test module
class CaseWithAgreement(AgreementUpdates, AccidentCaseWorkflow):
    @workflow.init
    def __init__(self, inp: CaseInput) -> None:
        super().__init__(inp)
        self.case.add_step(Agreement())

    @workflow.run
    async def run(self, inp: CaseInput) -> CaseView:
        return await super().run(inp)


async def test_a_step_declared_in_its_own_modules_runs_in_the_case(
    dev_env: Any, wf_settings: Any, wf_sessions: Any
) -> None:
    async with running_worker(dev_env, wf_settings, wf_sessions, workflows=[CaseWithAgreement]) as h:
        number = case_factory.new_case_number()
        handle = await dev_env.client.start_workflow(
            "CaseWithAgreement",
            CaseInput(case_number=number, alert=case_factory.alert(h.settings), timers=CaseTimers()),
            id=workflow_id_for(number),
            task_queue=h.queue,
            result_type=CaseView,
        )
        case = Case(h, number, handle)
        h.cases.append(case)

        async def eligible() -> bool:
            return "alert_received" in await case.timeline()

        await eventually(eligible)

        # too early: refused with the step's own code, which the API answers with its kind's status
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await handle.execute_update("sign_agreement", SignAgreement(actor=citizen("P1")))
        assert getattr(refused.value.cause, "type", "") == NOT_SIGNABLE.code
        from api.errors import code_for, status_of

        assert status_of(code_for(NOT_SIGNABLE.code)) == 409

        await case.to_decision()
        view = await handle.execute_update(
            "sign_agreement", SignAgreement(actor=citizen("P1")), result_type=CaseView
        )
        assert AgreementView.model_validate(view.steps["agreement"].model_dump()).signed_by == ["P1"]
        # the step's view is in the query and in the read model's snapshot alike
        assert (await case.view()).steps["agreement"].model_dump() == {"signed_by": ["P1"]}

        async def sms_sent() -> bool:
            return [s.template for s in await case.sms()].count(AGREEMENT_SIGNED) == 1

        await eventually(sms_sent)
        assert "agreement_signed" in await case.timeline()
