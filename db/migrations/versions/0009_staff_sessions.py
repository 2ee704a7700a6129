"""Staff sessions: staff_accounts.token_version (carried by its tokens as ``sv``: moved on, it ends
them, api/staff_sessions.py) and oidc_logins, the OIDC redirect sign-ins in flight (api/oidc.py).

The account's roles were a list from revision 0007 on (``roles``, JSON): nothing to convert; an
account keeps its roles and starts at token version 0.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

TZ = sa.DateTime(timezone=True)

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("staff_accounts") as batch:
        batch.add_column(sa.Column("token_version", sa.Integer(), server_default="0", nullable=False))
    op.create_table(
        "oidc_logins",
        sa.Column("state_hash", sa.String(length=64), nullable=False),
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("code_verifier", sa.String(length=128), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("expires_at", TZ, nullable=False),
        sa.Column("called_back_at", TZ, nullable=True),
        sa.Column("handoff_hash", sa.String(length=64), nullable=True),
        sa.Column("handoff_expires_at", TZ, nullable=True),
        sa.Column("principal", sa.JSON(), nullable=True),
        sa.Column("redeemed_at", TZ, nullable=True),
        sa.PrimaryKeyConstraint("state_hash", name=op.f("pk_oidc_logins")),
        sa.UniqueConstraint("handoff_hash", name=op.f("uq_oidc_logins_handoff_hash")),
    )


def downgrade() -> None:
    op.drop_table("oidc_logins")
    with op.batch_alter_table("staff_accounts") as batch:
        batch.drop_column("token_version")
