"""staff_accounts and staff_login_audit: staff who log in with a password and a TOTP code.

Revision ID: 0007
Revises: 0006 (0006 is another branch's; the merge chains them)
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

TZ = sa.DateTime(timezone=True)
BIGID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "staff_accounts",
        sa.Column("staff_id", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=64), nullable=False),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("district", sa.String(length=64), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("totp_secret_enc", sa.String(length=255), nullable=True),
        sa.Column("totp_last_step", sa.BigInteger(), nullable=True),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        sa.Column("locked_until", TZ, nullable=True),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("staff_id", name=op.f("pk_staff_accounts")),
    )
    op.create_table(
        "staff_login_audit",
        sa.Column("id", BIGID, autoincrement=True, nullable=False),
        sa.Column("staff_id", sa.String(length=64), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.String(length=32), nullable=False),
        sa.Column("client_hash", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_login_audit")),
    )
    op.create_index(op.f("ix_staff_login_audit_staff_id"), "staff_login_audit", ["staff_id"], unique=False)
    op.create_index(op.f("ix_staff_login_audit_at"), "staff_login_audit", ["at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_staff_login_audit_at"), table_name="staff_login_audit")
    op.drop_index(op.f("ix_staff_login_audit_staff_id"), table_name="staff_login_audit")
    op.drop_table("staff_login_audit")
    op.drop_table("staff_accounts")
