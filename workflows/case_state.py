"""Everything the case workflow knows, each piece owned by one small object: the parties, the
video session, the evidence collection, the determination, the review, the deadlines. The update
guards (workflows/guards.py) read it; the workflow and its steps change it; `snapshot` is what
the read model stores and the query projects."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from domain.case_view import CaseSnapshot
from domain.messages import Actor, Cancel, CaseInput, HandOffReason, Outcome, StepView
from domain.models import CaseStatus, Refusal
from workflows.collection import Collection
from workflows.deadlines import Deadlines
from workflows.determination import Determination
from workflows.parties import Parties
from workflows.review import Review
from workflows.video_session import VideoSession

ENDED = (CaseStatus.CLOSED, CaseStatus.REFUSED, CaseStatus.CANCELLED, CaseStatus.HANDED_TO_PATROL)
NOTICE_OUT = (CaseStatus.NOTICE_SENT, CaseStatus.SERVED, CaseStatus.UNDER_REVIEW)


@dataclass(frozen=True)
class HandOffOrder:
    """The case goes to a patrol (转现场处理): why, in words, and who (or which timer) said so."""

    reason: HandOffReason
    text: str
    actor: Actor


class StepState(Protocol):
    """The state of a step added beside the main line (see workflows/case_updates.py)."""

    name: str  # its key in CaseView.steps

    def view(self) -> StepView: ...


class CaseState:
    def __init__(self, inp: CaseInput) -> None:
        self.inp = inp
        self.case_number = inp.case_number
        self.status = CaseStatus.QUEUED
        self.eligible = False  # until the eligibility activity said so
        self.district = inp.district
        self.area = inp.area
        self.parties = Parties(inp.alert.parties)
        self.seat_id = ""
        self.officer_id = ""
        self.video = VideoSession(inp.case_number)
        self.collection = Collection()
        self.determination = Determination()
        self.review = Review()
        self.deadlines = Deadlines()
        self.cancel: Cancel | None = None
        self.handoff: HandOffOrder | None = None
        self.outcome: Outcome | None = None
        self.outcome_reason = ""
        self.refusals: list[Refusal] = []  # why online handling was refused or stopped
        self.seq = 0  # numbers the read-model snapshots
        self.steps: dict[str, StepState] = {}

    def add_step(self, step: StepState) -> None:
        if step.name in self.steps:
            raise ValueError(f"step {step.name} added twice")
        self.steps[step.name] = step

    @property
    def ended(self) -> bool:
        """Cancelled or to be handed off: the main line stops at its next step."""
        return self.cancel is not None or self.handoff is not None

    @property
    def collecting(self) -> bool:
        return self.status == CaseStatus.IN_VIDEO and not self.collection.complete and not self.ended

    @property
    def video_open(self) -> bool:
        """The video may be joined or resumed: the case is queued or in the call."""
        return self.status in (CaseStatus.QUEUED, CaseStatus.IN_VIDEO) and not self.ended

    def set_status(self, status: CaseStatus) -> None:
        self.status = status
        if status not in (CaseStatus.QUEUED, CaseStatus.IN_VIDEO):
            self.video.down_since = None  # past the call: no resume clock

    @property
    def accident_time(self) -> datetime:
        """When the accident happened: as the seat corrected it, else as declared at the alert, else
        the alert's time. The notice and the insurer's claim state it; the record keeps both."""
        alert = self.inp.alert
        return self.collection.accident_time or alert.accident_time or alert.reported_at

    def refusal_reasons(self) -> str:
        return "；".join(r.reason for r in self.refusals)

    def snapshot(self, workflow_id: str) -> CaseSnapshot:
        nearest = self.deadlines.nearest()
        alert, review, conclusion = self.inp.alert, self.review.request, self.review.conclusion
        return CaseSnapshot(
            case_number=self.case_number,
            seq=self.seq,
            workflow_id=workflow_id,
            status=self.status,
            category=alert.facts.category.value,
            district=self.district,
            area=self.area,
            reported_at=alert.reported_at,
            accident_time=self.accident_time,
            weather=self.collection.weather,
            road_surface=self.collection.road_surface,
            location=alert.location,
            seat_id=self.seat_id,
            officer_id=self.officer_id,
            next_deadline=nearest[1] if nearest else None,
            next_deadline_kind=nearest[0] if nearest else "",
            outcome=self.outcome,
            outcome_reason=self.outcome_reason,
            parties=[ps.snapshot() for ps in self.parties],
            evidence=[e.kind for e in self.collection.evidence],
            safety_checked=self.collection.safety is not None,
            notices=list(self.determination.notices),
            deadlines=self.deadlines.listed(),
            refusals=list(self.refusals),
            review_requested_by=review.actor.id if review else "",
            review_reason_code=review.reason_code if review else "",
            review_text=review.text if review else "",
            review_outcome=conclusion.outcome if conclusion else None,
            review_conclusion_reason=conclusion.reason if conclusion else "",
            steps={name: step.view() for name, step in self.steps.items()},
        )
