"""What the review conclusion says: 道路交通事故认定复核结论 (Order 146 Art. 74-77).

The superior unit's reviewers (at least two officers) examine the determination a party applied
against and conclude either to uphold it or to order the original unit to investigate and determine
again. Both outcomes are served in writing on every party, signed, sealed and verifiable like the
notice. Full names and ID numbers of the applicants: this is a legal document served on the parties
(keep it out of logs, as the notice)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from adapters.notice.content import NoticeContent, NoticeLocation, NoticeParty, SignedContent
from domain.models import NoticeKind
from domain.notice_codes import substitute_party_refs, unknown_party_refs

# Art. 74: what is reviewed and in what time; Art. 76: the two conclusions. A detachment whose legal
# office cites otherwise passes ``legal_basis`` to the builder.
REVIEW_LEGAL_BASIS = "《道路交通事故处理程序规定》第七十四条、第七十六条"


class ReviewOutcome(StrEnum):
    UPHOLD = "uphold"  # 维持原道路交通事故认定
    REDETERMINE = "redetermine"  # 责令原办案单位重新调查、认定


class Reviewer(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: str
    badge_number: str


class ReviewConclusionContent(SignedContent):
    notice_number: str  # this document's number (the verification page looks it up by it)
    case_number: str
    version: int = 1
    issued_at: AwareDatetime
    review_unit: str  # who concludes: the superior unit (支队)
    original_unit: str  # who determined: the unit whose notice was reviewed (大队)
    reviewed_notice_number: str
    reviewed_issued_at: AwareDatetime
    accident_time: AwareDatetime
    location: NoticeLocation
    parties: list[NoticeParty]  # every party, with the liability of the reviewed notice
    applicant_labels: list[str]  # 甲, 乙 ...: who applied
    applied_at: AwareDatetime
    request: str  # 复核请求及理由, as the applicant stated it
    outcome: ReviewOutcome
    reasons: str  # the reviewers' findings
    reviewers: list[Reviewer] = Field(min_length=2)
    legal_basis: str = REVIEW_LEGAL_BASIS
    served_at: AwareDatetime | None = None

    @property
    def kind(self) -> NoticeKind:
        return NoticeKind.REVIEW_CONCLUSION

    @property
    def revokes(self) -> None:  # the pipeline's interface: a conclusion revokes nothing itself
        return None

    @property
    def unit(self) -> str:
        return self.review_unit

    @property
    def applicants(self) -> list[NoticeParty]:
        return [p for p in self.parties if p.label in self.applicant_labels]

    def texts(self) -> dict[str, str]:
        out = {
            "notice_number": self.notice_number,
            "case_number": self.case_number,
            "review_unit": self.review_unit,
            "original_unit": self.original_unit,
            "reviewed_notice_number": self.reviewed_notice_number,
            "location.address": self.location.address,
            "request": self.request,
            "reasons": self.reasons,
            "legal_basis": self.legal_basis,
        }
        for i, r in enumerate(self.reviewers):
            out[f"reviewers[{i}]"] = r.name + r.badge_number
        for p in self.parties:
            out[f"parties[{p.label}]"] = p.name + p.id_or_licence_number
        return out


def build_review_conclusion_content(
    reviewed: NoticeContent,
    notice_number: str,
    outcome: ReviewOutcome,
    reasons: str,
    reviewers: Sequence[Reviewer],
    applicant_party_ids: Sequence[str],
    request: str,
    applied_at: datetime,
    issued_at: datetime,
    *,
    review_unit: str | None = None,
    legal_basis: str = REVIEW_LEGAL_BASIS,
    version: int = 1,
) -> ReviewConclusionContent:
    """The conclusion on the review of ``reviewed`` (the determination as it was issued; rebuild it
    with ``build_notice_content`` from the decision it was made from). Party ids (P1, P2) in the
    request and the reasons become 甲, 乙; an id of no party is refused."""
    labels = {p.party_id: p.label for p in reviewed.parties}
    unknown_applicants = [pid for pid in applicant_party_ids if pid not in labels]
    if not applicant_party_ids or unknown_applicants:
        raise ValueError(f"applicants must be parties of the case (unknown: {unknown_applicants})")
    if len(reviewers) < 2:
        raise ValueError("a review is made by at least two officers (Order 146 Art. 77)")
    if not reasons.strip():
        raise ValueError("a review conclusion states its reasons")
    if applied_at.tzinfo is None or issued_at.tzinfo is None:
        raise ValueError("applied_at and issued_at must be timezone-aware")
    texts = {"request": request.strip() or "无", "reasons": reasons}
    for field, text in texts.items():
        if stray := unknown_party_refs(text, labels):
            raise ValueError(f"{field} refers to {stray}, which is no party of this case")
    return ReviewConclusionContent(
        notice_number=notice_number,
        case_number=reviewed.case_number,
        version=version,
        issued_at=issued_at,
        review_unit=review_unit or reviewed.review_unit,
        original_unit=reviewed.unit,
        reviewed_notice_number=reviewed.notice_number,
        reviewed_issued_at=reviewed.issued_at,
        accident_time=reviewed.accident_time,
        location=reviewed.location,
        parties=[p.model_copy(deep=True) for p in reviewed.parties],
        applicant_labels=[labels[pid] for pid in applicant_party_ids],
        applied_at=applied_at,
        outcome=outcome,
        reviewers=list(reviewers),
        legal_basis=legal_basis,
        **{field: substitute_party_refs(text, labels) for field, text in texts.items()},
    )
