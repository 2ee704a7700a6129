"""Tables of the simulated insurers (adapters/sandbox_insurer.py): the insurer's own books,
not ours. Our record of a claim is `insurer_claims` (db.models.ClaimRow); these are what the
sandbox insurer keeps on its side, keyed by the Idempotency-Key it received. Created by the
Alembic revision 0002."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from db.models import Base, BigId, utcnow


class SandboxInsurerClaimRow(Base):
    __tablename__ = "sandbox_insurer_claims"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    insurer_code: Mapped[str] = mapped_column(sa.String(16))
    idempotency_key: Mapped[str] = mapped_column(sa.String(160))
    claim_number: Mapped[str] = mapped_column(sa.String(32), unique=True)
    case_number: Mapped[str] = mapped_column(sa.String(32), index=True)
    notice_number: Mapped[str] = mapped_column(sa.String(40))
    plate: Mapped[str] = mapped_column(sa.String(10))
    policy_number: Mapped[str] = mapped_column(sa.String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(sa.JSON)  # what the insurer received
    status: Mapped[str] = mapped_column(sa.String(16), default="registered")  # registered | amended
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (sa.UniqueConstraint("insurer_code", "idempotency_key"),)


class SandboxInsurerAmendmentRow(Base):
    __tablename__ = "sandbox_insurer_amendments"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    insurer_code: Mapped[str] = mapped_column(sa.String(16))
    idempotency_key: Mapped[str] = mapped_column(sa.String(160))
    claim_number: Mapped[str] = mapped_column(sa.String(32), index=True)
    new_notice_number: Mapped[str] = mapped_column(sa.String(40))
    revoked_notice_number: Mapped[str] = mapped_column(sa.String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (sa.UniqueConstraint("insurer_code", "idempotency_key"),)
