"""The parties of a case as the workflow knows them: each one's verification, liability, the
service of the current notice with the review deadline it starts, and the insurance claim."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from domain.case_view import PartySnapshot
from domain.messages import CheckStatus, ClaimResult, PartyVerification
from domain.models import InsurancePolicy, Liability, Party, PartyKind


@dataclass
class Service:
    """Service (送达) of the current notice to one party; a new notice is served anew."""

    served_at: datetime | None = None
    method: str = ""
    review_deadline: datetime | None = None  # only the first notice opens a review window
    in_progress: bool = False  # the review deadline is being computed
    # served, the deadline not computable yet (its year has no holiday data): settled by the main line
    deadline_pending: bool = False

    @property
    def done(self) -> bool:
        return self.served_at is not None

    def renew(self) -> None:
        """A new notice: it must be served again (the method of the last service stays on record)."""
        self.served_at = None
        self.review_deadline = None
        self.deadline_pending = False


@dataclass
class Claim:
    """The party's one claim report to its 交强险 insurer."""

    result: ClaimResult | None = None
    in_flight: bool = False  # a report is under way: a second tap meanwhile is refused

    @property
    def taken(self) -> bool:
        return self.result is not None or self.in_flight


@dataclass
class PartyState:
    party: Party
    liability: Liability | None = None
    verification: PartyVerification | None = None
    service: Service = field(default_factory=Service)
    claim: Claim = field(default_factory=Claim)

    @property
    def party_id(self) -> str:
        return self.party.party_id

    @property
    def is_motor(self) -> bool:
        return self.party.kind == PartyKind.MOTOR_DRIVER

    @property
    def claimable(self) -> bool:
        """A motor party whose 交强险 the registry confirmed, with a known insurer."""
        v = self.verification
        return self.is_motor and v is not None and bool(v.insurer_code) and v.insurance == CheckStatus.VALID

    def with_policy(self) -> Party:
        """The party as verified: insurer and policy from the registry, not from the citizen."""
        party = self.party.model_copy(deep=True)
        v = self.verification
        if v is not None and party.vehicle is not None:
            party.vehicle.insurance = InsurancePolicy(
                insurer_code=v.insurer_code, insurer_name=v.insurer_name, policy_number=v.policy_number
            )
        return party

    def snapshot(self) -> PartySnapshot:
        return PartySnapshot(
            party=self.party,
            liability=self.liability,
            verification=self.verification,
            served_at=self.service.served_at,
            service_method=self.service.method,
            review_deadline=self.service.review_deadline,
            review_deadline_pending=self.service.deadline_pending,
            claim=self.claim.result,
        )


class Parties:
    """The parties in the order they were recorded, by party id (P1, P2, ...)."""

    def __init__(self, parties: list[Party]) -> None:
        self._by_id = {p.party_id: PartyState(p) for p in parties}

    def __iter__(self) -> Iterator[PartyState]:
        return iter(list(self._by_id.values()))

    def __contains__(self, party_id: object) -> bool:
        return party_id in self._by_id

    def __getitem__(self, party_id: str) -> PartyState:
        return self._by_id[party_id]

    def get(self, party_id: str) -> PartyState | None:
        return self._by_id.get(party_id)

    @property
    def ids(self) -> list[str]:
        return list(self._by_id)

    def replace(self, parties: list[Party]) -> None:
        """The seat's corrected list: a party kept keeps what the case learned about it."""
        old = self._by_id
        self._by_id = {p.party_id: old.get(p.party_id, PartyState(p)) for p in parties}
        for p in parties:
            self._by_id[p.party_id].party = p

    def motor(self) -> list[PartyState]:
        return [ps for ps in self if ps.is_motor]

    def vehicles(self) -> int:
        return sum(1 for ps in self if ps.party.vehicle is not None)

    def all_served(self) -> bool:
        return all(ps.service.done for ps in self)

    def unserved(self) -> list[PartyState]:
        return [ps for ps in self if not ps.service.done]

    def unserved_ids(self) -> list[str]:
        return [ps.party_id for ps in self.unserved()]

    def deadlines_pending(self) -> list[PartyState]:
        return [ps for ps in self if ps.service.deadline_pending]

    def review_window_end(self) -> datetime | None:
        """The review window lasts until the last served party's deadline."""
        ends = [ps.service.review_deadline for ps in self if ps.service.review_deadline is not None]
        return max(ends) if ends else None
