"""Pydantic records that db.repository hands back besides the case snapshot (a case is read back
as the `domain.case_view.CaseSnapshot` its workflow wrote)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class TimelineEntry(BaseModel):
    id: int
    case_number: str
    at: datetime
    actor_role: str
    actor_id: str
    action: str
    detail: dict[str, Any] = Field(default_factory=dict)
