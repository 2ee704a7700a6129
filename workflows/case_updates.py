"""What every group of update handlers shares, so that a step's handlers live beside its state.

A step's human updates are declared on a mixin derived from `CaseUpdates`, in the step's own
module; `AccidentCaseWorkflow` lists the mixin among its bases (temporalio collects the handlers
of base classes). A new step thus brings its commands and rules (a domain module: its refusal
codes with `domain.refusals.declare`, its SMS texts with `domain.sms_texts.declare`), its state
(a `StepState`, registered with `CaseState.add_step`, whose view appears in `CaseView.steps`), its
guards and handlers (here, answering with `return await self.answer()`), and one line in `run()`
where it takes place in the main line."""

from __future__ import annotations

from temporalio.exceptions import ApplicationError

from domain.messages import CaseView
from domain.models import Refusal
from workflows.case_state import CaseState
from workflows.effects import CaseEffects


def refused(refusal: Refusal) -> ApplicationError:
    """The error a refused update raises: the API answers with the status of the code's kind
    (domain.refusals) and this reason."""
    return ApplicationError(refusal.reason, refusal.model_dump(), type=refusal.code, non_retryable=True)


def allow(refusal: Refusal | None) -> None:
    """An update validator's verdict: a guard's refusal rejects the update."""
    if refusal is not None:
        raise refused(refusal)


class CaseUpdates:
    """Base of the handler mixins: the case's state and effects, and its view (the query)."""

    case: CaseState
    fx: CaseEffects

    def view(self) -> CaseView:
        raise NotImplementedError  # the workflow's query

    async def answer(self) -> CaseView:
        """What a handler returns: the view, once the step's timeline entries are written (the
        read model is batched: the caller reads it next and must see the step it caused)."""
        await self.fx.written()
        return self.view()
