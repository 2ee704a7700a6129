"""notices.kind may be review_conclusion: the written review conclusion (道路交通事故认定复核结论)
is issued, stored and verified like a notice. The column grows from 16 to 24 characters
("review_conclusion" has 17: PostgreSQL refused it, SQLite does not check lengths).

SQLite cannot alter a CHECK constraint: batch mode rebuilds the table (move and copy), which
PostgreSQL does in place (drop and create the constraint).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WITH_CONCLUSION = "kind IN ('determination', 'revocation', 'review_conclusion')"
WITHOUT = "kind IN ('determination', 'revocation')"


def _replace_check(condition: str, length: int) -> None:
    with op.batch_alter_table("notices") as batch:
        batch.drop_constraint(op.f("ck_notices_kind"), type_="check")
        batch.alter_column("kind", type_=sa.String(length=length), existing_nullable=False)
        batch.create_check_constraint(op.f("ck_notices_kind"), condition)


def upgrade() -> None:
    _replace_check(WITH_CONCLUSION, 24)


def downgrade() -> None:
    # conclusions cannot stay under the old constraint: a downgrade drops them (their PDFs stay)
    op.execute("DELETE FROM notices WHERE kind = 'review_conclusion'")
    _replace_check(WITHOUT, 16)
