"""Names and payloads of the activities the case workflow calls. The workflow refers to
activities by these names so that it never imports the modules behind them (databases, HTTP
clients, Twilio); activities/ registers its implementations under the same names."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field

from domain.case_view import CaseSnapshot, PartySnapshot
from domain.messages import ClaimResult, NoticeRef
from domain.models import (
    Alert,
    Decision,
    EvidenceRef,
    Liability,
    Location,
    Model,
    NoticeKind,
    Party,
    Refusal,
)

__all__ = ["CaseSnapshot", "PartySnapshot"]  # re-exported: the record step's payload

# activity names
CHECK_ELIGIBILITY = "check_eligibility"
WORKING_DAYS_DEADLINE = "working_days_deadline"
CREATE_VIDEO_ROOM = "create_video_room"
ISSUE_VIDEO_TOKEN = "issue_video_token"
COMPLETE_VIDEO_ROOM = "complete_video_room"
SEND_SMS = "send_sms"
VERIFY_PARTY = "verify_party"
ISSUE_NOTICE = "issue_notice"
FILE_CLAIM = "file_claim"
NOTIFY_INSURER_AMENDMENT = "notify_insurer_amendment"
RECORD_STEP = "record_step"
RETAIN_EVIDENCE = "retain_evidence"


class EligibilityRequest(Model):
    alert: Alert


class EligibilityOutcome(Model):
    eligible: bool
    refusals: list[Refusal] = Field(default_factory=list)
    district: str = ""
    area: str = ""
    location_wgs84: Location | None = None


class DeadlineRequest(Model):
    start: datetime
    working_days: int


class RoomRequest(Model):
    case_number: str
    sequence: int = 1  # the case's n-th room (a new room after the previous one ended)


class RoomInfo(Model):
    room_name: str
    room_sid: str = ""


class TokenRequest(Model):
    room_name: str
    identity: str  # "<case>-<party id>" / "<case>-seat-<seat id>": no personal data


class SmsTemplate:
    """Template ids; the Chinese texts live in adapters/sms_templates.py."""

    ALERT_RECEIVED = "alert_received"
    SEAT_CONNECTED = "seat_connected"
    YOU_MAY_LEAVE = "you_may_leave"
    DECISION_NOTICE = "decision_notice"
    NOTICE_REMINDER = "notice_reminder"
    REVIEW_RECEIVED = "review_received"
    REVIEW_RESULT = "review_result"
    CLAIM_FILED = "claim_filed"
    HANDED_TO_PATROL = "handed_to_patrol"
    REFUSED = "refused"
    NOTICE_REVOKED = "notice_revoked"
    LOGIN_CODE = "login_code"  # API: citizen SMS login
    ALERT_LINK = "alert_link"  # API: the 110 path's one-time alert link


class SmsRequest(Model):
    idempotency_key: str  # derived from the workflow id and the step: one SMS per key, ever
    case_number: str
    party_id: str
    phone: str
    template: str
    params: dict[str, str] = Field(default_factory=dict)


class SmsResult(Model):
    outbox_id: int
    status: str
    duplicate: bool = False  # the key was already used: nothing was sent again


class VerifyRequest(Model):
    case_number: str
    party: Party
    accident_date: date


class IssueNoticeRequest(Model):
    case_number: str
    version: int
    decision: Decision
    parties: list[Party]
    location: Location
    accident_time: datetime
    issued_at: datetime
    kind: NoticeKind = NoticeKind.DETERMINATION
    revokes: NoticeRef | None = None  # revocation: the notice it revokes
    revoked_decision: Decision | None = None  # revocation: the decision of the revoked notice
    replacement: NoticeRef | None = None  # revocation: the new determination that replaces it
    revocation_reason: str = ""


class ClaimRequest(Model):
    idempotency_key: str
    case_number: str
    party: Party
    liability: Liability | None = None
    notice_number: str
    accident_time: datetime
    evidence: list[EvidenceRef] = Field(default_factory=list)


class AmendmentRequest(Model):
    idempotency_key: str
    case_number: str
    claim: ClaimResult
    new_notice_number: str
    revoked_notice_number: str


class TimelineEntry(Model):
    step_key: str = ""  # unique per workflow step: a re-run local activity records it once
    case_number: str
    at: datetime
    actor_role: str
    actor_id: str
    action: str
    detail: dict[str, object] = Field(default_factory=dict)


class StepRecord(Model):
    snapshot: CaseSnapshot
    entry: TimelineEntry
    reporter_phone: str = ""
