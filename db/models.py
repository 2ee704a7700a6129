"""SQLAlchemy 2 models: the read model of cases, evidence, the append-only timeline, notices,
the SMS outbox, insurer claims, the holiday calendar loaded by administrators, and the registry
sandbox tables.

Portable between SQLite and PostgreSQL:
- every timestamp is a `UTCDateTime` (timestamptz on PostgreSQL; on SQLite stored as naive UTC
  text and handed back tz-aware UTC); naive datetimes are refused at bind time;
- JSON columns are `sa.JSON`; surrogate keys are BIGINT on PostgreSQL and INTEGER on SQLite
  (so that SQLite's rowid autoincrement works).

Personal data: the case snapshot holds the parties in full (the notice and the staff need them);
the parties table holds only `phone_hash` (HMAC, indexed) for lookups; indexes never hold a clear
phone or ID number. ORM objects use SQLAlchemy's default repr, which shows no column values: keep
it that way (no row contents in logs).

There are no ORM relationships on purpose: db.repository replaces a case's party rows with
explicit statements per snapshot, which keeps the identity map out of the way.

The schema is created by Alembic (db/migrations), never by `metadata.create_all` in the app.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from domain.models import NoticeKind
from domain.sms_status import SmsStatus, check_constraint

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """A timezone-aware datetime stored as UTC on every backend.

    Binding a naive datetime raises ValueError (DESIGN.md §5: pass UTC with tzinfo). Results are
    always tz-aware in UTC, also on SQLite where the driver returns naive values."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"UTCDateTime expects a datetime, got {type(value).__name__}")
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("naive datetime: pass a timezone-aware datetime (UTC)")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {  # noqa: RUF012 - SQLAlchemy's declared class attribute
        datetime: UTCDateTime(),
        dict[str, Any]: sa.JSON(),
        list[Any]: sa.JSON(),
    }


# --------------------------------------------------------------------------- the read model


class CaseRow(Base):
    """One accident case: the workflow's last snapshot (domain.case_view.CaseSnapshot, as JSON)
    beside the columns it is queried by. db.repository.case_columns derives them from it."""

    __tablename__ = "cases"

    case_number: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    workflow_id: Mapped[str] = mapped_column(sa.String(64), unique=True)
    status: Mapped[str] = mapped_column(sa.String(32))  # indexed with reported_at
    district: Mapped[str] = mapped_column(sa.String(64), default="", index=True)
    reported_at: Mapped[datetime] = mapped_column(index=True)
    seat_id: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    officer_id: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    next_deadline: Mapped[datetime | None] = mapped_column(index=True)
    reporter_phone_hash: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    # monotonic snapshot counter from the workflow: an older snapshot never overwrites a newer one
    snapshot_seq: Mapped[int] = mapped_column(sa.Integer, default=0)
    snapshot: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (sa.Index(None, "status", "reported_at"),)


class PartyRow(Base):
    """Who is a party of which case, by phone hash: what "my cases" is queried by (the parties
    themselves are in the case's snapshot)."""

    __tablename__ = "parties"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_number: Mapped[str] = mapped_column(sa.ForeignKey("cases.case_number", ondelete="CASCADE"))
    party_id: Mapped[str] = mapped_column(sa.String(8))  # P1, P2, ...
    phone_hash: Mapped[str] = mapped_column(sa.String(64), index=True)  # HMAC-SHA256, see phone_hash()

    __table_args__ = (sa.UniqueConstraint("case_number", "party_id"),)


# --------------------------------------------------------------------------- records


class EvidenceRow(Base):
    __tablename__ = "evidence"

    evidence_id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    case_number: Mapped[str] = mapped_column(sa.ForeignKey("cases.case_number"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(24))
    storage_path: Mapped[str] = mapped_column(sa.String(512))
    sha256: Mapped[str] = mapped_column(sa.String(64), index=True)
    content_type: Mapped[str] = mapped_column(sa.String(64), default="")
    size_bytes: Mapped[int | None] = mapped_column(sa.BigInteger)
    party_id: Mapped[str] = mapped_column(sa.String(8), default="")
    captured_by: Mapped[str] = mapped_column(sa.String(64), default="")  # role id, not a name
    captured_role: Mapped[str] = mapped_column(sa.String(16), default="")
    captured_at: Mapped[datetime]
    retention: Mapped[str] = mapped_column(sa.String(16), default="6_months")  # 6_months | permanent
    retain_until: Mapped[datetime | None] = mapped_column(index=True)  # None when permanent
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # the file was deleted when its retention passed (workflows/retention.py; the timeline keeps
    # the audit record); the row stays, with its SHA-256
    deleted_at: Mapped[datetime | None]

    __table_args__ = (sa.CheckConstraint("retention IN ('6_months', 'permanent')", name="retention"),)


class TimelineRow(Base):
    """The audit trail. Append-only: the repository has no update/delete, and database triggers
    (see the initial migration) refuse UPDATE and DELETE on both backends."""

    __tablename__ = "timeline"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_number: Mapped[str] = mapped_column(sa.ForeignKey("cases.case_number"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_role: Mapped[str] = mapped_column(sa.String(16))  # citizen seat officer reviewer system admin
    actor_id: Mapped[str] = mapped_column(sa.String(64), default="")
    action: Mapped[str] = mapped_column(sa.String(64))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # the workflow step that wrote it: a local activity re-run after a failed workflow task
    # (at-least-once) must not write the same audit record twice
    step_key: Mapped[str | None] = mapped_column(sa.String(160), unique=True)

    __table_args__ = (sa.Index(None, "case_number", "id"),)


class NoticeRow(Base):
    __tablename__ = "notices"

    notice_number: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    case_number: Mapped[str] = mapped_column(sa.ForeignKey("cases.case_number"))
    version: Mapped[int] = mapped_column(sa.Integer, default=1)
    # 24: "review_conclusion" is 17 characters (migration 0006 widened it from 16)
    kind: Mapped[str] = mapped_column(sa.String(24), default=NoticeKind.DETERMINATION.value)
    revokes_notice_number: Mapped[str | None] = mapped_column(sa.ForeignKey("notices.notice_number"))
    pdf_path: Mapped[str] = mapped_column(sa.String(512), default="")
    sha256: Mapped[str] = mapped_column(sa.String(64), default="")
    signature: Mapped[str] = mapped_column(sa.Text, default="")
    short_code: Mapped[str] = mapped_column(sa.String(32), default="", index=True)
    # the notice signatures (adapters/notice/verification.NoticeRecord): the content signature
    # the short code derives from, the signing key's id and the content digest
    content_signature: Mapped[str] = mapped_column(sa.Text, default="")
    key_id: Mapped[str] = mapped_column(sa.String(64), default="")
    content_digest: Mapped[str] = mapped_column(sa.String(64), default="")
    issued_at: Mapped[datetime]
    served_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    revoked_by_notice_number: Mapped[str | None] = mapped_column(sa.String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        # a revocation shares its version with the determination that replaces it
        sa.UniqueConstraint("case_number", "kind", "version"),
        sa.CheckConstraint("kind IN (" + ", ".join(f"'{k.value}'" for k in NoticeKind) + ")", name="kind"),
    )


class SmsRow(Base):
    """The SMS outbox. In embedded mode it is the delivery channel itself (shown in the consoles)."""

    __tablename__ = "sms_outbox"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    idempotency_key: Mapped[str] = mapped_column(sa.String(160), unique=True)
    case_number: Mapped[str | None] = mapped_column(sa.String(32), index=True)  # None: the 110 link
    party_id: Mapped[str] = mapped_column(sa.String(8), default="")
    phone: Mapped[str] = mapped_column(sa.String(24))
    template: Mapped[str] = mapped_column(sa.String(48))
    body: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(16), default=SmsStatus.QUEUED.value, index=True)
    provider: Mapped[str] = mapped_column(sa.String(16), default="")
    provider_message_id: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    error_code: Mapped[str | None] = mapped_column(sa.String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (sa.CheckConstraint(check_constraint(), name="status"),)


class ClaimRow(Base):
    __tablename__ = "insurer_claims"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    idempotency_key: Mapped[str] = mapped_column(sa.String(160), unique=True)
    case_number: Mapped[str] = mapped_column(sa.ForeignKey("cases.case_number"), index=True)
    party_id: Mapped[str] = mapped_column(sa.String(8))
    insurer_code: Mapped[str] = mapped_column(sa.String(16))
    claim_number: Mapped[str | None] = mapped_column(sa.String(64))
    status: Mapped[str] = mapped_column(sa.String(24), default="pending")
    notice_number: Mapped[str | None] = mapped_column(sa.String(40))
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


# --------------------------------------------------------------------------- calendar


class CalendarOverrideRow(Base):
    """Administrator-loaded day: is it a working day (holiday = False, 调休 make-up day = True)."""

    __tablename__ = "calendar_overrides"

    day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    is_workday: Mapped[bool] = mapped_column(sa.Boolean)
    note: Mapped[str] = mapped_column(sa.String(128), default="")
    loaded_by: Mapped[str] = mapped_column(sa.String(64), default="")
    loaded_at: Mapped[datetime] = mapped_column(default=utcnow)


class CalendarYearRow(Base):
    """A year the administrator declares complete (its holidays and 调休 days are all loaded)."""

    __tablename__ = "calendar_years"

    year: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=False)
    loaded_by: Mapped[str] = mapped_column(sa.String(64), default="")
    loaded_at: Mapped[datetime] = mapped_column(default=utcnow)


# --------------------------------------------------------------------------- registry sandbox


class RegistryLicenceRow(Base):
    """Driving licences known to the registry sandbox (fictional demo data only)."""

    __tablename__ = "registry_licences"

    licence_number: Mapped[str] = mapped_column(sa.String(12), primary_key=True)
    id_number: Mapped[str] = mapped_column(sa.String(18), index=True)
    name: Mapped[str] = mapped_column(sa.String(64))
    licence_class: Mapped[str] = mapped_column(sa.String(16))  # C1, C2, A1, D ... (准驾车型)
    status: Mapped[str] = mapped_column(sa.String(16))  # valid | expired | suspended | revoked
    valid_to: Mapped[date] = mapped_column(sa.Date)


class RegistryVehicleRow(Base):
    __tablename__ = "registry_vehicles"

    plate: Mapped[str] = mapped_column(sa.String(10), primary_key=True)
    vehicle_type: Mapped[str] = mapped_column(sa.String(32))
    status: Mapped[str] = mapped_column(sa.String(24))  # registered | scrapped | inspection_overdue
    inspection_valid_to: Mapped[date | None] = mapped_column(sa.Date)


class RegistryPolicyRow(Base):
    """交强险 policies known to the registry sandbox."""

    __tablename__ = "registry_policies"

    policy_number: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    plate: Mapped[str] = mapped_column(sa.String(10))
    insurer_code: Mapped[str] = mapped_column(sa.String(16))
    insurer_name: Mapped[str] = mapped_column(sa.String(64))
    valid_from: Mapped[date] = mapped_column(sa.Date)
    valid_to: Mapped[date] = mapped_column(sa.Date)

    __table_args__ = (sa.Index(None, "plate", "valid_to"),)


# --------------------------------------------------------------------------- staff (revision 0007)


class StaffAccountRow(Base):
    """A staff member who logs in with a password and a TOTP code (db/staff.py). Only the
    argon2 hash of the password and the AES-GCM ciphertext of the TOTP secret are stored.
    ``district`` scopes the cases they see (api/deps.py); "*" = every district."""

    __tablename__ = "staff_accounts"

    staff_id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    display_name: Mapped[str] = mapped_column(sa.String(64))
    roles: Mapped[list[Any]] = mapped_column(sa.JSON)  # ApiRole values
    district: Mapped[str] = mapped_column(sa.String(64))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    totp_secret_enc: Mapped[str | None] = mapped_column(sa.String(255))  # None: not enrolled
    totp_last_step: Mapped[int | None] = mapped_column(sa.BigInteger)  # a code is good once
    failed_attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    locked_until: Mapped[datetime | None]
    disabled: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    # revision 0009: carried by its tokens as ``sv``; moved on, it ends them (api/staff_sessions.py)
    token_version: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class OidcLoginRow(Base):
    """One OIDC redirect sign-in (api/oidc.py, revision 0009): made by ``/auth/oidc/start``
    (the state's hash, the nonce, the PKCE verifier, the console), used once by the callback,
    which leaves the one-time hand-off code's hash and the principal for the console to trade
    (once) for our token. Kept a few minutes; the states and codes themselves are not stored."""

    __tablename__ = "oidc_logins"

    state_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    nonce: Mapped[str] = mapped_column(sa.String(64))
    code_verifier: Mapped[str] = mapped_column(sa.String(128))
    role: Mapped[str] = mapped_column(sa.String(16))  # the console's
    expires_at: Mapped[datetime]
    called_back_at: Mapped[datetime | None]
    handoff_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    handoff_expires_at: Mapped[datetime | None]
    principal: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    redeemed_at: Mapped[datetime | None]


class StaffLoginAuditRow(Base):
    """Every staff login attempt, kept: who (the staff id as typed, if well-formed), how, the
    outcome, and the client as an HMAC (no clear IP address). An admin's change to an account is
    kept here too: method ``admin``, the admin in ``actor``, the change as the outcome."""

    __tablename__ = "staff_login_audit"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    staff_id: Mapped[str] = mapped_column(sa.String(64), index=True)
    method: Mapped[str] = mapped_column(sa.String(16))  # password | oidc
    outcome: Mapped[str] = mapped_column(sa.String(32))  # ok | bad_password | bad_totp | locked ...
    client_hash: Mapped[str] = mapped_column(sa.String(16), default="")
    actor: Mapped[str] = mapped_column(sa.String(64), default="")  # admin changes: who
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


# The simulated insurers' own tables (revision 0002) live in their own module; importing it here
# registers them on Base.metadata, so that models and migrations compare whole.
from db import api_models as _api_models  # noqa: E402, F401
from db import sandbox_models as _sandbox_models  # noqa: E402, F401
