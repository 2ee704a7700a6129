"""Response shapes shared by the routers (built from the read model's stored CaseSnapshot), and
who sees which personal data.

Masking policy (DESIGN.md §5; masks from domain.masking):
- citizen: their own party in full (name, phone, ID and licence numbers, plate); every other
  party as the workflow's view shows it (name 张*, phone 138****8000).
- seat: queued cases masked; once the seat has accepted a case, that case's parties in full
  (the seat verifies names, numbers and documents on video). Other seats' cases: masked.
- officer / reviewer: what the notice carries (Order 146 Art. 24): name, ID/licence number,
  phone, plate, insurer and policy, in full, for cases awaiting a decision or a review.
- admin: the SMS outbox with phones masked; no party data.
Nothing in here logs."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from domain.case_view import CaseSnapshot, PartySnapshot
from domain.masking import mask_id_number, mask_name, mask_phone
from domain.messages import CaseView, Outcome
from domain.models import CaseStatus, Liability, PartyKind


class PartyDetail(BaseModel):
    """A party's personal data in full (for the roles that need it) or masked."""

    party_id: str
    kind: PartyKind
    name: str
    phone: str
    id_number: str = ""
    licence_number: str = ""
    plate: str = ""
    vehicle_type: str = ""
    insurer_name: str = ""
    policy_number: str = ""
    liability: Liability | None = None


class CaseSummary(BaseModel):
    case_number: str
    status: CaseStatus
    reported_at: datetime
    district: str = ""
    address: str = ""
    next_deadline: datetime | None = None
    next_deadline_kind: str | None = None
    outcome: Outcome | None = None


class CaseDetail(BaseModel):
    case: CaseView
    parties: list[PartyDetail] = Field(default_factory=list)
    # read_model (the stored snapshot, as a rule: api/case_reads.py) | workflow (the live query,
    # where the snapshot lacks a deadline the view shows)
    source: str = "workflow"


def party_detail(p: PartySnapshot, *, full: bool) -> PartyDetail:
    party, vehicle = p.party, p.party.vehicle
    return PartyDetail(
        party_id=party.party_id,
        kind=party.kind,
        name=party.name if full else mask_name(party.name),
        phone=party.phone if full else mask_phone(party.phone),
        id_number=party.id_number if full else mask_id_number(party.id_number),
        licence_number=party.licence_number if full else mask_id_number(party.licence_number),
        plate=vehicle.plate if vehicle else "",
        vehicle_type=vehicle.vehicle_type if vehicle else "",
        insurer_name=p.insurer_name,
        policy_number=p.policy_number if full else "",
        liability=p.liability,
    )


def staff_detail(view: CaseView, snapshot: CaseSnapshot, source: str, *, full: bool) -> CaseDetail:
    """A case as staff see it: the view, and every party in full or every party masked."""
    return CaseDetail(
        case=view, parties=[party_detail(p, full=full) for p in snapshot.parties], source=source
    )


def summary(s: CaseSnapshot) -> CaseSummary:
    return CaseSummary(
        case_number=s.case_number,
        status=s.status,
        reported_at=s.reported_at,
        district=s.district,
        address=s.location.address,
        next_deadline=s.next_deadline,
        next_deadline_kind=s.next_deadline_kind or None,
        outcome=s.outcome,
    )
