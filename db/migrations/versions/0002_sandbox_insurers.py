"""Sandbox insurers' own tables (the simulated PICC / CPIC / Ping An books).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

TZ = sa.DateTime(timezone=True)
BIGID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sandbox_insurer_claims",
        sa.Column("id", BIGID, autoincrement=True, nullable=False),
        sa.Column("insurer_code", sa.String(length=16), nullable=False),
        sa.Column("idempotency_key", sa.String(length=160), nullable=False),
        sa.Column("claim_number", sa.String(length=32), nullable=False),
        sa.Column("case_number", sa.String(length=32), nullable=False),
        sa.Column("notice_number", sa.String(length=40), nullable=False),
        sa.Column("plate", sa.String(length=10), nullable=False),
        sa.Column("policy_number", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sandbox_insurer_claims")),
        sa.UniqueConstraint("claim_number", name=op.f("uq_sandbox_insurer_claims_claim_number")),
        sa.UniqueConstraint(
            "insurer_code",
            "idempotency_key",
            name=op.f("uq_sandbox_insurer_claims_insurer_code_idempotency_key"),
        ),
    )
    op.create_index(
        op.f("ix_sandbox_insurer_claims_case_number"), "sandbox_insurer_claims", ["case_number"], unique=False
    )
    op.create_table(
        "sandbox_insurer_amendments",
        sa.Column("id", BIGID, autoincrement=True, nullable=False),
        sa.Column("insurer_code", sa.String(length=16), nullable=False),
        sa.Column("idempotency_key", sa.String(length=160), nullable=False),
        sa.Column("claim_number", sa.String(length=32), nullable=False),
        sa.Column("new_notice_number", sa.String(length=40), nullable=False),
        sa.Column("revoked_notice_number", sa.String(length=40), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sandbox_insurer_amendments")),
        sa.UniqueConstraint(
            "insurer_code",
            "idempotency_key",
            name=op.f("uq_sandbox_insurer_amendments_insurer_code_idempotency_key"),
        ),
    )
    op.create_index(
        op.f("ix_sandbox_insurer_amendments_claim_number"),
        "sandbox_insurer_amendments",
        ["claim_number"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_sandbox_insurer_amendments_claim_number"), table_name="sandbox_insurer_amendments")
    op.drop_table("sandbox_insurer_amendments")
    op.drop_index(op.f("ix_sandbox_insurer_claims_case_number"), table_name="sandbox_insurer_claims")
    op.drop_table("sandbox_insurer_claims")
