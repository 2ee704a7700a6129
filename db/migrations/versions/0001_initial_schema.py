"""Initial schema: read model, records, audit trail, outbox, calendar, registry sandbox.

The timeline is append-only: triggers refuse UPDATE and DELETE on both backends (and TRUNCATE on
PostgreSQL). Types are spelled out here (not imported from db.models) so that this revision keeps
meaning the same thing when the models change.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# UTCDateTime in db.models renders as this; BIGINT ids are INTEGER on SQLite (rowid autoincrement)
TZ = sa.DateTime(timezone=True)
BIGID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

TIMELINE_MESSAGE = "timeline is append-only"

PG_TRIGGERS = [
    f"""
    CREATE FUNCTION kuaichu_timeline_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '{TIMELINE_MESSAGE}: % refused', TG_OP USING ERRCODE = 'restrict_violation';
    END
    $$
    """,
    """
    CREATE TRIGGER timeline_no_update_delete BEFORE UPDATE OR DELETE ON timeline
    FOR EACH ROW EXECUTE FUNCTION kuaichu_timeline_append_only()
    """,
    """
    CREATE TRIGGER timeline_no_truncate BEFORE TRUNCATE ON timeline
    FOR EACH STATEMENT EXECUTE FUNCTION kuaichu_timeline_append_only()
    """,
]
SQLITE_TRIGGERS = [
    f"""
    CREATE TRIGGER timeline_no_update BEFORE UPDATE ON timeline
    BEGIN SELECT RAISE(ABORT, '{TIMELINE_MESSAGE}: UPDATE refused'); END
    """,
    f"""
    CREATE TRIGGER timeline_no_delete BEFORE DELETE ON timeline
    BEGIN SELECT RAISE(ABORT, '{TIMELINE_MESSAGE}: DELETE refused'); END
    """,
]


revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "calendar_overrides",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("is_workday", sa.Boolean(), nullable=False),
        sa.Column("note", sa.String(length=128), nullable=False),
        sa.Column("loaded_by", sa.String(length=64), nullable=False),
        sa.Column("loaded_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_calendar_overrides")),
    )
    op.create_table(
        "calendar_years",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("loaded_by", sa.String(length=64), nullable=False),
        sa.Column("loaded_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_calendar_years")),
    )
    op.create_table(
        "cases",
        sa.Column("case_number", sa.String(length=32), nullable=False),
        sa.Column("workflow_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=True),
        sa.Column("district", sa.String(length=64), nullable=False),
        sa.Column("area", sa.String(length=64), nullable=False),
        sa.Column("reported_at", TZ, nullable=False),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("source_system", sa.String(length=8), nullable=False),
        sa.Column("address", sa.String(length=256), nullable=False),
        sa.Column("seat_id", sa.String(length=64), nullable=True),
        sa.Column("officer_id", sa.String(length=64), nullable=True),
        sa.Column("next_deadline", TZ, nullable=True),
        sa.Column("next_deadline_kind", sa.String(length=48), nullable=True),
        sa.Column("outcome", sa.String(length=48), nullable=True),
        sa.Column("outcome_reason", sa.Text(), nullable=True),
        sa.Column("review_deadline", TZ, nullable=True),
        sa.Column("served_at", TZ, nullable=True),
        sa.Column("reporter_phone_hash", sa.String(length=64), nullable=True),
        sa.Column("snapshot_seq", sa.Integer(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("case_number", name=op.f("pk_cases")),
        sa.UniqueConstraint("workflow_id", name=op.f("uq_cases_workflow_id")),
    )
    op.create_index(op.f("ix_cases_district"), "cases", ["district"], unique=False)
    op.create_index(op.f("ix_cases_next_deadline"), "cases", ["next_deadline"], unique=False)
    op.create_index(op.f("ix_cases_officer_id"), "cases", ["officer_id"], unique=False)
    op.create_index(op.f("ix_cases_reported_at"), "cases", ["reported_at"], unique=False)
    op.create_index(op.f("ix_cases_reporter_phone_hash"), "cases", ["reporter_phone_hash"], unique=False)
    op.create_index(op.f("ix_cases_seat_id"), "cases", ["seat_id"], unique=False)
    op.create_index(op.f("ix_cases_status_reported_at"), "cases", ["status", "reported_at"], unique=False)
    op.create_table(
        "registry_licences",
        sa.Column("licence_number", sa.String(length=12), nullable=False),
        sa.Column("id_number", sa.String(length=18), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("licence_class", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("licence_number", name=op.f("pk_registry_licences")),
    )
    op.create_index(op.f("ix_registry_licences_id_number"), "registry_licences", ["id_number"], unique=False)
    op.create_table(
        "registry_policies",
        sa.Column("policy_number", sa.String(length=64), nullable=False),
        sa.Column("plate", sa.String(length=10), nullable=False),
        sa.Column("insurer_code", sa.String(length=16), nullable=False),
        sa.Column("insurer_name", sa.String(length=64), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("policy_number", name=op.f("pk_registry_policies")),
    )
    op.create_index(
        op.f("ix_registry_policies_plate_valid_to"), "registry_policies", ["plate", "valid_to"], unique=False
    )
    op.create_table(
        "registry_vehicles",
        sa.Column("plate", sa.String(length=10), nullable=False),
        sa.Column("vehicle_type", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("inspection_valid_to", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("plate", name=op.f("pk_registry_vehicles")),
    )
    op.create_table(
        "sms_outbox",
        sa.Column("id", BIGID, autoincrement=True, nullable=False),
        sa.Column("idempotency_key", sa.String(length=160), nullable=False),
        sa.Column("case_number", sa.String(length=32), nullable=True),
        sa.Column("party_id", sa.String(length=8), nullable=False),
        sa.Column("phone", sa.String(length=24), nullable=False),
        sa.Column("template", sa.String(length=48), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("provider", sa.String(length=16), nullable=False),
        sa.Column("provider_message_id", sa.String(length=64), nullable=True),
        sa.Column("error_code", sa.String(length=32), nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.CheckConstraint(
            "status IN ('queued', 'sent', 'delivered', 'failed', 'undelivered')",
            name=op.f("ck_sms_outbox_status"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sms_outbox")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_sms_outbox_idempotency_key")),
        sa.UniqueConstraint("provider_message_id", name=op.f("uq_sms_outbox_provider_message_id")),
    )
    op.create_index(op.f("ix_sms_outbox_case_number"), "sms_outbox", ["case_number"], unique=False)
    op.create_index(op.f("ix_sms_outbox_status"), "sms_outbox", ["status"], unique=False)
    op.create_table(
        "evidence",
        sa.Column("evidence_id", sa.String(length=64), nullable=False),
        sa.Column("case_number", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("storage_path", sa.String(length=512), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content_type", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=True),
        sa.Column("party_id", sa.String(length=8), nullable=False),
        sa.Column("captured_by", sa.String(length=64), nullable=False),
        sa.Column("captured_role", sa.String(length=16), nullable=False),
        sa.Column("captured_at", TZ, nullable=False),
        sa.Column("retention", sa.String(length=16), nullable=False),
        sa.Column("retain_until", TZ, nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.CheckConstraint("retention IN ('6_months', 'permanent')", name=op.f("ck_evidence_retention")),
        sa.ForeignKeyConstraint(
            ["case_number"], ["cases.case_number"], name=op.f("fk_evidence_case_number_cases")
        ),
        sa.PrimaryKeyConstraint("evidence_id", name=op.f("pk_evidence")),
    )
    op.create_index(op.f("ix_evidence_case_number"), "evidence", ["case_number"], unique=False)
    op.create_index(op.f("ix_evidence_retain_until"), "evidence", ["retain_until"], unique=False)
    op.create_index(op.f("ix_evidence_sha256"), "evidence", ["sha256"], unique=False)
    op.create_table(
        "insurer_claims",
        sa.Column("id", BIGID, autoincrement=True, nullable=False),
        sa.Column("idempotency_key", sa.String(length=160), nullable=False),
        sa.Column("case_number", sa.String(length=32), nullable=False),
        sa.Column("party_id", sa.String(length=8), nullable=False),
        sa.Column("insurer_code", sa.String(length=16), nullable=False),
        sa.Column("claim_number", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("notice_number", sa.String(length=40), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.ForeignKeyConstraint(
            ["case_number"], ["cases.case_number"], name=op.f("fk_insurer_claims_case_number_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_insurer_claims")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_insurer_claims_idempotency_key")),
    )
    op.create_index(op.f("ix_insurer_claims_case_number"), "insurer_claims", ["case_number"], unique=False)
    op.create_table(
        "notices",
        sa.Column("notice_number", sa.String(length=40), nullable=False),
        sa.Column("case_number", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("revokes_notice_number", sa.String(length=40), nullable=True),
        sa.Column("pdf_path", sa.String(length=512), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("signature", sa.Text(), nullable=False),
        sa.Column("short_code", sa.String(length=32), nullable=False),
        sa.Column("issued_at", TZ, nullable=False),
        sa.Column("served_at", TZ, nullable=True),
        sa.Column("revoked_at", TZ, nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.CheckConstraint("kind IN ('determination', 'revocation')", name=op.f("ck_notices_kind")),
        sa.ForeignKeyConstraint(
            ["case_number"], ["cases.case_number"], name=op.f("fk_notices_case_number_cases")
        ),
        sa.ForeignKeyConstraint(
            ["revokes_notice_number"],
            ["notices.notice_number"],
            name=op.f("fk_notices_revokes_notice_number_notices"),
        ),
        sa.PrimaryKeyConstraint("notice_number", name=op.f("pk_notices")),
        sa.UniqueConstraint("case_number", "version", name=op.f("uq_notices_case_number_version")),
    )
    op.create_index(op.f("ix_notices_short_code"), "notices", ["short_code"], unique=False)
    op.create_table(
        "parties",
        sa.Column("id", BIGID, autoincrement=True, nullable=False),
        sa.Column("case_number", sa.String(length=32), nullable=False),
        sa.Column("party_id", sa.String(length=8), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("phone", sa.String(length=24), nullable=False),
        sa.Column("phone_hash", sa.String(length=64), nullable=False),
        sa.Column("id_number", sa.String(length=18), nullable=False),
        sa.Column("licence_number", sa.String(length=12), nullable=False),
        sa.Column("liability", sa.String(length=8), nullable=True),
        sa.Column("verification", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_number"],
            ["cases.case_number"],
            name=op.f("fk_parties_case_number_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_parties")),
        sa.UniqueConstraint("case_number", "party_id", name=op.f("uq_parties_case_number_party_id")),
    )
    op.create_index(op.f("ix_parties_phone_hash"), "parties", ["phone_hash"], unique=False)
    op.create_table(
        "review_requests",
        sa.Column("id", BIGID, autoincrement=True, nullable=False),
        sa.Column("case_number", sa.String(length=32), nullable=False),
        sa.Column("party_id", sa.String(length=8), nullable=False),
        sa.Column("reason_code", sa.String(length=32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("requested_at", TZ, nullable=False),
        sa.Column("conclusion", sa.String(length=24), nullable=True),
        sa.Column("concluded_by", sa.JSON(), nullable=False),
        sa.Column("concluded_at", TZ, nullable=True),
        sa.ForeignKeyConstraint(
            ["case_number"], ["cases.case_number"], name=op.f("fk_review_requests_case_number_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_requests")),
        sa.UniqueConstraint("case_number", name=op.f("uq_review_requests_case_number")),
    )
    op.create_table(
        "timeline",
        sa.Column("id", BIGID, autoincrement=True, nullable=False),
        sa.Column("case_number", sa.String(length=32), nullable=False),
        sa.Column("at", TZ, nullable=False),
        sa.Column("actor_role", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_number"], ["cases.case_number"], name=op.f("fk_timeline_case_number_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_timeline")),
    )
    op.create_index(op.f("ix_timeline_case_number_id"), "timeline", ["case_number", "id"], unique=False)
    op.create_table(
        "vehicles",
        sa.Column("id", BIGID, autoincrement=True, nullable=False),
        sa.Column("case_number", sa.String(length=32), nullable=False),
        sa.Column("party_id", sa.String(length=8), nullable=False),
        sa.Column("plate", sa.String(length=10), nullable=False),
        sa.Column("vehicle_type", sa.String(length=32), nullable=False),
        sa.Column("insurer_code", sa.String(length=16), nullable=False),
        sa.Column("insurer_name", sa.String(length=64), nullable=False),
        sa.Column("policy_number", sa.String(length=64), nullable=False),
        sa.Column("policy_valid_from", sa.Date(), nullable=True),
        sa.Column("policy_valid_to", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_number", "party_id"],
            ["parties.case_number", "parties.party_id"],
            name="fk_vehicles_party",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["case_number"],
            ["cases.case_number"],
            name=op.f("fk_vehicles_case_number_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vehicles")),
    )
    op.create_index(
        op.f("ix_vehicles_case_number_party_id"), "vehicles", ["case_number", "party_id"], unique=False
    )
    op.create_index(op.f("ix_vehicles_plate"), "vehicles", ["plate"], unique=False)

    dialect = op.get_bind().dialect.name
    for ddl in PG_TRIGGERS if dialect == "postgresql" else SQLITE_TRIGGERS if dialect == "sqlite" else []:
        op.execute(ddl)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS timeline_no_truncate ON timeline")
        op.execute("DROP TRIGGER IF EXISTS timeline_no_update_delete ON timeline")
        op.execute("DROP FUNCTION IF EXISTS kuaichu_timeline_append_only()")
    elif dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS timeline_no_update")
        op.execute("DROP TRIGGER IF EXISTS timeline_no_delete")
    op.drop_index(op.f("ix_vehicles_plate"), table_name="vehicles")
    op.drop_index(op.f("ix_vehicles_case_number_party_id"), table_name="vehicles")
    op.drop_table("vehicles")
    op.drop_index(op.f("ix_timeline_case_number_id"), table_name="timeline")
    op.drop_table("timeline")
    op.drop_table("review_requests")
    op.drop_index(op.f("ix_parties_phone_hash"), table_name="parties")
    op.drop_table("parties")
    op.drop_index(op.f("ix_notices_short_code"), table_name="notices")
    op.drop_table("notices")
    op.drop_index(op.f("ix_insurer_claims_case_number"), table_name="insurer_claims")
    op.drop_table("insurer_claims")
    op.drop_index(op.f("ix_evidence_sha256"), table_name="evidence")
    op.drop_index(op.f("ix_evidence_retain_until"), table_name="evidence")
    op.drop_index(op.f("ix_evidence_case_number"), table_name="evidence")
    op.drop_table("evidence")
    op.drop_index(op.f("ix_sms_outbox_status"), table_name="sms_outbox")
    op.drop_index(op.f("ix_sms_outbox_case_number"), table_name="sms_outbox")
    op.drop_table("sms_outbox")
    op.drop_table("registry_vehicles")
    op.drop_index(op.f("ix_registry_policies_plate_valid_to"), table_name="registry_policies")
    op.drop_table("registry_policies")
    op.drop_index(op.f("ix_registry_licences_id_number"), table_name="registry_licences")
    op.drop_table("registry_licences")
    op.drop_index(op.f("ix_cases_status_reported_at"), table_name="cases")
    op.drop_index(op.f("ix_cases_seat_id"), table_name="cases")
    op.drop_index(op.f("ix_cases_reporter_phone_hash"), table_name="cases")
    op.drop_index(op.f("ix_cases_reported_at"), table_name="cases")
    op.drop_index(op.f("ix_cases_officer_id"), table_name="cases")
    op.drop_index(op.f("ix_cases_next_deadline"), table_name="cases")
    op.drop_index(op.f("ix_cases_district"), table_name="cases")
    op.drop_table("cases")
    op.drop_table("calendar_years")
    op.drop_table("calendar_overrides")
