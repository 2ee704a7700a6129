"""The case, declared once: `CaseSnapshot` is everything known about a case after a step (the
workflow builds it from its state; the read model stores it as it is), and `case_view` is the
masked view that citizens and the consoles read — from the live workflow's query or, when the
workflow is closed and gone, from the stored snapshot. One shape, one projection."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field, SerializeAsAny

from domain.masking import mask_name, mask_phone
from domain.messages import (
    CaseView,
    ClaimResult,
    Deadline,
    NoticeRef,
    Outcome,
    PartyVerification,
    PartyView,
    ReviewOutcome,
    StepView,
)
from domain.models import STATUS_TEXT, CaseStatus, EvidenceKind, Liability, Location, Model, Party, Refusal


class PartySnapshot(Model):
    """A party in full (the read model and the staff who need it), with what the case learned."""

    party: Party
    liability: Liability | None = None
    verification: PartyVerification | None = None
    served_at: datetime | None = None
    service_method: str = ""
    review_deadline: datetime | None = None
    review_deadline_pending: bool = False  # see PartyView
    claim: ClaimResult | None = None

    @property
    def insurer_name(self) -> str:
        """The registry's insurer once verified; what the citizen declared before that."""
        if self.verification is not None and self.verification.insurer_name:
            return self.verification.insurer_name
        vehicle = self.party.vehicle
        return vehicle.insurance.insurer_name if vehicle and vehicle.insurance else ""

    @property
    def policy_number(self) -> str:
        if self.verification is not None and self.verification.policy_number:
            return self.verification.policy_number
        vehicle = self.party.vehicle
        return vehicle.insurance.policy_number if vehicle and vehicle.insurance else ""


class CaseSnapshot(Model):
    """What is known of a case after each step. `seq` grows with every step, so an out-of-order
    write never overwrites a newer snapshot."""

    case_number: str
    seq: int = 0
    workflow_id: str
    status: CaseStatus
    category: str
    district: str = ""
    area: str = ""
    reported_at: datetime
    accident_time: datetime | None = None  # when the accident happened (declared / corrected)
    weather: str = ""  # codes the seat recorded (domain.notice_codes)
    road_surface: str = ""
    location: Location
    seat_id: str = ""
    officer_id: str = ""
    next_deadline: datetime | None = None
    next_deadline_kind: str = ""
    outcome: Outcome | None = None
    outcome_reason: str = ""
    parties: list[PartySnapshot] = Field(default_factory=list)
    evidence: list[EvidenceKind] = Field(default_factory=list)
    safety_checked: bool = False
    notices: list[NoticeRef] = Field(default_factory=list)
    deadlines: list[Deadline] = Field(default_factory=list)
    refusals: list[Refusal] = Field(default_factory=list)
    review_requested_by: str = ""
    review_reason_code: str = ""
    review_text: str = ""
    review_outcome: ReviewOutcome | None = None
    review_conclusion_reason: str = ""
    steps: dict[str, SerializeAsAny[StepView]] = Field(default_factory=dict)  # see StepView


def party_view(p: PartySnapshot) -> PartyView:
    vehicle = p.party.vehicle
    return PartyView(
        party_id=p.party.party_id,
        kind=p.party.kind.value,
        name=mask_name(p.party.name),
        phone=mask_phone(p.party.phone),
        plate=vehicle.plate if vehicle else "",
        insurer_name=p.verification.insurer_name if p.verification else "",
        liability=p.liability,
        served_at=p.served_at,
        review_deadline=p.review_deadline,
        review_deadline_pending=p.review_deadline_pending,
        claim=p.claim,
    )


def case_view(s: CaseSnapshot) -> CaseView:
    """The masked view (names 张*, phones 138****8000; no ID numbers)."""
    return CaseView(
        case_number=s.case_number,
        status=s.status,
        district=s.district,
        reported_at=s.reported_at,
        accident_time=s.accident_time or s.reported_at,
        weather=s.weather,
        road_surface=s.road_surface,
        seat_id=s.seat_id,
        officer_id=s.officer_id,
        parties=[party_view(p) for p in s.parties],
        evidence=list(s.evidence),
        safety_checked=s.safety_checked,
        notices=list(s.notices),
        deadlines=sorted(s.deadlines, key=lambda d: d.at),
        next_action=STATUS_TEXT[s.status].next_action,
        outcome=s.outcome,
        outcome_reason=s.outcome_reason,
        refusals=list(s.refusals),
        review_requested_by=s.review_requested_by,
        review_outcome=s.review_outcome,
        steps=dict(s.steps),
    )
