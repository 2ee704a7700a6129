"""Pydantic records exchanged with db.repository: what the workflow's records activity sends
(a full `CaseRecord` snapshot after every step) and what readers get back.

They are plain pydantic models, usable as Temporal payloads. Personal fields have repr=False
so that a record printed in a log or a traceback shows no name, phone or ID number."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from domain.models import Liability, Party


class PartyRecord(Party):
    """A party as stored: `domain.models.Party` (with its single `vehicle`) plus what the case
    learned about it. `phone_hash` is filled by `upsert_case` when empty."""

    name: str = Field(repr=False)
    phone: str = Field(repr=False)
    id_number: str = Field(default="", repr=False)
    licence_number: str = Field(default="", repr=False)
    liability: Liability | None = None
    verification: dict[str, Any] = Field(default_factory=dict)
    phone_hash: str = Field(default="", repr=False)

    @classmethod
    def from_party(cls, party: Party, **extra: Any) -> PartyRecord:
        return cls(**party.model_dump(), **extra)


class CaseRecord(BaseModel):
    """The read-model row of a case (the `cases` table) with its parties."""

    model_config = ConfigDict(extra="ignore")

    case_number: str
    workflow_id: str = ""  # default: "case-<case_number>"
    status: str
    category: str | None = None
    district: str = ""
    area: str = ""
    reported_at: datetime
    lat: float | None = None  # WGS-84
    lon: float | None = None
    source_system: str = "WGS84"  # the coordinate system the phone/map reported in
    address: str = ""
    seat_id: str | None = None
    officer_id: str | None = None
    next_deadline: datetime | None = None
    next_deadline_kind: str | None = None
    outcome: str | None = None
    outcome_reason: str | None = None
    review_deadline: datetime | None = None
    served_at: datetime | None = None
    reporter_phone_hash: str | None = None
    snapshot_seq: int = 0  # increase per snapshot; an older snapshot is ignored by upsert_case
    created_at: datetime | None = None  # set by the database on first insert
    updated_at: datetime | None = None  # set by the database on every applied upsert
    parties: list[PartyRecord] = Field(default_factory=list)

    @field_validator("parties", mode="before")
    @classmethod
    def _accept_domain_parties(cls, value: Any) -> Any:
        """Accept `domain.models.Party` objects (or dicts) as well as PartyRecord."""
        if isinstance(value, list):
            return [
                p.model_dump() if isinstance(p, BaseModel) and not isinstance(p, PartyRecord) else p
                for p in value
            ]
        return value


class TimelineEntry(BaseModel):
    id: int
    case_number: str
    at: datetime
    actor_role: str
    actor_id: str
    action: str
    detail: dict[str, Any] = Field(default_factory=dict)
