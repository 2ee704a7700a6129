"""The case's documents say what was recorded: the weather and road surface the seat recorded, the
accident time the parties declared (and the seat corrected, audited), and — on either outcome of a
review — a written, signed and sealed review conclusion for every party, texted like the notice.
Read back from the stored PDFs with pdftotext and pdfsig (dev server, real activities)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from db import repository
from domain import activity_contracts as act
from domain.messages import ConcludeReview, FileClaim, ReviewOutcome, ReviewRequest
from domain.models import CaseStatus, NoticeKind
from settings import Settings
from tests import case_factory
from tests.notice.conftest import needs_pdfsig, needs_poppler, pdf_text, pdfsig, squash, write_page_images
from tests.workflows.harness import SIGNED, Case, citizen, eventually, running_worker
from tests.workflows.test_updates import REVIEWER
from workflows.case_workflow import AccidentCaseWorkflow

pytestmark = [needs_poppler, needs_pdfsig]
DECLARED = case_factory.WORKING_MORNING - timedelta(minutes=15)  # 09:45 Beijing time
CORRECTED = case_factory.WORKING_MORNING - timedelta(minutes=25)  # 09:35


def stored_pdf(settings: Settings, pdf_path: str) -> Path:
    path = settings.effective_notice_dir / pdf_path
    assert path.is_file(), path
    return path


async def activity_inputs(case: Case, decl: act.ActivityDecl[Any, Any]) -> list[Any]:
    """The inputs the workflow scheduled ``decl`` with, decoded from its history."""
    converter = case.harness.env.client.data_converter
    found = []
    for event in (await case.handle.fetch_history()).events:
        attrs = event.activity_task_scheduled_event_attributes
        if (
            event.HasField("activity_task_scheduled_event_attributes")
            and attrs.activity_type.name == decl.name
        ):
            found += await converter.decode(attrs.input.payloads, [decl.input])
    return found


async def review_and_conclude(case: Case, outcome: ReviewOutcome, reason: str) -> None:
    await case.handle.execute_update(
        AccidentCaseWorkflow.request_review,
        ReviewRequest(actor=citizen("P2"), reason_code="LIABILITY_DISPUTED", text="乙车正常行驶，甲车变道"),
    )
    await case.concur("reviewer-2", outcome)
    await case.handle.execute_update(
        AccidentCaseWorkflow.conclude_review,
        ConcludeReview(actor=REVIEWER, **SIGNED, outcome=outcome, reviewers=["reviewer-2"], reason=reason),
    )


async def conclusion_of(case: Case, settings: Settings) -> tuple[str, Path]:
    async def issued() -> bool:
        return any(n.kind == NoticeKind.REVIEW_CONCLUSION for n in (await case.view()).notices)

    await eventually(issued)
    ref = next(n for n in (await case.view()).notices if n.kind == NoticeKind.REVIEW_CONCLUSION)
    return ref.notice_number, stored_pdf(settings, ref.pdf_path)


async def test_notice_prints_the_recorded_scene_and_accident_time_and_an_upheld_review_is_written(
    dev_env, wf_settings, wf_sessions
):
    async with running_worker(dev_env, wf_settings, wf_sessions) as h:
        alert = case_factory.alert(h.settings).model_copy(update={"accident_time": DECLARED})
        case = await h.start(alert)
        await case.accept()
        await case.collect_evidence()  # records 雨 / 潮湿
        view = await case.record_scene(accident_time=CORRECTED)
        assert view.accident_time == CORRECTED and view.reported_at == case_factory.WORKING_MORNING
        assert (view.weather, view.road_surface) == ("3", "2")
        await case.complete()
        view = await case.decide()
        notice = stored_pdf(h.settings, view.notices[0].pdf_path)
        text = squash(pdf_text(notice))
        assert "2026年11月25日09时35分" in text  # the corrected accident time, not the report time
        assert "10时00分" not in text and "未记录" not in text
        assert "雨" in text and "潮湿" in text and "尾随相撞" in text and "甲车前部" in text
        write_page_images(notice, "workflow-notice-recorded-scene")
        timeline = await case.timeline()
        assert "accident_time_corrected" in timeline and timeline.count("scene_recorded") == 2

        await case.confirm("P1")
        await case.confirm("P2")
        await review_and_conclude(
            case, ReviewOutcome.UPHOLD, "P1变更车道未让行，原认定事实清楚、责任划分正确"
        )
        number, pdf = await conclusion_of(case, h.settings)
        text = squash(pdf_text(pdf))
        for expected in (
            "道路交通事故认定复核结论",
            number,
            view.notices[0].notice_number,  # the reviewed notice
            "责任划分不当：乙车正常行驶，甲车变道",  # the request as stated, never its code
            "甲变更车道未让行",  # party ids become 甲/乙
            "维持",
            "钱复核",
            "赵复核",
            "050002",
        ):
            assert expected in text, expected
        assert "P1" not in text and "P2" not in text and "LIABILITY" not in text
        report = pdfsig(pdf)
        assert "Signature is Valid." in report and "ETSI.CAdES.detached" in report  # PAdES
        assert "Total document signed" in report
        write_page_images(pdf, "workflow-review-conclusion-uphold")

        async def texted() -> bool:
            return [s.template for s in await case.sms()].count("review_conclusion") == 2

        await eventually(texted)
        async with wf_sessions() as session:
            rows = await repository.list_notices(session, case.number)
        assert [r.kind for r in rows if r.notice_number == number] == ["review_conclusion"]
        assert (await case.view()).status == CaseStatus.SERVED

        # the insurer is told when the accident happened, not when it was reported
        claim = await case.handle.execute_update(
            AccidentCaseWorkflow.file_claim, FileClaim(actor=citizen("P1"))
        )
        assert claim.filed
        assert [r.accident_time for r in await activity_inputs(case, act.file_claim)] == [CORRECTED]
        await case.handle.terminate("test over")


async def test_a_redetermination_is_written_too_before_the_new_notice(dev_env, wf_settings, wf_sessions):
    async with running_worker(dev_env, wf_settings, wf_sessions) as h:
        case = await h.start()
        await case.to_served("P1", "P2")
        await review_and_conclude(case, ReviewOutcome.REDETERMINE, "事实不清，证据不足")
        number, pdf = await conclusion_of(case, h.settings)
        text = squash(pdf_text(pdf))
        assert number == f"{case.number}-F1" and number in text
        assert "责令" in text and "重新调查、认定" in text and "事实不清，证据不足" in text
        assert "Signature is Valid." in pdfsig(pdf)
        write_page_images(pdf, "workflow-review-conclusion-redetermine")
        view = await case.view()
        assert view.status == CaseStatus.AWAITING_REDETERMINATION
        assert [n.kind for n in view.notices] == [NoticeKind.DETERMINATION, NoticeKind.REVIEW_CONCLUSION]
        await case.handle.terminate("test over")
