"""The review (复核) of a determination: one request per accident, the co-reviewers'
concurrences, the conclusion, and whether the window closed without a request."""

from __future__ import annotations

from datetime import datetime

from domain.messages import ConcludeReview, ReviewOutcome, ReviewRequest


class Review:
    def __init__(self) -> None:
        self.request: ReviewRequest | None = None
        self.requested_at: datetime | None = None
        self.concurrences: dict[str, ReviewOutcome] = {}  # co-reviewer id -> the outcome they agreed
        self.conclusion: ConcludeReview | None = None
        self.window_closed = False  # every window passed without a request

    @property
    def requested(self) -> bool:
        return self.request is not None

    @property
    def concluded(self) -> bool:
        return self.conclusion is not None

    def open(self, request: ReviewRequest, at: datetime) -> None:
        self.request, self.requested_at = request, at

    def concur(self, reviewer_id: str, outcome: ReviewOutcome) -> None:
        self.concurrences[reviewer_id] = outcome

    def not_concurred(self, conclusion: ConcludeReview) -> list[str]:
        """The co-reviewers named in a conclusion who have not agreed to its outcome themselves."""
        others = set(conclusion.reviewers) - {conclusion.actor.id}
        return [r for r in sorted(others) if self.concurrences.get(r) != conclusion.outcome]
