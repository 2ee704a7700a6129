"""Response shapes shared by the routers, and who sees which personal data.

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

from db.records import CaseRecord, PartyRecord
from domain.case_view import NEXT_ACTION_ZH
from domain.masking import mask_id_number, mask_name, mask_phone
from domain.messages import CaseView, Deadline, PartyView
from domain.models import CaseStatus, Liability


class PartyDetail(BaseModel):
    """A party's personal data in full (for the roles that need it) or masked."""

    party_id: str
    kind: str
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
    status: str
    reported_at: datetime
    district: str = ""
    address: str = ""
    next_deadline: datetime | None = None
    next_deadline_kind: str | None = None
    outcome: str | None = None


class CaseDetail(BaseModel):
    case: CaseView
    parties: list[PartyDetail] = Field(default_factory=list)
    source: str = "workflow"  # workflow (live) | read_model (closed, archived or Temporal down)


def party_detail(p: PartyRecord, *, full: bool) -> PartyDetail:
    vehicle = p.vehicle
    insurance = vehicle.insurance if vehicle else None
    verified = p.verification or {}
    return PartyDetail(
        party_id=p.party_id,
        kind=str(p.kind),
        name=p.name if full else mask_name(p.name),
        phone=p.phone if full else mask_phone(p.phone),
        id_number=p.id_number if full else mask_id_number(p.id_number),
        licence_number=p.licence_number if full else mask_id_number(p.licence_number),
        plate=vehicle.plate if vehicle else "",
        vehicle_type=vehicle.vehicle_type if vehicle else "",
        insurer_name=str(verified.get("insurer_name") or (insurance.insurer_name if insurance else "")),
        policy_number=(
            str(verified.get("policy_number") or (insurance.policy_number if insurance else ""))
            if full
            else ""
        ),
        liability=p.liability,
    )


def summary(record: CaseRecord) -> CaseSummary:
    return CaseSummary(
        case_number=record.case_number,
        status=record.status,
        reported_at=record.reported_at,
        district=record.district,
        address=record.address,
        next_deadline=record.next_deadline,
        next_deadline_kind=record.next_deadline_kind,
        outcome=record.outcome,
    )


def view_from_record(record: CaseRecord) -> CaseView:
    """The case view rebuilt from the read model (the workflow is closed and gone, or Temporal
    is unreachable): the same shape, masked the same way, fewer details."""
    try:
        status = CaseStatus(record.status)
    except ValueError:
        status = CaseStatus.QUEUED
    deadlines = []
    if record.next_deadline is not None:
        deadlines.append(Deadline(kind=record.next_deadline_kind or "", at=record.next_deadline))
    return CaseView(
        case_number=record.case_number,
        status=status,
        district=record.district,
        reported_at=record.reported_at,
        seat_id=record.seat_id or "",
        officer_id=record.officer_id or "",
        parties=[
            PartyView(
                party_id=p.party_id,
                kind=str(p.kind),
                name=mask_name(p.name),
                phone=mask_phone(p.phone),
                plate=p.vehicle.plate if p.vehicle else "",
                insurer_name=str((p.verification or {}).get("insurer_name", "")),
                liability=p.liability,
            )
            for p in record.parties
        ],
        deadlines=deadlines,
        next_action=NEXT_ACTION_ZH.get(status, ""),
        outcome=record.outcome or None,
        outcome_reason=record.outcome_reason or "",
    )
