"""auth_codes: one-time secrets texted to citizens by the API (SMS login codes, 110 alert links).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

TZ = sa.DateTime(timezone=True)
BIGID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "auth_codes",
        sa.Column("id", BIGID, autoincrement=True, nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("phone_hash", sa.String(length=64), nullable=False),
        sa.Column("phone", sa.String(length=24), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", TZ, nullable=False),
        sa.Column("used_at", TZ, nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.CheckConstraint("purpose IN ('sms_login', 'link_110')", name=op.f("ck_auth_codes_purpose")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_codes")),
    )
    op.create_index(op.f("ix_auth_codes_code_hash"), "auth_codes", ["code_hash"], unique=False)
    op.create_index(
        op.f("ix_auth_codes_purpose_phone_hash_created_at"),
        "auth_codes",
        ["purpose", "phone_hash", "created_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_auth_codes_purpose_phone_hash_created_at"), table_name="auth_codes")
    op.drop_index(op.f("ix_auth_codes_code_hash"), table_name="auth_codes")
    op.drop_table("auth_codes")
