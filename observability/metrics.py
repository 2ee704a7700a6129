"""Kuaichu's business metrics (Prometheus, one registry per process: the default one).

Emitted by the activities, never by workflow code (a workflow replays; an activity's effect is
recorded once): the read-model writer (activities/records.py) counts a case's milestones and
outcome the first time its timeline step is written, the SMS and claim activities their results,
the worker interceptor the activity failures. Labels are bounded: statuses, outcomes, milestones,
templates and activity types are code-defined; districts and insurers come from data, so each
keeps at most ``MAX_VALUES`` distinct values and folds the rest into "other". No personal data
is ever a label."""

from __future__ import annotations

import threading
from datetime import datetime

from prometheus_client import Counter, Histogram

from domain.case_view import CaseSnapshot
from domain.models import CaseStatus

MAX_VALUES = 64
OTHER = "other"

# seconds from the alert: minutes for the seat and the video, hours to days for service
DURATION_BUCKETS = (30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 43200, 86400, 259200, 604800)

CASES_REPORTED = Counter(
    "kuaichu_cases_reported", "Cases started (alert received), by district", ["district"]
)
CASES_ENDED = Counter(
    "kuaichu_cases_ended", "Cases that reached an outcome, by outcome and district", ["outcome", "district"]
)
CASES_SERVED = Counter("kuaichu_cases_served", "Cases whose notice every party received", ["district"])
MILESTONE_SECONDS = Histogram(
    "kuaichu_case_milestone_seconds",
    "Seconds from the alert to a milestone: seat_answer, evidence_fixed (you may leave), decision, "
    "notice, service",
    ["milestone"],
    buckets=DURATION_BUCKETS,
)
SMS_SENT = Counter("kuaichu_sms", "SMS send attempts by template and result", ["template", "result"])
CLAIMS = Counter("kuaichu_claims", "One-tap claim reports by insurer and result", ["insurer", "result"])
ACTIVITY_FAILURES = Counter(
    "kuaichu_activity_failures",
    "Activity attempts that raised, by activity type and error type",
    ["activity_type", "error_type"],
)

# the timeline action that marks each milestone (workflows/: the `record`/`set_status` actions)
MILESTONE_OF_ACTION = {
    "call_accepted": "seat_answer",
    "collection_verified": "evidence_fixed",
    "decided": "decision",
    "notice_issued": "notice",
}


class BoundedLabel:
    """A label fed by data: the first ``limit`` distinct values pass, later ones become "other"."""

    def __init__(self, limit: int = MAX_VALUES) -> None:
        self._limit = limit
        self._seen: set[str] = set()
        self._lock = threading.Lock()

    def __call__(self, value: str) -> str:
        value = (value or "unknown")[:64]
        with self._lock:
            if value in self._seen:
                return value
            if len(self._seen) < self._limit:
                self._seen.add(value)
                return value
        return OTHER


district_label = BoundedLabel()
insurer_label = BoundedLabel(16)
template_label = BoundedLabel(32)
error_type_label = BoundedLabel()


def record_case_step(
    snapshot: CaseSnapshot, action: str, at: datetime, status: CaseStatus | None = None
) -> None:
    """One newly written timeline step of a case (the writer calls it once per step); `status`
    is the case's at that step (default: the snapshot's, which may be some steps newer)."""
    status = status or snapshot.status
    district = district_label(snapshot.district)
    if action == "alert_received":
        CASES_REPORTED.labels(district).inc()
    milestone = MILESTONE_OF_ACTION.get(action)
    if action == "notice_served" and status == CaseStatus.SERVED:
        milestone = "service"
        CASES_SERVED.labels(district).inc()
    if milestone:
        MILESTONE_SECONDS.labels(milestone).observe(max(0.0, (at - snapshot.reported_at).total_seconds()))
    if snapshot.outcome is not None and action == f"case_{snapshot.outcome.value}":
        CASES_ENDED.labels(snapshot.outcome.value, district).inc()


def record_sms(template: str, result: str) -> None:
    SMS_SENT.labels(template_label(template), result).inc()


def record_claim(insurer: str, result: str) -> None:
    CLAIMS.labels(insurer_label(insurer), result).inc()


def record_activity_failure(activity_type: str, error_type: str) -> None:
    ACTIVITY_FAILURES.labels(activity_type, error_type_label(error_type)).inc()
