"""Messages of the case workflow: its input, the payloads of its updates and signals, and the
view its query returns. The API builds these; the workflow validates them. Every field has a
default (or is required from the first version on) so that new fields never break open cases."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Annotated

from pydantic import AwareDatetime, ConfigDict, Field, SerializeAsAny

from domain.models import (
    AccidentAccount,
    Address,
    Alert,
    CaseStatus,
    Decision,
    EvidenceKind,
    EvidenceRef,
    Liability,
    Model,
    NoticeKind,
    Parties,
    PartyId,
    Refusal,
    StaffId,
)
from domain.text import Line, PrintedLine, PrintedText, Text

WORKFLOW_NAME = "AccidentCaseWorkflow"


def workflow_id_for(case_number: str) -> str:
    return f"case-{case_number}"


class Role(StrEnum):
    CITIZEN = "citizen"
    SEAT = "seat"
    OFFICER = "officer"
    REVIEWER = "reviewer"
    ADMIN = "admin"
    SYSTEM = "system"


class Actor(Model):
    """Who performs a step. For a citizen, id is the party id inside the case (P1, ...);
    for staff, their staff id. Never a name or a phone number."""

    role: Role
    id: Line


class CaseTimers(Model):
    """Every timer of a case; the API fills them from settings so a detachment can change them."""

    seat_answer: timedelta = timedelta(minutes=10)
    video_lost: timedelta = timedelta(minutes=15)
    decision_escalation: timedelta = timedelta(minutes=30)
    notice_reminder: timedelta = timedelta(hours=24)
    service_fallback: timedelta = timedelta(hours=24)  # after the reminder: serve another way
    review_working_days: int = 3
    review_conclusion_days: int = 30
    redetermination_working_days: int = 10
    claim_grace: timedelta = timedelta(days=7)  # claims still accepted after the review window


class CaseInput(Model):
    case_number: Line
    alert: Alert
    district: Line = ""
    area: Line = ""
    timers: CaseTimers = Field(default_factory=CaseTimers)


class Outcome(StrEnum):
    """How a case ended."""

    CLOSED = "closed"
    REFUSED = "refused"
    CANCELLED = "cancelled"
    HANDED_TO_PATROL = "handed_to_patrol"


class HandOffReason(StrEnum):
    SEAT_NO_ANSWER = "SEAT_NO_ANSWER"
    VIDEO_LOST = "VIDEO_LOST"
    VERIFICATION_FAILED = "VERIFICATION_FAILED"
    SEAT_DECIDED = "SEAT_DECIDED"  # the seat judged the case cannot be handled online
    OFFICER_DECIDED = "OFFICER_DECIDED"


# --- update payloads -------------------------------------------------------------------------
# A payload with more than the actor is split in two: `<Name>Content`, what the person states (the
# API's request body, so each field and its limit is declared once, here), and the payload, which
# adds the actor from the login. The JSON field names are those of the single class they replace.


class AcceptCall(Model):
    actor: Actor  # the seat officer


class PartiesContent(Model):
    parties: Parties


class RecordParties(PartiesContent):
    """The seat records (or corrects) the parties with their vehicles; replaces the list."""

    actor: Actor


class AddEvidence(Model):
    actor: Actor
    evidence: EvidenceRef


class SafetyContent(Model):
    hazard_lights: bool = False
    warning_triangle: bool = False  # 50–100 m behind the vehicles
    people_off_carriageway: bool = False


class SafetyChecklist(SafetyContent):
    actor: Actor


class SceneContent(Model):
    """What the seat records of the scene during collection (天气, 路面状况: codes of the lists in
    domain.notice_codes) and, when the parties' declaration was wrong, the accident time as
    corrected (audited: the case records the old and the new time). Empty: unchanged."""

    weather: Line = Field(default="", max_length=2, description="domain.notice_codes.WEATHER code")
    road_surface: Line = Field(default="", max_length=2, description="domain.notice_codes.ROAD_SURFACES code")
    accident_time: AwareDatetime | None = Field(default=None, description="corrected 事故时间")


class RecordScene(SceneContent):
    actor: Actor  # the seat of the case


class CorrectionContent(Model):
    """A correction of the case's address or the account of the accident (empty: unchanged), with
    the reason: recorded on the case's timeline with the old and the new text."""

    address: Address = ""
    description: AccidentAccount = ""
    reason: Annotated[Text, Field(max_length=500)]


class CorrectCase(CorrectionContent):
    actor: Actor  # the seat while collecting, or an officer before deciding


class CompleteCollection(Model):
    actor: Actor


class HandOffContent(Model):
    reason: Text = Field(max_length=500)  # empty: refused by the workflow (REASON_REQUIRED)


class HandOff(HandOffContent):
    actor: Actor  # seat or officer


class CancelContent(Model):
    reason: Text = Field(default="", max_length=500)


class Cancel(CancelContent):
    actor: Actor  # a citizen party


class VideoTokenRequest(Model):
    actor: Actor  # citizen party or seat


class VideoAccess(Model):
    room_name: str
    identity: str
    token: str
    expires_at: datetime


class Decide(Model):
    actor: Actor  # the deciding officer
    decision: Decision  # the officer's DecisionContent with the officer's id


class ConfirmReceipt(Model):
    actor: Actor  # citizen party confirming receipt of the notice (electronic service)


class ServiceContent(Model):
    party_id: PartyId
    served_at: AwareDatetime
    method: Line = Field(max_length=64, description="e.g. 当面送达, 邮寄送达")


class RecordService(ServiceContent):
    """Service done another way (in person, by post): recorded by an officer."""

    actor: Actor


# the H5 page's choices; the written review conclusion prints the name, never the code
REVIEW_REASONS_ZH: dict[str, str] = {
    "FACTS_DISPUTED": "事故事实认定有误",
    "LIABILITY_DISPUTED": "责任划分不当",
    "EVIDENCE_DISPUTED": "证据不足或有误",
    "PROCEDURE_DISPUTED": "处理程序不当",
}


class ReviewRequestContent(Model):
    reason_code: PrintedLine = Field(max_length=32, description="e.g. FACTS_DISPUTED, LIABILITY_DISPUTED")
    text: PrintedText = Field(default="", max_length=5000)  # printed on the review conclusion


class ReviewRequest(ReviewRequestContent):
    actor: Actor  # citizen party

    def stated(self) -> str:
        """The request as a document states it: the reason's name, then the applicant's words."""
        reason = REVIEW_REASONS_ZH.get(self.reason_code, "")
        return "：".join(t for t in (reason, self.text.strip()) if t) or "请求复核原道路交通事故认定"


class ReviewOutcome(StrEnum):
    UPHOLD = "uphold"
    REDETERMINE = "redetermine"


class ReviewerIdentity(Model):
    """How a reviewer signs the written review conclusion (staff ids are never printed)."""

    name: PrintedLine = Field(default="", max_length=64, description="复核民警姓名")
    badge_number: PrintedLine = Field(default="", max_length=32, description="警号")


class ConcurrenceContent(ReviewerIdentity):
    outcome: ReviewOutcome


class ConcurReview(ConcurrenceContent):
    """A co-reviewer's own agreement with an outcome, before one of them records the conclusion."""

    actor: Actor  # the co-reviewer, authenticated


class ConclusionContent(ReviewerIdentity):
    """The conclusion with the concluding reviewer's name and badge (the co-reviewers gave theirs
    when they concurred); served in writing on every party (道路交通事故认定复核结论)."""

    outcome: ReviewOutcome
    # co-reviewers: each must have concurred (ConcurReview); with the caller at least two
    reviewers: list[StaffId] = Field(max_length=10, description="staff ids of the co-reviewers")
    reason: PrintedText = Field(max_length=500)  # printed on the review conclusion


class ConcludeReview(ConclusionContent):
    actor: Actor  # the reviewer recording the conclusion


class FileClaim(Model):
    actor: Actor  # citizen party


class ClaimResult(Model):
    party_id: str
    insurer_code: str
    insurer_name: str
    filed: bool  # False: the insurer is not connected; guidance given instead
    claim_number: str = ""
    guidance: str = ""


# --- signal payloads -------------------------------------------------------------------------


class VideoEventKind(StrEnum):
    PARTICIPANT_CONNECTED = "participant-connected"
    PARTICIPANT_DISCONNECTED = "participant-disconnected"
    ROOM_ENDED = "room-ended"


class VideoEvent(Model):
    kind: VideoEventKind
    room_name: Line = ""
    identity: Line = ""  # "<case>-<party id>" or "<case>-seat": no personal data
    at: datetime | None = None


# --- results of activities that the workflow keeps -----------------------------------------


class CheckStatus(StrEnum):
    VALID = "valid"
    EXPIRED = "expired"
    SUSPENDED = "suspended"
    WRONG_CLASS = "wrong_class"
    NOT_FOUND = "not_found"
    UNINSURED = "uninsured"
    SCRAPPED = "scrapped"
    INSPECTION_OVERDUE = "inspection_overdue"


class PartyVerification(Model):
    party_id: str
    licence: CheckStatus = CheckStatus.VALID
    vehicle: CheckStatus = CheckStatus.VALID
    insurance: CheckStatus = CheckStatus.VALID
    insurer_code: str = ""
    insurer_name: str = ""
    policy_number: str = ""
    refusals: list[Refusal] = Field(default_factory=list)


class NoticeRef(Model):
    notice_number: str
    short_code: str
    sha256: str
    pdf_path: str
    version: int = 1
    kind: NoticeKind = NoticeKind.DETERMINATION
    revokes_notice_number: str = ""
    issued_at: datetime | None = None


# --- the query -------------------------------------------------------------------------------


class PartyView(Model):
    party_id: str
    kind: str
    name: str  # masked
    phone: str  # masked
    plate: str = ""
    insurer_name: str = ""
    liability: Liability | None = None
    served_at: datetime | None = None
    review_deadline: datetime | None = None
    # served, but the deadline's year has no holiday data yet: a review may still be requested
    review_deadline_pending: bool = False
    claim: ClaimResult | None = None


class Deadline(Model):
    kind: str
    at: datetime


class StepView(Model):
    """A step's own part of the case view, under its name in ``CaseView.steps`` (and the
    snapshot's): a step added beside the main line shows what it knows without a new field here.
    A step subclasses this; the fields it adds travel as they are (extra fields are kept), and
    whoever needs them typed reads them back with ``TheStepView.model_validate(view.steps[name])``.
    Every reader of the case sees it: no personal data in clear."""

    model_config = ConfigDict(extra="allow")


class CaseView(Model):
    case_number: str
    status: CaseStatus
    district: str = ""
    reported_at: datetime | None = None
    accident_time: datetime | None = None  # as declared, or as the seat corrected it
    weather: str = ""  # code recorded by the seat (domain.notice_codes.WEATHER); "" not yet
    road_surface: str = ""
    seat_id: str = ""
    officer_id: str = ""
    parties: list[PartyView] = Field(default_factory=list)
    evidence: list[EvidenceKind] = Field(default_factory=list)
    safety_checked: bool = False
    notices: list[NoticeRef] = Field(default_factory=list)
    deadlines: list[Deadline] = Field(default_factory=list)
    next_action: str = ""
    outcome: Outcome | None = None
    outcome_reason: str = ""
    refusals: list[Refusal] = Field(default_factory=list)
    review_requested_by: str = ""
    review_outcome: ReviewOutcome | None = None
    steps: dict[str, SerializeAsAny[StepView]] = Field(default_factory=dict)
