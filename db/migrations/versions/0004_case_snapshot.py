"""The read model stores the case snapshot: cases.snapshot (JSON, domain.case_view.CaseSnapshot)
beside the columns cases are queried by; the parties table keeps only the phone hashes "my cases"
is queried by; vehicles and the never-used review_requests table go.

Existing rows are backfilled: their snapshot is built from the columns and party/vehicle rows
that this revision then drops (coordinates were stored converted to WGS-84, so the snapshot's
location says WGS84; per-party service times were not stored and stay unknown). Downgrade puts
the columns back and fills them from the snapshots. Shapes are spelled out here, not imported from
the models, so that this revision keeps meaning the same thing when the models change.

SQLite: columns are dropped with its own ALTER TABLE ... DROP COLUMN, never by recreating
`cases` (with foreign keys on, dropping a referenced table deletes or refuses its children), so
the NOT NULL snapshot column is added with a default ('{}', never used: every write sets it).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

TZ = sa.DateTime(timezone=True)
BIGID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# cases columns the snapshot replaces (name, type, NOT NULL)
CASE_COLUMNS: list[tuple[str, Any, bool]] = [
    ("category", sa.String(length=32), False),
    ("area", sa.String(length=64), True),
    ("lat", sa.Float(), False),
    ("lon", sa.Float(), False),
    ("source_system", sa.String(length=8), True),
    ("address", sa.String(length=256), True),
    ("next_deadline_kind", sa.String(length=48), False),
    ("outcome", sa.String(length=48), False),
    ("outcome_reason", sa.Text(), False),
    ("review_deadline", TZ, False),
    ("served_at", TZ, False),
]
PARTY_COLUMNS: list[tuple[str, Any, bool]] = [
    ("kind", sa.String(length=24), True),
    ("name", sa.String(length=64), True),
    ("phone", sa.String(length=24), True),
    ("id_number", sa.String(length=18), True),
    ("licence_number", sa.String(length=12), True),
    ("liability", sa.String(length=8), False),
    ("verification", sa.JSON(), True),
]


def _table(name: str, *columns: tuple[str, Any]) -> sa.TableClause:
    return sa.table(name, *(sa.column(n, t) for n, t in columns))


# the revision-0003 tables as this revision reads (upgrade) and refills (downgrade) them
CASES = _table(
    "cases",
    ("case_number", sa.String()),
    ("workflow_id", sa.String()),
    ("status", sa.String()),
    ("district", sa.String()),
    ("reported_at", TZ),
    ("seat_id", sa.String()),
    ("officer_id", sa.String()),
    ("next_deadline", TZ),
    ("snapshot_seq", sa.Integer()),
    ("snapshot", sa.JSON()),
    *((n, t) for n, t, _ in CASE_COLUMNS),
)
PARTIES = _table(
    "parties",
    ("id", sa.Integer()),
    ("case_number", sa.String()),
    ("party_id", sa.String()),
    *((n, t) for n, t, _ in PARTY_COLUMNS),
)
VEHICLES = _table(
    "vehicles",
    ("id", sa.Integer()),
    ("case_number", sa.String()),
    ("party_id", sa.String()),
    ("plate", sa.String()),
    ("vehicle_type", sa.String()),
    ("insurer_code", sa.String()),
    ("insurer_name", sa.String()),
    ("policy_number", sa.String()),
    ("policy_valid_from", sa.Date()),
    ("policy_valid_to", sa.Date()),
)


def _iso(value: datetime | date | None) -> str | None:
    """JSON time: SQLite hands stored UTC back naive."""
    if value is None:
        return None
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return aware.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return value.isoformat()


# --------------------------------------------------------------------------- upgrade


def _vehicle(row: Any) -> dict[str, Any] | None:
    if row is None:
        return None
    has_policy = row.insurer_code or row.policy_number or row.insurer_name
    return {
        "plate": row.plate,
        "vehicle_type": row.vehicle_type,
        "insurance": {
            "insurer_code": row.insurer_code,
            "insurer_name": row.insurer_name,
            "policy_number": row.policy_number,
            "valid_from": _iso(row.policy_valid_from),
            "valid_to": _iso(row.policy_valid_to),
        }
        if has_policy
        else None,
    }


def _party(row: Any, vehicle: Any) -> dict[str, Any]:
    verification = row.verification or None
    return {
        "party": {
            "party_id": row.party_id,
            "kind": row.kind,
            "name": row.name,
            "phone": row.phone,
            "id_number": row.id_number,
            "licence_number": row.licence_number,
            "vehicle": _vehicle(vehicle),
        },
        "liability": row.liability,
        "verification": verification if verification and verification.get("party_id") else None,
    }


def _snapshot(case: Any, parties: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "case_number": case.case_number,
        "seq": case.snapshot_seq,
        "workflow_id": case.workflow_id,
        "status": case.status,
        "category": case.category or "",
        "district": case.district or "",
        "area": case.area or "",
        "reported_at": _iso(case.reported_at),
        "location": {
            "lat": case.lat if case.lat is not None else 0.0,
            "lon": case.lon if case.lon is not None else 0.0,
            "system": "WGS84",
            "address": case.address or "",
            "district": case.district or "",
        },
        "seat_id": case.seat_id or "",
        "officer_id": case.officer_id or "",
        "next_deadline": _iso(case.next_deadline),
        "next_deadline_kind": case.next_deadline_kind or "",
        "outcome": case.outcome or None,
        "outcome_reason": case.outcome_reason or "",
        "parties": parties,
    }


def _backfill() -> None:
    bind = op.get_bind()
    vehicles: dict[tuple[str, str], Any] = {}
    for v in bind.execute(sa.select(VEHICLES).order_by(VEHICLES.c.id)):
        vehicles.setdefault((v.case_number, v.party_id), v)
    parties: dict[str, list[dict[str, Any]]] = {}
    for p in bind.execute(sa.select(PARTIES).order_by(PARTIES.c.case_number, PARTIES.c.id)):
        parties.setdefault(p.case_number, []).append(_party(p, vehicles.get((p.case_number, p.party_id))))
    for c in bind.execute(sa.select(CASES)).all():
        snapshot = _snapshot(c, parties.get(c.case_number, []))
        bind.execute(CASES.update().where(CASES.c.case_number == c.case_number).values(snapshot=snapshot))


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.add_column("cases", sa.Column("snapshot", sa.JSON(), nullable=False, server_default=sa.text("'{}'")))
    _backfill()
    if dialect != "sqlite":  # SQLite cannot drop a default in place (see above)
        op.alter_column("cases", "snapshot", server_default=None)
    op.drop_index(op.f("ix_vehicles_plate"), table_name="vehicles")
    op.drop_index(op.f("ix_vehicles_case_number_party_id"), table_name="vehicles")
    op.drop_table("vehicles")
    for name, _, _ in PARTY_COLUMNS:
        op.drop_column("parties", name)
    for name, _, _ in CASE_COLUMNS:
        op.drop_column("cases", name)
    op.drop_table("review_requests")


# --------------------------------------------------------------------------- downgrade


def _restore_columns(table: str, columns: list[tuple[str, Any, bool]]) -> None:
    for name, type_, not_null in columns:
        default = None
        if not_null:  # SQLite adds a NOT NULL column only with a default
            default = sa.text("'{}'") if isinstance(type_, sa.JSON) else sa.text("''")
        op.add_column(table, sa.Column(name, type_, nullable=not not_null, server_default=default))


def _refill() -> None:
    from domain.geo import to_wgs84  # the columns held converted coordinates
    from domain.models import Location

    bind = op.get_bind()
    cases, parties, vehicles = CASES, PARTIES, VEHICLES
    for row in bind.execute(sa.select(CASES.c.case_number, CASES.c.snapshot)).all():
        s = row.snapshot or {}
        point = to_wgs84(Location.model_validate(s["location"])) if s.get("location") else None
        bind.execute(
            cases.update()
            .where(cases.c.case_number == row.case_number)
            .values(
                category=s.get("category") or None,
                area=s.get("area", ""),
                lat=point.lat if point else None,
                lon=point.lon if point else None,
                source_system=(s.get("location") or {}).get("system", "WGS84"),
                address=(s.get("location") or {}).get("address", ""),
                next_deadline_kind=s.get("next_deadline_kind") or None,
                outcome=s.get("outcome") or None,
                outcome_reason=s.get("outcome_reason") or None,
            )
        )
        for p in s.get("parties", []):
            party = p["party"]
            bind.execute(
                parties.update()
                .where(parties.c.case_number == row.case_number, parties.c.party_id == party["party_id"])
                .values(
                    kind=party["kind"],
                    name=party["name"],
                    phone=party["phone"],
                    id_number=party.get("id_number", ""),
                    licence_number=party.get("licence_number", ""),
                    liability=p.get("liability"),
                    verification=p.get("verification") or {},
                )
            )
            vehicle = party.get("vehicle")
            if vehicle:
                policy = vehicle.get("insurance") or {}
                bind.execute(
                    vehicles.insert().values(
                        case_number=row.case_number,
                        party_id=party["party_id"],
                        plate=vehicle["plate"],
                        vehicle_type=vehicle.get("vehicle_type", ""),
                        insurer_code=policy.get("insurer_code", ""),
                        insurer_name=policy.get("insurer_name", ""),
                        policy_number=policy.get("policy_number", ""),
                        policy_valid_from=date.fromisoformat(policy["valid_from"])
                        if policy.get("valid_from")
                        else None,
                        policy_valid_to=date.fromisoformat(policy["valid_to"])
                        if policy.get("valid_to")
                        else None,
                    )
                )


def downgrade() -> None:
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
    _restore_columns("cases", CASE_COLUMNS)
    _restore_columns("parties", PARTY_COLUMNS)
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
    _refill()
    op.drop_column("cases", "snapshot")
