"""The liability determination: the officer's decision, versioned, and the notices issued for it.

Each decision bumps `decided_version`; issuing its notice brings `issued_version` up to it. A
decision is pending while no notice reflects it yet. A notice that cannot be issued refuses
the decision (with the reason) and the officer decides again."""

from __future__ import annotations

from domain.messages import NoticeRef
from domain.models import Decision, NoticeKind, Refusal


class Determination:
    def __init__(self) -> None:
        self.decision: Decision | None = None
        self.decided_version = 0  # bumped by each decision
        self.issued_version = 0  # the decision version the issued notices reflect
        self.refusal: Refusal | None = None  # why the last decision's notice could not be issued
        self.notices: list[NoticeRef] = []
        self.noticed_decisions: list[Decision] = []  # the decision behind each determination notice

    @property
    def pending(self) -> bool:
        """A decision has been taken that no notice reflects yet."""
        return self.decided_version > self.issued_version

    @property
    def first_notice_issued(self) -> bool:
        """Exactly the first notice is out: only it opens a review window (one review per accident)."""
        return self.issued_version == 1

    def take(self, decision: Decision) -> None:
        self.decision = decision
        self.decided_version = self.issued_version + 1

    def refuse(self, refusal: Refusal) -> None:
        """The pending decision's notice failed: the decision is refused, none is pending."""
        self.refusal = refusal
        self.decided_version = self.issued_version

    def take_refusal(self) -> Refusal | None:
        refusal, self.refusal = self.refusal, None
        return refusal

    def current_notice(self) -> NoticeRef | None:
        determinations = [n for n in self.notices if n.kind == NoticeKind.DETERMINATION]
        return determinations[-1] if determinations else None

    def last_revocation(self) -> NoticeRef | None:
        revocations = [n for n in self.notices if n.kind == NoticeKind.REVOCATION]
        return revocations[-1] if revocations else None
