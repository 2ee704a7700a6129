"""Names, payloads and typed declarations of the activities the case workflow calls.

The workflow never imports the modules behind the activities (databases, HTTP clients, Twilio):
it calls each one through its declaration here (`ActivityDecl`: name, input type, output type),
and activities/ registers one implementation against each declaration (`activities.declared.
implements`). A type checker then sees both sides of every call, so a changed payload is a type
error rather than a failed activity at run time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Generic, TypeVar

from pydantic import Field

from domain.case_view import CaseSnapshot, PartySnapshot
from domain.messages import (
    ClaimResult,
    NoticeRef,
    PartyVerification,
    ReviewerIdentity,
    ReviewOutcome,
    VideoAccess,
)
from domain.models import (
    Alert,
    CaseStatus,
    Decision,
    EvidenceRef,
    Liability,
    Location,
    Model,
    NoticeKind,
    Party,
    Refusal,
)
from domain.sms_texts import SmsTemplate as SmsTemplate  # re-exported: the workflow sends act.SmsTemplate.X

__all__ = ["CaseSnapshot", "PartySnapshot"]  # re-exported: the record step's payload

# activity names (also used as such by callers outside the case workflow)
CHECK_ELIGIBILITY = "check_eligibility"
WORKING_DAYS_DEADLINE = "working_days_deadline"
CREATE_VIDEO_ROOM = "create_video_room"
ISSUE_VIDEO_TOKEN = "issue_video_token"
COMPLETE_VIDEO_ROOM = "complete_video_room"
SEND_SMS = "send_sms"
SEND_SMS_BATCH = "send_sms_batch"
VERIFY_PARTY = "verify_party"
ISSUE_NOTICE = "issue_notice"
FILE_CLAIM = "file_claim"
NOTIFY_INSURER_AMENDMENT = "notify_insurer_amendment"
RECORD_STEP = "record_step"
RETAIN_EVIDENCE = "retain_evidence"
PURGE_EXPIRED_EVIDENCE = "purge_expired_evidence"


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


class SmsBatch(Model):
    """Every party's SMS of one step: sent together, each under its own key."""

    messages: list[SmsRequest]


class SmsOutcome(Model):
    result: SmsResult | None = None
    error: str = ""  # refused for good (the template, the provider): the case records it


class SmsBatchResult(Model):
    outcomes: list[SmsOutcome]  # in the order of the messages


class VerifyRequest(Model):
    case_number: str
    party: Party
    accident_date: date


class ReviewConclusionRequest(Model):
    """For a review conclusion (道路交通事故认定复核结论): what was reviewed, who applied for what,
    and what the reviewers concluded and why."""

    reviewed: NoticeRef  # the determination that was reviewed
    reviewed_decision: Decision  # the decision it was issued for
    applicant_party_ids: list[str]
    request: str = ""  # the applicant's reason, as stated
    applied_at: datetime
    outcome: ReviewOutcome
    reasons: str
    reviewers: list[ReviewerIdentity]  # the concluding reviewer first


class IssueNoticeRequest(Model):
    case_number: str
    version: int
    decision: Decision
    parties: list[Party]
    location: Location
    accident_time: datetime  # when the accident happened (declared, or corrected by the seat)
    issued_at: datetime
    weather: str = ""  # codes as the seat recorded them; "" prints 未记录, never a default
    road_surface: str = ""
    kind: NoticeKind = NoticeKind.DETERMINATION
    review: ReviewConclusionRequest | None = None  # a review conclusion
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
    # the case's status at this step (metrics): a batch's snapshot may be some steps newer
    status: CaseStatus | None = None


class StepRecord(Model):
    """The latest snapshot of the case and the timeline entries since the last write: one entry
    in `entry` (every record before the batched-read-model patch, so histories in flight), the
    entries of one workflow task in `entries` after it."""

    snapshot: CaseSnapshot
    entry: TimelineEntry | None = None
    entries: list[TimelineEntry] = Field(default_factory=list)
    reporter_phone: str = ""

    def all_entries(self) -> list[TimelineEntry]:
        return [self.entry, *self.entries] if self.entry is not None else list(self.entries)


class RetentionSweep(Model):
    """One batch of the retention sweep (workflows/retention.py): evidence due at ``now``."""

    now: datetime
    limit: int = 200


class RetentionSweepResult(Model):
    deleted: int = 0  # files deleted from the object store (each with its audit record)
    absent: int = 0  # due, but the file was already gone: recorded as deleted all the same
    skipped: int = 0  # no longer due when locked (a decision made it permanent meanwhile)
    more: bool = False  # the batch was full: more may be due

    def plus(self, other: RetentionSweepResult) -> RetentionSweepResult:
        return RetentionSweepResult(
            deleted=self.deleted + other.deleted,
            absent=self.absent + other.absent,
            skipped=self.skipped + other.skipped,
            more=other.more,
        )


# --- declarations ------------------------------------------------------------------------------

I = TypeVar("I")  # noqa: E741 (input, as in ActivityDecl[I, O])
O = TypeVar("O")  # noqa: E741


@dataclass(frozen=True)
class ActivityDecl(Generic[I, O]):
    """One activity: the name it is registered under, the type of its one argument, the type of
    its result (`type(None)` for none)."""

    name: str
    input: type[I]
    output: type[O]


# named like the activity functions they declare
check_eligibility = ActivityDecl(CHECK_ELIGIBILITY, EligibilityRequest, EligibilityOutcome)
working_days_deadline = ActivityDecl(WORKING_DAYS_DEADLINE, DeadlineRequest, datetime)
create_video_room = ActivityDecl(CREATE_VIDEO_ROOM, RoomRequest, RoomInfo)
issue_video_token = ActivityDecl(ISSUE_VIDEO_TOKEN, TokenRequest, VideoAccess)
complete_video_room = ActivityDecl(COMPLETE_VIDEO_ROOM, RoomInfo, type(None))
send_sms = ActivityDecl(SEND_SMS, SmsRequest, SmsResult)
send_sms_batch = ActivityDecl(SEND_SMS_BATCH, SmsBatch, SmsBatchResult)
verify_party = ActivityDecl(VERIFY_PARTY, VerifyRequest, PartyVerification)
issue_notice = ActivityDecl(ISSUE_NOTICE, IssueNoticeRequest, NoticeRef)
file_claim = ActivityDecl(FILE_CLAIM, ClaimRequest, ClaimResult)
notify_insurer_amendment = ActivityDecl(NOTIFY_INSURER_AMENDMENT, AmendmentRequest, type(None))
record_step = ActivityDecl(RECORD_STEP, StepRecord, type(None))
retain_evidence = ActivityDecl(RETAIN_EVIDENCE, str, int)  # the case number; how many records changed
purge_expired_evidence = ActivityDecl(PURGE_EXPIRED_EVIDENCE, RetentionSweep, RetentionSweepResult)


class HealRequest(Model):
    """The case doctor's round: which workflow type to look after (its cases only)."""

    workflow_type: str = "AccidentCaseWorkflow"
    max_cases: int = 100


class HealReport(Model):
    healed: list[str] = Field(default_factory=list)  # workflow ids reset past a replay fault
    attention: list[str] = Field(default_factory=list)  # other reported problems, for operators


heal_stuck_cases = ActivityDecl("heal_stuck_cases", HealRequest, HealReport)

# Cases for operators, as visibility queries (the case doctor and GET /admin/stuck-cases ask them).
# Temporal's own marker of a workflow whose workflow task keeps failing:
REPORTED_PROBLEMS_ATTRIBUTE = "TemporalReportedProblems"
# ours (workflows/search_attributes.py): activities a case has waited on longer than
# workflows.activity_calls.STUCK_AFTER (activity names only)
STUCK_ACTIVITIES_ATTRIBUTE = "StuckActivities"


def _running(workflow_type: str) -> str:
    return f"WorkflowType = '{workflow_type}' AND ExecutionStatus = 'Running'"


def reported_problems_query(workflow_type: str) -> str:
    """Running cases whose workflow task keeps failing (the case doctor heals them)."""
    return f"{_running(workflow_type)} AND {REPORTED_PROBLEMS_ATTRIBUTE} IS NOT NULL"


def stuck_cases_query(workflow_type: str) -> str:
    """Running cases an operator must look at: waiting on a failing activity, or failing."""
    return (
        f"{_running(workflow_type)} AND "
        f"({STUCK_ACTIVITIES_ATTRIBUTE} IS NOT NULL OR {REPORTED_PROBLEMS_ATTRIBUTE} IS NOT NULL)"
    )


# every declaration of this module, for the registration check
DECLARATIONS: tuple[ActivityDecl[Any, Any], ...] = tuple(
    v for v in list(globals().values()) if isinstance(v, ActivityDecl)
)
