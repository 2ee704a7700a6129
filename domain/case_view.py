"""The case, declared once: `CaseSnapshot` is everything known about a case after a step (the
workflow builds it from its state; the read model stores it as it is), and `case_view` is the
masked view that citizens and the consoles read — from the live workflow's query or, when the
workflow is closed and gone, from the stored snapshot. One shape, one projection."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

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
)
from domain.models import CaseStatus, EvidenceKind, Liability, Location, Model, Party, Refusal

NEXT_ACTION_ZH: dict[CaseStatus, str] = {
    CaseStatus.QUEUED: "等待坐席民警接听视频",
    CaseStatus.IN_VIDEO: "视频取证中，请按坐席民警指引操作",
    CaseStatus.VERIFYING: "系统正在核验驾驶证、行驶证和交强险信息",
    CaseStatus.AWAITING_DECISION: "信息采集完毕，请撤离现场；等待民警认定责任",
    CaseStatus.NOTICE_SENT: "请查看事故认定书并确认收到",
    CaseStatus.SERVED: "事故认定书已送达；可在复核期限内申请复核，或一键报保险",
    CaseStatus.UNDER_REVIEW: "复核申请已受理，等待复核结论",
    CaseStatus.AWAITING_REDETERMINATION: "复核决定重新认定，等待民警重新认定责任",
    CaseStatus.CLOSED: "案件已办结",
    CaseStatus.REFUSED: "不符合线上快处条件，请按提示处理",
    CaseStatus.CANCELLED: "已取消线上快处",
    CaseStatus.HANDED_TO_PATROL: "已转交警现场处理，请在安全位置等候",
}


class PartySnapshot(Model):
    """A party in full (the read model and the staff who need it), with what the case learned."""

    party: Party
    liability: Liability | None = None
    verification: PartyVerification | None = None
    served_at: datetime | None = None
    service_method: str = ""
    review_deadline: datetime | None = None
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
        next_action=NEXT_ACTION_ZH[s.status],
        outcome=s.outcome,
        outcome_reason=s.outcome_reason,
        refusals=list(s.refusals),
        review_requested_by=s.review_requested_by,
        review_outcome=s.review_outcome,
    )
