"""The review (复核) of a determination: one request per accident, the co-reviewers'
concurrences, the conclusion, and whether the window closed without a request."""

from __future__ import annotations

from datetime import datetime

from domain.messages import ConcludeReview, ReviewerIdentity, ReviewOutcome, ReviewRequest


class Review:
    def __init__(self) -> None:
        self.request: ReviewRequest | None = None
        self.requested_at: datetime | None = None
        self.concurrences: dict[str, ReviewOutcome] = {}  # co-reviewer id -> the outcome they agreed
        self.identities: dict[str, ReviewerIdentity] = {}  # reviewer id -> name and badge as signed
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

    def concur(self, reviewer_id: str, outcome: ReviewOutcome, identity: ReviewerIdentity) -> None:
        self.concurrences[reviewer_id] = outcome
        self.identities[reviewer_id] = ReviewerIdentity(
            name=identity.name, badge_number=identity.badge_number
        )

    def signatories(self) -> list[tuple[str, ReviewerIdentity]]:
        """Who signs the conclusion: the concluding reviewer first, then the co-reviewers named."""
        c = self.conclusion
        if c is None:
            return []
        own = ReviewerIdentity(name=c.name, badge_number=c.badge_number)
        others = [r for r in dict.fromkeys(c.reviewers) if r != c.actor.id]
        return [(c.actor.id, own)] + [(r, self.identities.get(r, ReviewerIdentity())) for r in others]

    def unsigned(self, conclusion: ConcludeReview) -> list[str]:
        """Reviewers of ``conclusion`` whose name or badge is missing (none can be printed)."""
        ids = [conclusion.actor.id] + [r for r in conclusion.reviewers if r != conclusion.actor.id]
        identities = {**self.identities, conclusion.actor.id: conclusion}
        return [
            r
            for r in dict.fromkeys(ids)
            if r not in identities or not (identities[r].name.strip() and identities[r].badge_number.strip())
        ]

    def not_concurred(self, conclusion: ConcludeReview) -> list[str]:
        """The co-reviewers named in a conclusion who have not agreed to its outcome themselves."""
        others = set(conclusion.reviewers) - {conclusion.actor.id}
        return [r for r in sorted(others) if self.concurrences.get(r) != conclusion.outcome]
