"""Races between updates that end or transform a case, on the dev server: each pair is sent at
once (both orders), exactly one wins and the other is refused with a conflict (409 at the API)
instead of being accepted and silently dropped; the case ends as the winner said."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from temporalio.client import WorkflowUpdateFailedError, WorkflowUpdateStage
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from domain import refusals as R
from domain.messages import (
    AcceptCall,
    Actor,
    Cancel,
    CompleteCollection,
    ConcludeReview,
    Decide,
    HandOff,
    Outcome,
    ReviewOutcome,
    ReviewRequest,
    Role,
)
from domain.models import CaseStatus
from tests import case_factory
from tests.workflows.harness import OFFICER, SEAT, SIGNED, Case, citizen, running_worker
from workflows.case_workflow import AccidentCaseWorkflow

REVIEWER = Actor(role=Role.REVIEWER, id="reviewer-1")
OTHER_OFFICER = Actor(role=Role.OFFICER, id="officer-8")

Send = Callable[[Case], Awaitable[Any]]


def update(name: str, payload: Any) -> Send:
    async def send(case: Case) -> Any:
        return await case.handle.execute_update(getattr(AccidentCaseWorkflow, name), payload)

    send.__name__ = name
    return send


async def decision(case: Case, officer: Actor = OFFICER) -> Any:
    view = await case.view()
    d = case_factory.decision([p.party_id for p in view.parties], officer_id=officer.id)
    return await case.handle.execute_update(AccidentCaseWorkflow.decide, Decide(actor=officer, decision=d))


async def one_wins(case: Case, first: Send, second: Send) -> int:
    """Send both at once; exactly one is answered, the other refused as a conflict. The index
    of the winner. One exception: a seat's accept that wins over a cancel leaves the cancel
    valid (a party may cancel during the video), so both are answered and the cancel ends it."""
    answers = await asyncio.gather(first(case), second(case), return_exceptions=True)
    refusals = [a for a in answers if isinstance(a, BaseException)]
    if not refusals and {first.__name__, second.__name__} == {"accept_call", "cancel"}:
        # the accept may answer before the cancel is handled (its SMS are local activities)
        cancel = [first.__name__, second.__name__].index("cancel")
        assert answers[cancel].status == CaseStatus.CANCELLED
        assert answers[1 - cancel].status in (CaseStatus.IN_VIDEO, CaseStatus.CANCELLED)
        return cancel
    assert len(refusals) == 1, f"{first.__name__}/{second.__name__}: {answers}"
    err = refusals[0]
    if isinstance(err, RPCError) and (
        "closing workflow" in str(err) or err.status == RPCStatusCode.NOT_FOUND
    ):
        # the winner ended (or even closed) the case before the loser reached the worker: the
        # server refuses it (the API answers CASE_CLOSED, 409, api/temporal.py)
        return 1 if answers[0] is err else 0
    assert isinstance(err, WorkflowUpdateFailedError), err
    cause = err.cause
    assert isinstance(cause, ApplicationError) and cause.message
    code = R.lookup(cause.type or "")
    assert code is not None and code.kind == R.Kind.CONFLICT, cause.type
    return 1 if answers[0] is err else 0


async def queued(case: Case) -> None:
    return None


async def collecting(case: Case) -> None:
    await case.accept()
    await case.collect_evidence()


async def deciding(case: Case) -> None:
    await case.to_decision()


HAND_OFF_OFFICER = update("hand_off", HandOff(actor=OFFICER, reason="需现场勘查"))
HAND_OFF_SEAT = update("hand_off", HandOff(actor=SEAT, reason="有人受伤"))
CANCEL = update("cancel", Cancel(actor=citizen("P1"), reason="已私了"))
ACCEPT = update("accept_call", AcceptCall(actor=SEAT))
ACCEPT_OTHER = update("accept_call", AcceptCall(actor=Actor(role=Role.SEAT, id="seat-2")))
COMPLETE = update("complete_collection", CompleteCollection(actor=SEAT))


async def decide(case: Case) -> Any:
    return await decision(case)


async def decide_other(case: Case) -> Any:
    return await decision(case, OTHER_OFFICER)


# (setup, first, second, the outcome or status when the first / the second won)
PAIRS = [
    (deciding, decide, HAND_OFF_OFFICER, CaseStatus.NOTICE_SENT, Outcome.HANDED_TO_PATROL),
    (deciding, decide, decide_other, CaseStatus.NOTICE_SENT, CaseStatus.NOTICE_SENT),
    (
        deciding,
        HAND_OFF_OFFICER,
        update("hand_off", HandOff(actor=OTHER_OFFICER, reason="另一位民警")),
        Outcome.HANDED_TO_PATROL,
        Outcome.HANDED_TO_PATROL,
    ),
    (queued, CANCEL, ACCEPT, Outcome.CANCELLED, CaseStatus.IN_VIDEO),
    (queued, ACCEPT, ACCEPT_OTHER, CaseStatus.IN_VIDEO, CaseStatus.IN_VIDEO),
    (collecting, CANCEL, COMPLETE, Outcome.CANCELLED, CaseStatus.AWAITING_DECISION),
    (collecting, CANCEL, HAND_OFF_SEAT, Outcome.CANCELLED, Outcome.HANDED_TO_PATROL),
    (collecting, HAND_OFF_SEAT, COMPLETE, Outcome.HANDED_TO_PATROL, CaseStatus.AWAITING_DECISION),
]


async def ends_as(case: Case, expected: CaseStatus | Outcome) -> None:
    if isinstance(expected, Outcome):
        assert (await case.result()).outcome == expected
        return
    view, _ = await case.settled()
    assert view.status == expected and view.outcome is None
    await case.handle.terminate("test over")


@pytest.mark.parametrize("order", ["as_listed", "reversed"])
async def test_each_pair_of_ending_updates_sent_at_once_has_one_winner(
    dev_env, wf_settings, wf_sessions, order
):
    async with running_worker(dev_env, wf_settings, wf_sessions) as h:
        cases = [await h.start() for _ in PAIRS]
        await asyncio.gather(*(setup(case) for case, (setup, *_) in zip(cases, PAIRS, strict=True)))

        async def race(case: Case, pair: tuple[Any, ...]) -> None:
            _, first, second, first_won, second_won = pair
            if order == "reversed":
                first, second, first_won, second_won = second, first, second_won, first_won
            winner = await one_wins(case, first, second)
            await ends_as(case, first_won if winner == 0 else second_won)

        await asyncio.gather(*(race(case, pair) for case, pair in zip(cases, PAIRS, strict=True)))


async def test_a_receipt_while_a_redetermination_is_being_applied_is_refused(
    dev_env, wf_settings, wf_sessions
):
    async with running_worker(dev_env, wf_settings, wf_sessions) as h:
        case = await h.start()
        await case.to_served("P2")  # P1 has not opened the notice yet
        await case.handle.execute_update(
            AccidentCaseWorkflow.request_review, ReviewRequest(actor=citizen("P2"), reason_code="LIABILITY")
        )
        await case.concur("reviewer-2", ReviewOutcome.REDETERMINE)
        conclusion = ConcludeReview(
            actor=REVIEWER,
            **SIGNED,
            outcome=ReviewOutcome.REDETERMINE,
            reviewers=["reviewer-2"],
            reason="事实不清",
        )
        # the conclusion is accepted (its handler is applying it) when the receipt comes in
        concluding = await case.handle.start_update(
            AccidentCaseWorkflow.conclude_review, conclusion, wait_for_stage=WorkflowUpdateStage.ACCEPTED
        )
        assert (await case.view()).review_outcome == ReviewOutcome.REDETERMINE  # accepted, applying
        with pytest.raises(WorkflowUpdateFailedError) as info:
            await case.confirm("P1")
        cause = info.value.cause
        assert isinstance(cause, ApplicationError) and cause.type == R.NOTICE_BEING_REPLACED.code
        await concluding.result()
        assert (await case.view()).status == CaseStatus.AWAITING_REDETERMINATION
        await case.handle.terminate("test over")


async def test_two_conclusions_or_two_review_requests_sent_at_once_have_one_winner(
    dev_env, wf_settings, wf_sessions
):
    async with running_worker(dev_env, wf_settings, wf_sessions) as h:
        requests, conclusions = await h.start(), await h.start()
        await asyncio.gather(requests.to_served("P1", "P2"), conclusions.to_served("P1", "P2"))
        review = [
            update("request_review", ReviewRequest(actor=citizen(p), reason_code="LIABILITY"))
            for p in ("P1", "P2")
        ]
        winner = await one_wins(requests, *review)
        assert (await requests.view()).review_requested_by == ("P1", "P2")[winner]

        await review[1](conclusions)
        await conclusions.concur("reviewer-2", ReviewOutcome.UPHOLD)
        await conclusions.concur("reviewer-3", ReviewOutcome.REDETERMINE)
        uphold = ConcludeReview(
            actor=REVIEWER, **SIGNED, outcome=ReviewOutcome.UPHOLD, reviewers=["reviewer-2"], reason="维持"
        )
        redetermine = ConcludeReview(
            actor=Actor(role=Role.REVIEWER, id="reviewer-4"),
            **SIGNED,
            outcome=ReviewOutcome.REDETERMINE,
            reviewers=["reviewer-3"],
            reason="事实不清",
        )
        winner = await one_wins(
            conclusions, update("conclude_review", uphold), update("conclude_review", redetermine)
        )
        view = await conclusions.view()
        assert view.review_outcome == (ReviewOutcome.UPHOLD, ReviewOutcome.REDETERMINE)[winner]
        for case in (requests, conclusions):
            await case.handle.terminate("test over")
