"""Small async data-access functions used by activities and the API.

Style, everywhere: the first argument is an `AsyncSession`; **no function commits**. The caller
owns the transaction, so several calls are atomic together:

    async with sessionmaker.begin() as session:
        await upsert_case(session, snapshot)
        await append_timeline(session, record.case_number, "system", "", "status_changed", {...})

Idempotent inserts (`enqueue_sms`, `record_claim`, `add_evidence`, `add_notice`) use
INSERT ... ON CONFLICT DO NOTHING RETURNING the row on the unique key (rereading it only on a
repeat), so a retried activity or two concurrent callers get one row; the second gets
`created=False`. This handles the unique-violation race inside the database (no IntegrityError,
no savepoint, the caller's transaction stays usable). On PostgreSQL the losing insert waits for the winner's transaction;
on SQLite writers are serialised by the database lock (busy timeout 30 s).

SQLite note: a transaction that *reads before it writes* can fail with "database is locked" if
another writer commits in between; use `db.session.write_session()` (BEGIN IMMEDIATE) for such
read-modify-write units.

Nothing here logs; never log row contents (names, phones, ID numbers).
"""

from __future__ import annotations

import calendar as _calendar
import functools
import hashlib
import hmac
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from pydantic_core import to_jsonable_python
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import (
    CalendarOverrideRow,
    CalendarYearRow,
    CaseRow,
    ClaimRow,
    EvidenceRow,
    NoticeRow,
    PartyRow,
    RegistryLicenceRow,
    RegistryPolicyRow,
    RegistryVehicleRow,
    SmsRow,
    TimelineRow,
    utcnow,
)
from db.records import TimelineEntry
from domain.case_view import CaseSnapshot
from domain.models import CaseStatus, NoticeKind
from domain.sms_status import SUCCESS, SmsStatus, may_move
from domain.validators import normalize_mobile

__all__ = [
    "EvidenceConflict",
    "add_evidence",
    "add_notice",
    "append_timeline",
    "append_timeline_steps",
    "case_columns",
    "find_licence",
    "find_policy_for_plate",
    "find_vehicle",
    "get_case",
    "get_notice",
    "list_cases",
    "list_evidence",
    "list_evidence_due_for_deletion",
    "list_notices",
    "list_sms",
    "list_timeline",
    "load_calendar_overrides",
    "lock_evidence_due",
    "mark_evidence_deleted",
    "mark_evidence_permanent",
    "mark_notice_served",
    "party_rows",
    "phone_hash",
    "put_calendar_override",
    "put_calendar_year",
    "record_claim",
    "revoke_notice",
    "served_notice",
    "update_claim",
    "update_sms_status",
    "upsert_case",
    "upsert_row",
]


class EvidenceConflict(Exception):
    """The evidence id exists with a different SHA-256: never overwrite stored evidence."""

    code = "evidence_conflict"


# --------------------------------------------------------------------------- helpers


def _dialect_insert(dialect: str, table: sa.Table | type) -> Any:
    """A dialect insert (of a table, or of an ORM entity to return rows as entities) that has
    on_conflict_do_nothing / on_conflict_do_update."""
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"unsupported database dialect {dialect!r}")


def _insert(session: AsyncSession, table: sa.Table) -> Any:
    return _dialect_insert(session.get_bind().dialect.name, table)


def _table(model: type) -> sa.Table:
    return model.__table__  # type: ignore[attr-defined,no-any-return]


async def insert_if_absent(session: AsyncSession, model: type, values: dict[str, Any], key: str) -> bool:
    """INSERT ... ON CONFLICT (key) DO NOTHING; True when this call inserted the row (so a race
    between processes is decided inside the database)."""
    table = _table(model)
    stmt = (
        _insert(session, table)
        .values(**values)
        .on_conflict_do_nothing(index_elements=[key])
        .returning(table.c[key])
    )
    return (await session.execute(stmt)).first() is not None


async def upsert_row(
    session: AsyncSession, model: type, values: dict[str, Any], key: str, update: Iterable[str]
) -> None:
    """INSERT ... ON CONFLICT (key) DO UPDATE SET the `update` columns (both backends)."""
    table = _table(model)
    ins = _insert(session, table).values(**values)
    await session.execute(
        ins.on_conflict_do_update(index_elements=[key], set_={c: ins.excluded[c] for c in update})
    )


async def _insert_or_get(
    session: AsyncSession, model: type, values: dict[str, Any], key: str
) -> tuple[Any, bool]:
    """INSERT ... ON CONFLICT (key) DO NOTHING RETURNING the row: one round trip when this call
    inserts it (the usual case); only a repeat rereads the existing row. Returns (row, created)."""
    stmt = (
        _dialect_insert(session.get_bind().dialect.name, model)
        .values(**values)
        .on_conflict_do_nothing(index_elements=[key])
        .returning(model)
    )
    row = (await session.scalars(stmt, execution_options={"populate_existing": True})).first()
    if row is not None:
        return row, True
    return await _reload(session, model, getattr(model, key) == values[key]), False


async def _reload(session: AsyncSession, model: type, *where: Any) -> Any:
    stmt = sa.select(model).where(*where).execution_options(populate_existing=True)
    return (await session.execute(stmt)).scalar_one_or_none()


def _add_months(moment: datetime, months: int) -> datetime:
    month0 = moment.month - 1 + months
    year, month = moment.year + month0 // 12, month0 % 12 + 1
    day = min(moment.day, _calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


# --------------------------------------------------------------------------- phones


def phone_hash(phone: str, secret: str | None = None) -> str:
    """HMAC-SHA256 (hex, 64 chars) of the normalised mainland mobile number, keyed with
    `secret` (default: settings KUAICHU_HASH_SECRET). Stable for +86 / spaces / dashes variants."""
    if secret is None:
        from settings import get_settings

        secret = get_settings().hash_secret
    return hmac.new(secret.encode(), normalize_mobile(phone).encode(), hashlib.sha256).hexdigest()


# --------------------------------------------------------------------------- cases


def case_columns(snapshot: CaseSnapshot) -> dict[str, Any]:
    """The cases row of a snapshot: the snapshot itself and the columns it is queried by. The one
    place that maps the case shape onto the table."""
    return {
        "case_number": snapshot.case_number,
        "workflow_id": snapshot.workflow_id or f"case-{snapshot.case_number}",
        "status": snapshot.status.value,
        "district": snapshot.district,
        "reported_at": snapshot.reported_at,
        "seat_id": snapshot.seat_id or None,
        "officer_id": snapshot.officer_id or None,
        "next_deadline": snapshot.next_deadline,
        "snapshot_seq": snapshot.seq,
        "snapshot": snapshot.model_dump(mode="json"),
    }


def party_rows(snapshot: CaseSnapshot, secret: str | None) -> list[dict[str, Any]]:
    """The parties rows of a snapshot: who may find the case under "my cases"."""
    return [
        {
            "case_number": snapshot.case_number,
            "party_id": p.party.party_id,
            "phone_hash": phone_hash(p.party.phone, secret),
        }
        for p in snapshot.parties
    ]


@functools.cache
def _upsert_case_statement(dialect: str) -> Any:
    """INSERT ... ON CONFLICT (case_number) DO UPDATE, built once per dialect (values are bound at
    execution). An older snapshot (lower seq) changes nothing; the reporter's hash, known at the
    first step, is never replaced by an unknown one."""
    table = _table(CaseRow)
    ins = _dialect_insert(dialect, table)
    excluded = ins.excluded
    kept = {"case_number", "created_at", "reporter_phone_hash"}
    updates: dict[str, Any] = {c.name: excluded[c.name] for c in table.columns if c.name not in kept}
    updates["reporter_phone_hash"] = sa.func.coalesce(
        excluded.reporter_phone_hash, table.c.reporter_phone_hash
    )
    return ins.on_conflict_do_update(
        index_elements=["case_number"], set_=updates, where=table.c.snapshot_seq <= excluded.snapshot_seq
    ).returning(table.c.case_number)


async def upsert_case(
    session: AsyncSession, snapshot: CaseSnapshot, *, reporter_phone: str = "", secret: str | None = None
) -> bool:
    """Store the workflow's snapshot of a case: the cases row, its party rows (replaced as a
    whole, when they changed) and, once the case says every party is served, the notice's
    service time. The row is locked by the upsert first, so concurrent snapshots of one case
    serialise; a snapshot older than the stored one is ignored (returns False). `created_at` is
    kept from the first insert."""
    now = utcnow()
    values = {
        **case_columns(snapshot),
        "reporter_phone_hash": phone_hash(reporter_phone, secret) if reporter_phone else None,
        "created_at": now,
        "updated_at": now,
    }
    statement = _upsert_case_statement(session.get_bind().dialect.name)
    if (await session.execute(statement, values)).first() is None:
        return False
    await _replace_parties(session, snapshot, secret)
    if served := served_notice(snapshot):
        await mark_notice_served(session, *served)
    return True


async def _replace_parties(session: AsyncSession, snapshot: CaseSnapshot, secret: str | None) -> None:
    """The party rows, rewritten only when they changed: they change at about 3 of a case's 26
    steps, so one read replaces a delete and an insert at the others."""
    parties = _table(PartyRow)
    rows = party_rows(snapshot, secret)
    stored = await session.execute(
        sa.select(parties.c.party_id, parties.c.phone_hash).where(
            parties.c.case_number == snapshot.case_number
        )
    )
    if sorted(tuple(r) for r in stored) == sorted((r["party_id"], r["phone_hash"]) for r in rows):
        return
    await session.execute(sa.delete(parties).where(parties.c.case_number == snapshot.case_number))
    if rows:
        await session.execute(sa.insert(parties), rows)


SERVED_STATUSES = frozenset({CaseStatus.SERVED, CaseStatus.CLOSED})


def served_notice(snapshot: CaseSnapshot) -> tuple[str, datetime] | None:
    """The current determination and the time its service was complete (the last party's), once
    the case is served: before that, or after a new determination, the parties' service times
    are not (all) this notice's."""
    notice = next((n for n in reversed(snapshot.notices) if n.kind == NoticeKind.DETERMINATION), None)
    served = [p.served_at for p in snapshot.parties]
    if snapshot.status not in SERVED_STATUSES or notice is None or not served or None in served:
        return None
    return notice.notice_number, max(s for s in served if s is not None)


def _snapshot(row: CaseRow) -> CaseSnapshot:
    return CaseSnapshot.model_validate(row.snapshot)


async def get_case(session: AsyncSession, case_number: str) -> CaseSnapshot | None:
    """The case's last stored snapshot (parties in full: mask before showing it)."""
    row = await _reload(session, CaseRow, CaseRow.case_number == case_number)
    return None if row is None else _snapshot(row)


async def list_cases(
    session: AsyncSession,
    *,
    status: Sequence[CaseStatus] | None = None,
    phone_hash: str | None = None,
    officer_id: str | None = None,
    seat_id: str | None = None,
    district: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[CaseSnapshot]:
    """Cases newest first (reported_at desc). `phone_hash` matches the reporter or any party
    ("my cases"); `status` is a list of allowed statuses; filters combine with AND."""
    stmt = sa.select(CaseRow)
    if status is not None:
        stmt = stmt.where(CaseRow.status.in_([CaseStatus(s).value for s in status]))
    if phone_hash is not None:
        stmt = stmt.where(
            sa.or_(
                CaseRow.reporter_phone_hash == phone_hash,
                CaseRow.case_number.in_(
                    sa.select(PartyRow.case_number).where(PartyRow.phone_hash == phone_hash)
                ),
            )
        )
    if officer_id is not None:
        stmt = stmt.where(CaseRow.officer_id == officer_id)
    if seat_id is not None:
        stmt = stmt.where(CaseRow.seat_id == seat_id)
    if district is not None:
        stmt = stmt.where(CaseRow.district == district)
    stmt = (
        stmt.order_by(CaseRow.reported_at.desc(), CaseRow.case_number.desc())
        .limit(limit)
        .offset(offset)
        .execution_options(populate_existing=True)
    )
    return [_snapshot(r) for r in (await session.execute(stmt)).scalars().all()]


# --------------------------------------------------------------------------- timeline


async def append_timeline(
    session: AsyncSession,
    case_number: str,
    actor_role: str,
    actor_id: str,
    action: str,
    detail: dict[str, Any] | None = None,
    *,
    at: datetime | None = None,
    step_key: str | None = None,
) -> int | None:
    """Append one audit record; returns its id. `detail` is made JSON-safe (datetimes become ISO
    strings, enums their values). Keep personal data out of `detail` (mask it). With a
    `step_key`, the record is written once: a repeat returns None and writes nothing."""
    values = {
        "case_number": case_number,
        "at": at or utcnow(),
        "actor_role": str(actor_role),
        "actor_id": actor_id or "",
        "action": action,
        "detail": to_jsonable_python(detail or {}),
        "step_key": step_key,
    }
    table = _table(TimelineRow)
    if step_key is not None:
        # the id straight from the insert (RETURNING): a repeat returns no row
        stmt = _insert(session, table).values(**values).on_conflict_do_nothing(index_elements=["step_key"])
        inserted = (await session.execute(stmt.returning(table.c.id))).scalar_one_or_none()
        return None if inserted is None else int(inserted)
    stmt = sa.insert(table).values(**values).returning(table.c.id)
    return int((await session.execute(stmt)).scalar_one())


@functools.cache
def _append_steps_statement(dialect: str) -> Any:
    """INSERT ... ON CONFLICT (step_key) DO NOTHING RETURNING step_key, built once per dialect;
    executed with a list of rows it is one multi-row statement (SQLAlchemy's insertmanyvalues)."""
    table = _table(TimelineRow)
    ins = _dialect_insert(dialect, table).on_conflict_do_nothing(index_elements=["step_key"])
    return ins.returning(table.c.step_key)


async def append_timeline_steps(session: AsyncSession, steps: Sequence[dict[str, Any]]) -> set[str]:
    """Append the audit records of several workflow steps at once (each a dict of the columns:
    case_number, at, actor_role, actor_id, action, detail, step_key); returns the step keys
    written now: a step already written (a re-run local activity) is skipped. Keep personal
    data out of `detail`."""
    if not steps:
        return set()
    rows = [{**s, "detail": to_jsonable_python(s["detail"] or {})} for s in steps]
    statement = _append_steps_statement(session.get_bind().dialect.name)
    return set((await session.execute(statement, rows)).scalars())


async def list_timeline(session: AsyncSession, case_number: str) -> list[TimelineEntry]:
    rows = (
        await session.execute(
            sa.select(_table(TimelineRow))
            .where(_table(TimelineRow).c.case_number == case_number)
            .order_by(_table(TimelineRow).c.id)
        )
    ).all()
    return [TimelineEntry.model_validate(r._mapping) for r in rows]


# --------------------------------------------------------------------------- SMS outbox


async def enqueue_sms(
    session: AsyncSession,
    *,
    idempotency_key: str,
    case_number: str | None,
    party_id: str = "",
    phone: str,
    template: str,
    body: str,
    provider: str = "",
) -> tuple[SmsRow, bool]:
    """Queue an SMS once per idempotency key. Returns (row, created); a repeat returns the
    existing row unchanged with created=False."""
    now = utcnow()
    return await _insert_or_get(
        session,
        SmsRow,
        {
            "idempotency_key": idempotency_key,
            "case_number": case_number,
            "party_id": party_id,
            "phone": phone,
            "template": template,
            "body": body,
            "status": SmsStatus.QUEUED,
            "provider": provider,
            "created_at": now,
            "updated_at": now,
        },
        "idempotency_key",
    )


async def update_sms_status(
    session: AsyncSession,
    key: int | str,
    status: SmsStatus | str,
    error_code: str | None = None,
    *,
    provider: str | None = None,
    provider_message_id: str | None = None,
) -> SmsRow | None:
    """Update an outbox row found by id (int) or provider_message_id (str). Status callbacks may
    arrive out of order: a final status (delivered/failed/undelivered) is never downgraded to
    queued/sent. Returns the row, or None when unknown."""
    status = SmsStatus(status)  # ValueError for a status outside the machine
    where = SmsRow.id == key if isinstance(key, int) else SmsRow.provider_message_id == key
    row: SmsRow | None = await _reload(session, SmsRow, where)
    if row is None:
        return None
    if may_move(row.status, status):
        row.status = status
        if error_code is not None or status in SUCCESS:
            row.error_code = error_code
    if provider is not None:
        row.provider = provider
    if provider_message_id is not None:
        row.provider_message_id = provider_message_id
    row.updated_at = utcnow()
    await session.flush()
    return row


async def list_sms(
    session: AsyncSession, *, case_number: str | None = None, limit: int = 100, offset: int = 0
) -> list[SmsRow]:
    """The outbox, newest first (the consoles show it in embedded mode)."""
    stmt = sa.select(SmsRow)
    if case_number is not None:
        stmt = stmt.where(SmsRow.case_number == case_number)
    stmt = stmt.order_by(SmsRow.id.desc()).limit(limit).offset(offset)
    return list((await session.execute(stmt)).scalars().all())


# --------------------------------------------------------------------------- insurer claims


async def record_claim(
    session: AsyncSession,
    *,
    idempotency_key: str,
    case_number: str,
    party_id: str,
    insurer_code: str,
    notice_number: str | None = None,
    claim_number: str | None = None,
    status: str = "pending",
) -> tuple[ClaimRow, bool]:
    """Record a claim report once per idempotency key. Returns (row, created)."""
    now = utcnow()
    return await _insert_or_get(
        session,
        ClaimRow,
        {
            "idempotency_key": idempotency_key,
            "case_number": case_number,
            "party_id": party_id,
            "insurer_code": insurer_code,
            "notice_number": notice_number,
            "claim_number": claim_number,
            "status": status,
            "created_at": now,
            "updated_at": now,
        },
        "idempotency_key",
    )


_UNSET: Any = object()


async def update_claim(
    session: AsyncSession,
    key: int | str,
    *,
    status: str | None = None,
    claim_number: str | None = None,
    notice_number: str | None = None,
    last_error: str | None = _UNSET,
) -> ClaimRow | None:
    """Update a claim found by id (int) or idempotency_key (str); None values are left alone
    (pass last_error=None explicitly to clear it)."""
    where = ClaimRow.id == key if isinstance(key, int) else ClaimRow.idempotency_key == key
    row: ClaimRow | None = await _reload(session, ClaimRow, where)
    if row is None:
        return None
    if status is not None:
        row.status = status
    if claim_number is not None:
        row.claim_number = claim_number
    if notice_number is not None:
        row.notice_number = notice_number
    if last_error is not _UNSET:
        row.last_error = last_error
    row.updated_at = utcnow()
    await session.flush()
    return row


# --------------------------------------------------------------------------- evidence


RETENTION_6_MONTHS = "6_months"
RETENTION_PERMANENT = "permanent"


async def add_evidence(
    session: AsyncSession,
    *,
    evidence_id: str,
    case_number: str,
    kind: str,
    storage_path: str,
    sha256: str,
    content_type: str = "",
    size_bytes: int | None = None,
    party_id: str = "",
    captured_by: str = "",
    captured_role: str = "",
    captured_at: datetime | None = None,
    retention: str = RETENTION_6_MONTHS,
) -> tuple[EvidenceRow, bool]:
    """Store an evidence reference once (idempotent on evidence_id). `**EvidenceRef.model_dump()`
    fits these keyword arguments. retain_until = captured_at + 6 months, or None when permanent.
    Raises EvidenceConflict when the id exists with another SHA-256."""
    captured_at = captured_at or utcnow()
    if retention not in (RETENTION_6_MONTHS, RETENTION_PERMANENT):
        raise ValueError(f"unknown retention {retention!r}")
    row, created = await _insert_or_get(
        session,
        EvidenceRow,
        {
            "evidence_id": evidence_id,
            "case_number": case_number,
            "kind": str(kind),
            "storage_path": storage_path,
            "sha256": sha256,
            "content_type": content_type,
            "size_bytes": size_bytes,
            "party_id": party_id,
            "captured_by": captured_by,
            "captured_role": str(captured_role),
            "captured_at": captured_at,
            "retention": retention,
            "retain_until": _add_months(captured_at, 6) if retention == RETENTION_6_MONTHS else None,
            "created_at": utcnow(),
        },
        "evidence_id",
    )
    if not created and (row.sha256 != sha256 or row.case_number != case_number):
        raise EvidenceConflict(f"evidence {evidence_id} already stored with other content")
    return row, created


async def list_evidence(session: AsyncSession, case_number: str) -> list[EvidenceRow]:
    stmt = (
        sa.select(EvidenceRow)
        .where(EvidenceRow.case_number == case_number)
        .order_by(EvidenceRow.captured_at, EvidenceRow.evidence_id)
        .execution_options(populate_existing=True)
    )
    return list((await session.execute(stmt)).scalars().all())


async def mark_evidence_permanent(
    session: AsyncSession, case_number: str, evidence_ids: Iterable[str] | None = None
) -> int:
    """Keep evidence permanently (used as evidence in a decision): all of the case's evidence,
    or only `evidence_ids`. Returns the number of rows changed."""
    table = _table(EvidenceRow)
    stmt = (
        sa.update(table)
        .where(table.c.case_number == case_number, table.c.retention != RETENTION_PERMANENT)
        .where(table.c.deleted_at.is_(None))  # what the retention sweep deleted stays deleted
        .values(retention=RETENTION_PERMANENT, retain_until=None)
    )
    if evidence_ids is not None:
        stmt = stmt.where(table.c.evidence_id.in_(list(evidence_ids)))
    return (await session.execute(stmt)).rowcount or 0


async def list_evidence_due_for_deletion(
    session: AsyncSession, now: datetime, limit: int = 500
) -> list[EvidenceRow]:
    """6-month evidence whose retain_until has passed and whose file is ours and not yet deleted
    (for the retention sweep, activities/retention.py)."""
    stmt = _due(now).order_by(EvidenceRow.retain_until, EvidenceRow.evidence_id).limit(limit)
    return list((await session.execute(stmt)).scalars().all())


def _due(now: datetime) -> Any:
    decided = sa.select(NoticeRow.notice_number).where(
        NoticeRow.case_number == EvidenceRow.case_number,
        NoticeRow.kind == NoticeKind.DETERMINATION.value,
    )
    return sa.select(EvidenceRow).where(
        EvidenceRow.retention == RETENTION_6_MONTHS,
        EvidenceRow.retain_until <= now,
        EvidenceRow.deleted_at.is_(None),
        EvidenceRow.storage_path.not_like("%://%"),  # kept at a video vendor: not our file
        # a decided case's evidence is kept even where marking it permanent failed (the
        # workflow's retain_evidence is bounded: it records the failure and the case goes on)
        ~decided.exists(),
    )


async def lock_evidence_due(session: AsyncSession, evidence_id: str, now: datetime) -> EvidenceRow | None:
    """The evidence row if it is still due for deletion, locked until the transaction ends (on
    PostgreSQL; SQLite's write session holds the database), so that marking it permanent
    meanwhile waits and then leaves a deleted row alone."""
    stmt = _due(now).where(EvidenceRow.evidence_id == evidence_id).with_for_update()
    return (await session.execute(stmt.execution_options(populate_existing=True))).scalars().first()


async def mark_evidence_deleted(session: AsyncSession, evidence_id: str, at: datetime) -> None:
    """The evidence's file was deleted (its row and SHA-256 stay: the record of what existed)."""
    table = _table(EvidenceRow)
    await session.execute(sa.update(table).where(table.c.evidence_id == evidence_id).values(deleted_at=at))


# --------------------------------------------------------------------------- notices


async def add_notice(
    session: AsyncSession,
    *,
    notice_number: str,
    case_number: str,
    version: int,
    issued_at: datetime,
    kind: str = NoticeKind.DETERMINATION,
    revokes_notice_number: str | None = None,
    pdf_path: str = "",
    sha256: str = "",
    signature: str = "",
    short_code: str = "",
    content_signature: str = "",
    key_id: str = "",
    content_digest: str = "",
) -> tuple[NoticeRow, bool]:
    """Store an issued notice once (idempotent on notice_number). (case_number, version) is
    unique: a different notice number for an existing version raises IntegrityError."""
    return await _insert_or_get(
        session,
        NoticeRow,
        {
            "notice_number": notice_number,
            "case_number": case_number,
            "version": version,
            "kind": kind,
            "revokes_notice_number": revokes_notice_number,
            "pdf_path": pdf_path,
            "sha256": sha256,
            "signature": signature,
            "short_code": short_code,
            "content_signature": content_signature,
            "key_id": key_id,
            "content_digest": content_digest,
            "issued_at": issued_at,
            "created_at": utcnow(),
        },
        "notice_number",
    )


async def get_notice(session: AsyncSession, notice_number: str) -> NoticeRow | None:
    return await _reload(session, NoticeRow, NoticeRow.notice_number == notice_number)  # type: ignore[no-any-return]


async def list_notices(session: AsyncSession, case_number: str) -> list[NoticeRow]:
    stmt = (
        sa.select(NoticeRow)
        .where(NoticeRow.case_number == case_number)
        .order_by(NoticeRow.version)
        .execution_options(populate_existing=True)
    )
    return list((await session.execute(stmt)).scalars().all())


async def mark_notice_served(
    session: AsyncSession, notice_number: str, served_at: datetime
) -> NoticeRow | None:
    """Record the service time (receipt confirmed). The first confirmation wins: opening the
    notice again never moves the service time (it starts the review clock)."""
    row: NoticeRow | None = await get_notice(session, notice_number)
    if row is not None and row.served_at is None:
        row.served_at = served_at
        await session.flush()
    return row


async def revoke_notice(
    session: AsyncSession,
    notice_number: str,
    revoked_at: datetime,
    revoked_by_notice_number: str | None = None,
) -> NoticeRow | None:
    """Mark a notice revoked (by a new determination); the first revocation is kept."""
    row: NoticeRow | None = await get_notice(session, notice_number)
    if row is not None and row.revoked_at is None:
        row.revoked_at = revoked_at
        row.revoked_by_notice_number = revoked_by_notice_number
        await session.flush()
    return row


# --------------------------------------------------------------------------- calendar


async def load_calendar_overrides(session: AsyncSession) -> tuple[dict[date, bool], set[int]]:
    """Administrator-loaded days ({day: is_workday}) and the years declared complete."""
    days = {
        r.day: r.is_workday for r in (await session.execute(sa.select(_table(CalendarOverrideRow)))).all()
    }
    years = set((await session.execute(sa.select(CalendarYearRow.year))).scalars().all())
    return days, years


async def put_calendar_override(
    session: AsyncSession, day: date, is_workday: bool, *, note: str = "", loaded_by: str = ""
) -> None:
    await upsert_row(
        session,
        CalendarOverrideRow,
        {"day": day, "is_workday": is_workday, "note": note, "loaded_by": loaded_by, "loaded_at": utcnow()},
        "day",
        ("is_workday", "note", "loaded_by", "loaded_at"),
    )


async def put_calendar_year(session: AsyncSession, year: int, *, loaded_by: str = "") -> None:
    await upsert_row(
        session,
        CalendarYearRow,
        {"year": year, "loaded_by": loaded_by, "loaded_at": utcnow()},
        "year",
        ("loaded_by", "loaded_at"),
    )


# --------------------------------------------------------------------------- registry sandbox


async def find_licence(session: AsyncSession, licence_number: str) -> RegistryLicenceRow | None:
    return await session.get(RegistryLicenceRow, licence_number)


async def find_vehicle(session: AsyncSession, plate: str) -> RegistryVehicleRow | None:
    return await session.get(RegistryVehicleRow, plate)


async def find_policy_for_plate(session: AsyncSession, plate: str, on: date) -> RegistryPolicyRow | None:
    """The 交强险 policy covering `on` (valid_from <= on <= valid_to), or None."""
    stmt = (
        sa.select(RegistryPolicyRow)
        .where(
            RegistryPolicyRow.plate == plate,
            RegistryPolicyRow.valid_from <= on,
            RegistryPolicyRow.valid_to >= on,
        )
        .order_by(RegistryPolicyRow.valid_to.desc())
        .limit(1)
    )
    return (await session.execute(stmt)).scalar_one_or_none()
