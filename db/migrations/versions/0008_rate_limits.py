"""Abuse and races: rate_limit_hits, the requests counted by the API's sliding-window rate limits
(api/rate_limits.py); alert_gates, each reporter's case still on the scene (api/alert_gate.py).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

TZ = sa.DateTime(timezone=True)
BIGID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rate_limit_hits",
        sa.Column("id", BIGID, autoincrement=True, nullable=False),
        sa.Column("bucket", sa.String(length=64), nullable=False),
        sa.Column("at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rate_limit_hits")),
    )
    op.create_index(op.f("ix_rate_limit_hits_bucket_at"), "rate_limit_hits", ["bucket", "at"], unique=False)
    op.create_table(
        "alert_gates",
        sa.Column("reporter_hash", sa.String(length=64), nullable=False),
        sa.Column("case_number", sa.String(length=32), nullable=False),
        sa.Column("idempotency_key", sa.String(length=64), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("reporter_hash", name=op.f("pk_alert_gates")),
    )


def downgrade() -> None:
    op.drop_table("alert_gates")
    op.drop_index(op.f("ix_rate_limit_hits_bucket_at"), table_name="rate_limit_hits")
    op.drop_table("rate_limit_hits")
