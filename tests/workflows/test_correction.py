"""The seat (while collecting) and the officer (before deciding) correct the case's address and the
account of the accident: audited on the timeline with the old and the new text, in the read model,
and on the notice; refused outside those steps."""

from __future__ import annotations

import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from db import repository
from domain.messages import CorrectCase
from tests.workflows.harness import OFFICER, SEAT, running_worker
from workflows.case_workflow import AccidentCaseWorkflow


async def test_seat_and_officer_correct_the_address_and_account_audited(dev_env, wf_settings, wf_sessions):
    async with running_worker(dev_env, wf_settings, wf_sessions) as h:
        case = await h.start()
        await case.accept()
        fixed = "南城街道示例路120号"
        await case.handle.execute_update(
            AccidentCaseWorkflow.correct_case,
            CorrectCase(actor=SEAT, address=fixed, reason="报警人定位偏差，按现场路牌更正"),
        )
        await case.collect_evidence()
        await case.complete()
        with pytest.raises(WorkflowUpdateFailedError) as info:  # collection is over for the seat
            await case.handle.execute_update(
                AccidentCaseWorkflow.correct_case, CorrectCase(actor=SEAT, address="x路1号", reason="再改")
            )
        assert isinstance(info.value.cause, ApplicationError) and info.value.cause.type == "NOT_COLLECTING"
        await case.handle.execute_update(
            AccidentCaseWorkflow.correct_case,
            CorrectCase(actor=OFFICER, description="甲车倒车时与乙车发生碰撞", reason="视频核实"),
        )
        await case.decide()
        with pytest.raises(WorkflowUpdateFailedError) as info:  # decided: no more corrections
            await case.handle.execute_update(
                AccidentCaseWorkflow.correct_case, CorrectCase(actor=OFFICER, address="y路2号", reason="再改")
            )
        assert isinstance(info.value.cause, ApplicationError) and info.value.cause.type == "NOT_CORRECTABLE"
        async with h.sessions() as session:
            entries = [e for e in await repository.list_timeline(session, case.number)]
            snapshot = await repository.get_case(session, case.number)
    corrections = [e for e in entries if e.action == "case_corrected"]
    assert [(e.actor_role, e.actor_id) for e in corrections] == [("seat", SEAT.id), ("officer", OFFICER.id)]
    assert corrections[0].detail["changes"]["address"]["to"] == fixed
    assert corrections[0].detail["changes"]["address"]["from"] != fixed
    assert corrections[0].detail["reason"] == "报警人定位偏差，按现场路牌更正"
    assert corrections[1].detail["changes"]["description"]["to"] == "甲车倒车时与乙车发生碰撞"
    assert snapshot is not None and snapshot.location.address == fixed
