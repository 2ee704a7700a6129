"""The workflow's notice activity: builds the notice content from the decision, renders, signs
and stores the PDF (adapters.notice.service), and keeps the record in the database. A
revocation (after a review ordered a new determination) also marks the old notice revoked; a
review conclusion (either outcome) is issued the same way, with kind ``review_conclusion``.

Numbers are derived from the case, so a retried activity produces the same notice again
(the service is deterministic and the store refuses to overwrite with other bytes)."""

from __future__ import annotations

import asyncio

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.exceptions import ApplicationError

from activities.declared import implements
from adapters.notice.content import NoticeContent, build_notice_content, build_revocation_content
from adapters.notice.fonts import MissingGlyphError
from adapters.notice.review_conclusion import (
    ReviewConclusionContent,
    Reviewer,
    ReviewOutcome,
    build_review_conclusion_content,
)
from adapters.notice.service import NoticeService
from adapters.notice.verification import NoticeRecord
from adapters.storage import ObjectStore
from db import repository
from db.session import write_session
from domain import activity_contracts as act
from domain.messages import NoticeRef
from domain.models import Decision, NoticeKind
from settings import Settings


def determination_number(case_number: str, version: int) -> str:
    return f"{case_number}-{version}"


def revocation_number(case_number: str, revoked_version: int) -> str:
    return f"{case_number}-R{revoked_version}"


def review_conclusion_number(case_number: str, reviewed_version: int) -> str:
    return f"{case_number}-F{reviewed_version}"  # 复核 (fùhé): one review per accident


class NoticeActivities:
    def __init__(
        self, service: NoticeService, sessions: async_sessionmaker[AsyncSession], review_unit: str
    ) -> None:
        self._service = service
        self._sessions = sessions
        self._review_unit = review_unit

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        sessions: async_sessionmaker[AsyncSession],
        notices: ObjectStore | None = None,
    ) -> NoticeActivities:
        """``notices``: where the PDFs go (adapters.wiring.Providers.storage; default: settings)."""
        return cls(NoticeService.from_settings(settings, notices), sessions, settings.notice_review_unit)

    def _determination(
        self, req: act.IssueNoticeRequest, number: str, version: int, decision: Decision
    ) -> NoticeContent:
        return build_notice_content(
            req.case_number,
            number,
            version,
            decision,
            req.parties,
            req.location,
            req.accident_time,
            req.issued_at,
            review_unit=self._review_unit,
            weather=req.weather,
            road_surface=req.road_surface,
        )

    def _review_conclusion(self, req: act.IssueNoticeRequest) -> ReviewConclusionContent:
        review = req.review
        if review is None:
            raise ApplicationError(
                "review conclusion without its review", type="BAD_REQUEST", non_retryable=True
            )
        reviewed = self._determination(
            req.model_copy(update={"issued_at": review.reviewed.issued_at or req.issued_at}),
            review.reviewed.notice_number,
            review.reviewed.version,
            review.reviewed_decision,
        )
        return build_review_conclusion_content(
            reviewed,
            review_conclusion_number(req.case_number, review.reviewed.version),
            ReviewOutcome(review.outcome.value),
            review.reasons,
            [Reviewer(name=r.name, badge_number=r.badge_number) for r in review.reviewers],
            review.applicant_party_ids,
            review.request,
            review.applied_at,
            req.issued_at,
            review_unit=self._review_unit,
        )

    def _content(self, req: act.IssueNoticeRequest) -> NoticeContent:
        if req.kind != NoticeKind.REVOCATION:
            return self._determination(
                req, determination_number(req.case_number, req.version), req.version, req.decision
            )
        if req.revokes is None or req.replacement is None or req.revoked_decision is None:
            raise ApplicationError(
                "revocation without the notice it revokes", type="BAD_REQUEST", non_retryable=True
            )
        revoked = self._determination(
            req.model_copy(update={"issued_at": req.revokes.issued_at or req.issued_at}),
            req.revokes.notice_number,
            req.revokes.version,
            req.revoked_decision,
        )
        return build_revocation_content(
            revoked,
            revocation_number(req.case_number, req.revokes.version),
            req.revocation_reason or "经复核，原道路交通事故认定书撤销",
            req.issued_at,
            new_notice_number=req.replacement.notice_number,
            officer_name=req.decision.officer_name,
            badge_number=req.decision.badge_number,
            unit=req.decision.unit,
        )

    @implements(act.issue_notice)
    async def issue_notice(self, req: act.IssueNoticeRequest) -> NoticeRef:
        try:
            # rendering is CPU work (~16 ms): keep it off the worker's event loop
            if req.kind == NoticeKind.REVIEW_CONCLUSION:
                conclusion = self._review_conclusion(req)
                record, _ = await asyncio.to_thread(self._service.issue_review_conclusion, conclusion)
            else:
                content = self._content(req)
                record, _ = await asyncio.to_thread(self._service.issue_notice, content)
        except (MissingGlyphError, ValueError) as err:
            raise ApplicationError(str(err), type="NOTICE_INVALID", non_retryable=True) from err
        await self._persist(record)
        return NoticeRef(
            notice_number=record.notice_number,
            short_code=record.short_code,
            sha256=record.sha256,
            pdf_path=record.pdf_path,
            version=record.version,
            kind=record.kind,
            revokes_notice_number=record.revokes_notice_number,
            issued_at=record.issued_at,
        )

    async def _persist(self, record: NoticeRecord) -> None:
        async with write_session(self._sessions) as session:
            await repository.add_notice(
                session,
                notice_number=record.notice_number,
                case_number=record.case_number,
                version=record.version,
                issued_at=record.issued_at,
                kind=record.kind.value,
                revokes_notice_number=record.revokes_notice_number or None,
                pdf_path=record.pdf_path,
                sha256=record.sha256,
                signature=record.signature,
                short_code=record.short_code,
                content_signature=record.content_signature,
                key_id=record.key_id,
                content_digest=record.content_digest,
            )
            if record.revokes_notice_number:
                await repository.revoke_notice(
                    session,
                    record.revokes_notice_number,
                    record.issued_at,
                    revoked_by_notice_number=record.notice_number,
                )
