"""Messages of the case workflow: its input, the payloads of its updates and signals, and the
view its query returns. The API builds these; the workflow validates them. Every field has a
default (or is required from the first version on) so that new fields never break open cases."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import Field

from domain.models import (
    Alert,
    CaseStatus,
    Decision,
    EvidenceKind,
    EvidenceRef,
    Liability,
    Model,
    NoticeKind,
    Party,
    Refusal,
)

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
    id: str


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
    case_number: str
    alert: Alert
    district: str = ""
    area: str = ""
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


class AcceptCall(Model):
    actor: Actor  # the seat officer


class RecordParties(Model):
    """The seat records (or corrects) the parties with their vehicles; replaces the list."""

    actor: Actor
    parties: list[Party]


class AddEvidence(Model):
    actor: Actor
    evidence: EvidenceRef


class SafetyChecklist(Model):
    actor: Actor
    hazard_lights: bool = False
    warning_triangle: bool = False  # 50–100 m behind the vehicles
    people_off_carriageway: bool = False


class CompleteCollection(Model):
    actor: Actor


class HandOff(Model):
    actor: Actor  # seat or officer
    reason: str = Field(max_length=500)


class Cancel(Model):
    actor: Actor  # a citizen party
    reason: str = Field(default="", max_length=500)


class VideoTokenRequest(Model):
    actor: Actor  # citizen party or seat


class VideoAccess(Model):
    room_name: str
    identity: str
    token: str
    expires_at: datetime


class Decide(Model):
    actor: Actor  # the deciding officer
    decision: Decision


class ConfirmReceipt(Model):
    actor: Actor  # citizen party confirming receipt of the notice (electronic service)


class RecordService(Model):
    """Service done another way (in person, by post): recorded by an officer."""

    actor: Actor
    party_id: str
    served_at: datetime
    method: str = Field(max_length=64)


class ReviewRequest(Model):
    actor: Actor  # citizen party
    reason_code: str = Field(max_length=32)
    text: str = Field(default="", max_length=5000)


class ReviewOutcome(StrEnum):
    UPHOLD = "uphold"
    REDETERMINE = "redetermine"


class ConcurReview(Model):
    """A co-reviewer's own agreement with an outcome, before one of them records the conclusion."""

    actor: Actor  # the co-reviewer, authenticated
    outcome: ReviewOutcome


class ConcludeReview(Model):
    actor: Actor  # the reviewer recording the conclusion
    outcome: ReviewOutcome
    reviewers: list[str] = Field(max_length=10)  # co-reviewers: each must have concurred (ConcurReview)
    reason: str = Field(max_length=500)


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
    room_name: str = ""
    identity: str = ""  # "<case>-<party id>" or "<case>-seat": no personal data
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
    claim: ClaimResult | None = None


class Deadline(Model):
    kind: str
    at: datetime


class CaseView(Model):
    case_number: str
    status: CaseStatus
    district: str = ""
    reported_at: datetime | None = None
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
