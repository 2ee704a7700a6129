"""Tables of the HTTP API (revision 0003), registered on Base.metadata by db/models.py."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from db.models import Base, BigId, utcnow


class AuthCodeRow(Base):
    """One-time secrets texted to citizens (api/codes.py): SMS login codes and the 110 path's
    alert links. Only an HMAC of the secret is stored; ``phone`` is kept (clear) for the 110 link
    only, because the caller's phone becomes the case's reporter. Single use: ``used_at``."""

    __tablename__ = "auth_codes"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    purpose: Mapped[str] = mapped_column(sa.String(16))  # sms_login | link_110
    phone_hash: Mapped[str] = mapped_column(sa.String(64))
    phone: Mapped[str] = mapped_column(sa.String(24), default="")
    code_hash: Mapped[str] = mapped_column(sa.String(64), index=True)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        sa.Index(None, "purpose", "phone_hash", "created_at"),
        sa.CheckConstraint("purpose IN ('sms_login', 'link_110')", name="purpose"),
    )


class RateLimitHitRow(Base):
    """One counted request of a sliding-window rate limit (api/rate_limits.py), shared by every
    API process. ``bucket`` names the limit and whom it counts (``sms_ip:<hmac>``): never a phone
    or an address in clear. Rows older than their window are deleted as the bucket is checked."""

    __tablename__ = "rate_limit_hits"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    bucket: Mapped[str] = mapped_column(sa.String(64))
    at: Mapped[datetime]

    __table_args__ = (sa.Index(None, "bucket", "at"),)


class AlertGateRow(Base):
    """A reporter's case still on the scene (api/alert_gate.py): one row per reporter (the key
    is the phone's HMAC), so that a double tap, the app's retry or a second alert while the first
    is open answers that case on any API process. ``idempotency_key`` is the alert's
    ``Idempotency-Key`` (a retry with it answers its case even after that case moved on)."""

    __tablename__ = "alert_gates"

    reporter_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    case_number: Mapped[str] = mapped_column(sa.String(32))
    idempotency_key: Mapped[str] = mapped_column(sa.String(64), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
