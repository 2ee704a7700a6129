"""db.repository on both backends (every test runs as [sqlite] and [postgres])."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db import repository as repo
from db.models import CaseRow, ClaimRow, PartyRow, SmsRow, TimelineRow
from db.session import make_engine, write_session
from domain.case_view import CaseSnapshot, PartySnapshot
from domain.messages import NoticeRef, PartyVerification
from domain.models import CaseStatus, Liability, Party, PartyKind
from domain.validators import normalize_mobile
from tests.db.conftest import make_case, motor_party

SHANGHAI = timezone(timedelta(hours=8))
Sessions = async_sessionmaker[AsyncSession]
NewCase = Callable[[], str]


async def _create_case(
    sm: Sessions,
    case_number: str,
    *parties: Party | PartySnapshot,
    reporter_phone: str = "",
    **fields: object,
) -> CaseSnapshot:
    snapshot = make_case(case_number, *parties, **fields)
    async with sm.begin() as s:
        assert await repo.upsert_case(s, snapshot, reporter_phone=reporter_phone)
    return snapshot


async def _row(sm: Sessions, case_number: str) -> CaseRow:
    async with sm() as s:
        return (await s.execute(sa.select(CaseRow).where(CaseRow.case_number == case_number))).scalar_one()


async def _party_rows(sm: Sessions, case_number: str) -> list[tuple[str, str]]:
    async with sm() as s:
        rows = await s.execute(
            sa.select(PartyRow.party_id, PartyRow.phone_hash)
            .where(PartyRow.case_number == case_number)
            .order_by(PartyRow.id)
        )
        return [tuple(r) for r in rows]


# --------------------------------------------------------------------------- cases


async def test_upsert_stores_the_snapshot_and_replaces_the_party_rows(
    db_sessionmaker: Sessions, new_case_number: NewCase
) -> None:
    cn = new_case_number()
    first = await _create_case(
        db_sessionmaker,
        cn,
        motor_party("P1", "13800138000", "川E12345"),
        motor_party("P2", "13900139000", "川EA8B21", insurer="CPIC"),
    )
    async with db_sessionmaker() as s:
        got = await repo.get_case(s, cn)
    assert got == first  # the snapshot as it was written, vehicles and policies included
    row = await _row(db_sessionmaker, cn)
    assert (row.workflow_id, row.status, row.district, row.snapshot_seq) == (
        f"case-{cn}",
        "queued",
        "江阳区",
        0,
    )
    assert await _party_rows(db_sessionmaker, cn) == [
        ("P1", repo.phone_hash("13800138000")),
        ("P2", repo.phone_hash("13900139000")),
    ]

    # next snapshot: P2 gone, P3 (non-motor, no vehicle) added, P1 has a liability and a verification
    p1 = PartySnapshot(
        party=motor_party("P1", "13800138000", "川E99999"),
        liability=Liability.FULL,
        verification=PartyVerification(party_id="P1", insurer_name="中国人民财产保险", policy_number="POL-1"),
    )
    p3 = Party(party_id="P3", kind=PartyKind.NON_MOTOR, name="李示例", phone="+86 137 0013 7000")
    second = make_case(cn, p1, p3, status=CaseStatus.AWAITING_DECISION, officer_id="O7", seq=2)
    async with db_sessionmaker.begin() as s:
        assert await repo.upsert_case(s, second)
    async with db_sessionmaker() as s:
        got = await repo.get_case(s, cn)
    assert got == second
    assert got is not None and got.parties[0].verification is not None
    assert got.parties[0].policy_number == "POL-1"  # typed, not a dict
    updated = await _row(db_sessionmaker, cn)
    assert (updated.status, updated.officer_id, updated.snapshot_seq) == ("awaiting_decision", "O7", 2)
    assert updated.created_at == row.created_at and updated.updated_at >= row.updated_at
    assert await _party_rows(db_sessionmaker, cn) == [
        ("P1", repo.phone_hash("13800138000")),
        ("P3", repo.phone_hash("13700137000")),
    ]


async def test_unchanged_parties_are_not_rewritten(
    db_sessionmaker: Sessions, new_case_number: NewCase
) -> None:
    cn = new_case_number()
    p1 = motor_party("P1", "13800138000", "川E12345")
    await _create_case(db_sessionmaker, cn, p1)

    async def ids() -> list[int]:
        async with db_sessionmaker() as s:
            return list((await s.scalars(sa.select(PartyRow.id).where(PartyRow.case_number == cn))).all())

    before = await ids()
    async with db_sessionmaker.begin() as s:  # same parties, new status: the rows stay as they were
        assert await repo.upsert_case(s, make_case(cn, p1, status=CaseStatus.IN_VIDEO, seq=1))
    assert await ids() == before
    changed = motor_party("P1", "13900139000", "川E12345")  # another phone: rewritten
    async with db_sessionmaker.begin() as s:
        assert await repo.upsert_case(s, make_case(cn, changed, status=CaseStatus.IN_VIDEO, seq=2))
    assert await _party_rows(db_sessionmaker, cn) == [("P1", repo.phone_hash("13900139000"))]


async def test_the_reporters_hash_is_kept_by_later_snapshots(
    db_sessionmaker: Sessions, new_case_number: NewCase
) -> None:
    cn = new_case_number()
    await _create_case(db_sessionmaker, cn, reporter_phone="13812340099")
    async with db_sessionmaker.begin() as s:
        assert await repo.upsert_case(s, make_case(cn, status=CaseStatus.IN_VIDEO, seq=1))
    assert (await _row(db_sessionmaker, cn)).reporter_phone_hash == repo.phone_hash("13812340099")


async def test_older_snapshot_is_ignored(db_sessionmaker: Sessions, new_case_number: NewCase) -> None:
    cn = new_case_number()
    await _create_case(db_sessionmaker, cn, motor_party("P1", "13800138000", "川E12345"), seq=5)
    async with db_sessionmaker.begin() as s:
        applied = await repo.upsert_case(s, make_case(cn, status="closed", seq=4))
    assert applied is False
    async with db_sessionmaker() as s:
        got = await repo.get_case(s, cn)
    assert got is not None and got.status == "queued" and len(got.parties) == 1


async def test_upsert_is_atomic_with_the_callers_transaction(
    db_sessionmaker: Sessions, new_case_number: NewCase
) -> None:
    cn = new_case_number()
    await _create_case(db_sessionmaker, cn, motor_party("P1", "13800138000", "川E12345"))
    with pytest.raises(RuntimeError):
        async with db_sessionmaker.begin() as s:
            await repo.upsert_case(s, make_case(cn, status="closed", seq=1))
            raise RuntimeError("activity failed after the upsert")
    async with db_sessionmaker() as s:
        got = await repo.get_case(s, cn)
    assert got is not None and got.status == "queued" and [p.party.party_id for p in got.parties] == ["P1"]


async def test_get_case_unknown_is_none(db_session: AsyncSession) -> None:
    assert await repo.get_case(db_session, "LZ19990101-999999") is None


async def test_datetimes_round_trip_tz_aware_utc(db_sessionmaker: Sessions, new_case_number: NewCase) -> None:
    cn = new_case_number()
    reported = datetime(2026, 6, 5, 9, 30, 15, 123456, tzinfo=SHANGHAI)  # 01:30:15 UTC
    deadline = datetime(2026, 6, 10, 23, 59, 59, tzinfo=SHANGHAI)
    await _create_case(db_sessionmaker, cn, reported_at=reported, next_deadline=deadline)
    row = await _row(db_sessionmaker, cn)
    assert row.reported_at == reported
    assert row.reported_at.tzinfo is not None and row.reported_at.utcoffset() == timedelta(0)
    assert row.reported_at.hour == 1 and row.reported_at.microsecond == 123456
    assert row.next_deadline == deadline and row.next_deadline is not None
    assert row.next_deadline.utcoffset() == timedelta(0)
    assert row.created_at is not None and row.created_at.tzinfo is not None
    async with db_sessionmaker() as s:
        got = await repo.get_case(s, cn)
    assert got is not None and got.reported_at == reported and got.next_deadline == deadline


async def test_naive_datetime_is_refused(db_sessionmaker: Sessions, new_case_number: NewCase) -> None:
    record = make_case(new_case_number(), reported_at=datetime(2026, 6, 5, 9, 30))
    with pytest.raises(Exception, match="naive datetime"):
        async with db_sessionmaker.begin() as s:
            await repo.upsert_case(s, record)


async def test_list_cases_filters(db_sessionmaker: Sessions, new_case_number: NewCase) -> None:
    mine, other, reported_only = new_case_number(), new_case_number(), new_case_number()
    me = "13812345678"
    base = datetime(2026, 6, 5, 1, 0, tzinfo=UTC)
    await _create_case(
        db_sessionmaker,
        mine,
        motor_party("P1", "13900000000", "川E12345"),
        motor_party("P2", f"+86 {me[:3]} {me[3:7]} {me[7:]}", "川EA8B21"),
        reported_at=base,
        seat_id="S-test-1",
        status="in_video",
    )
    await _create_case(
        db_sessionmaker,
        other,
        motor_party("P1", "13700000000", "川E6K789"),
        reported_at=base,
        status="closed",
    )
    await _create_case(
        db_sessionmaker,
        reported_only,
        reporter_phone=me,
        reported_at=base + timedelta(minutes=5),
        status="refused",
    )
    async with db_sessionmaker() as s:
        by_phone = await repo.list_cases(s, phone_hash=repo.phone_hash(me))
        assert [c.case_number for c in by_phone] == [reported_only, mine]  # newest first
        assert len(by_phone[1].parties) == 2
        assert [c.case_number for c in await repo.list_cases(s, seat_id="S-test-1")] == [mine]
        in_video = await repo.list_cases(
            s, status=[CaseStatus.IN_VIDEO, CaseStatus.QUEUED], phone_hash=repo.phone_hash(me)
        )
        assert [c.case_number for c in in_video] == [mine]
        page = await repo.list_cases(s, phone_hash=repo.phone_hash(me), limit=1, offset=1)
        assert [c.case_number for c in page] == [mine]


# --------------------------------------------------------------------------- timeline


async def test_timeline_append_and_list(db_sessionmaker: Sessions, new_case_number: NewCase) -> None:
    cn = new_case_number()
    await _create_case(db_sessionmaker, cn)
    at = datetime(2026, 6, 5, 2, 0, tzinfo=UTC)
    async with db_sessionmaker.begin() as s:
        i1 = await repo.append_timeline(s, cn, "citizen", "P1", "alert_raised", {"channel": "app"})
        i2 = await repo.append_timeline(
            s, cn, "seat", "S1", "call_accepted", {"at": at, "liability": Liability.EQUAL}, at=at
        )
    assert i2 > i1
    async with db_sessionmaker() as s:
        entries = await repo.list_timeline(s, cn)
    assert [e.action for e in entries] == ["alert_raised", "call_accepted"]
    assert entries[1].detail == {"at": "2026-06-05T02:00:00Z", "liability": "EQUAL"}
    assert entries[1].at == at and entries[0].at.tzinfo is not None


async def test_timeline_with_a_step_key_is_written_once(
    db_sessionmaker: Sessions, new_case_number: NewCase
) -> None:
    cn = new_case_number()
    await _create_case(db_sessionmaker, cn)
    async with db_sessionmaker.begin() as s:
        first = await repo.append_timeline(s, cn, "system", "", "alert_received", step_key=f"{cn}/1")
        again = await repo.append_timeline(s, cn, "system", "", "alert_received", step_key=f"{cn}/1")
    assert isinstance(first, int) and again is None
    async with db_sessionmaker() as s:
        assert [e.id for e in await repo.list_timeline(s, cn)] == [first]


async def test_timeline_steps_are_appended_in_order_each_once(
    db_sessionmaker: Sessions, new_case_number: NewCase
) -> None:
    cn = new_case_number()
    await _create_case(db_sessionmaker, cn)
    at = datetime(2026, 6, 5, 2, 0, tzinfo=UTC)

    def step(n: int) -> dict[str, object]:
        detail = {"at": at, "liability": Liability.EQUAL}
        return {
            "case_number": cn,
            "at": at,
            "actor_role": "seat",
            "actor_id": "S1",
            "action": f"a{n}",
            "detail": detail,
            "step_key": f"{cn}/{n}",
        }

    async with db_sessionmaker.begin() as s:
        assert await repo.append_timeline_steps(s, [step(1), step(2)]) == {f"{cn}/1", f"{cn}/2"}
    async with db_sessionmaker.begin() as s:  # a re-run write: only the new step is written
        assert await repo.append_timeline_steps(s, [step(2), step(3)]) == {f"{cn}/3"}
        assert await repo.append_timeline_steps(s, []) == set()
    async with db_sessionmaker() as s:
        entries = await repo.list_timeline(s, cn)
    assert [e.action for e in entries] == ["a1", "a2", "a3"]
    assert entries[0].detail == {"at": "2026-06-05T02:00:00Z", "liability": "EQUAL"}


@pytest.mark.parametrize("statement", ["update", "delete"])
async def test_timeline_update_and_delete_refused_by_trigger(
    db_sessionmaker: Sessions, new_case_number: NewCase, statement: str
) -> None:
    cn = new_case_number()
    await _create_case(db_sessionmaker, cn)
    async with db_sessionmaker.begin() as s:
        entry_id = await repo.append_timeline(s, cn, "system", "", "created", {})
    t = TimelineRow.__table__
    stmt = (
        sa.update(t).where(t.c.id == entry_id).values(action="tampered")
        if statement == "update"
        else sa.delete(t).where(t.c.id == entry_id)
    )
    with pytest.raises(DBAPIError, match="append-only"):
        async with db_sessionmaker.begin() as s:
            await s.execute(stmt)
    async with db_sessionmaker() as s:
        assert [e.action for e in await repo.list_timeline(s, cn)] == ["created"]


async def test_timeline_truncate_refused_on_postgres(postgres_url: str) -> None:
    engine = make_engine(postgres_url)
    try:
        with pytest.raises(DBAPIError, match="append-only"):
            async with engine.begin() as conn:
                await conn.execute(sa.text("TRUNCATE timeline CASCADE"))
    finally:
        await engine.dispose()


# --------------------------------------------------------------------------- SMS outbox


async def test_enqueue_sms_is_idempotent(db_sessionmaker: Sessions, new_case_number: NewCase) -> None:
    cn = new_case_number()
    kw = {
        "idempotency_key": f"case-{cn}/notify/P1",
        "case_number": cn,
        "party_id": "P1",
        "phone": "13800138000",
        "template": "notice_ready",
        "body": "您的事故认定书已生成",
    }
    async with db_sessionmaker.begin() as s:
        row1, created1 = await repo.enqueue_sms(s, **kw)
    async with db_sessionmaker.begin() as s:
        row2, created2 = await repo.enqueue_sms(s, **{**kw, "body": "a retry with another body"})
    assert (created1, created2) == (True, False)
    assert row1.id == row2.id and row2.body == "您的事故认定书已生成" and row2.status == "queued"
    async with db_sessionmaker() as s:
        assert len(await repo.list_sms(s, case_number=cn)) == 1


async def test_enqueue_sms_concurrent_same_key_gives_one_row(
    db_sessionmaker: Sessions, new_case_number: NewCase
) -> None:
    cn = new_case_number()

    async def enqueue() -> tuple[int, bool]:
        async with db_sessionmaker.begin() as s:
            row, created = await repo.enqueue_sms(
                s,
                idempotency_key=f"case-{cn}/leave/P1",
                case_number=cn,
                party_id="P1",
                phone="13800138000",
                template="you_may_leave",
                body="请撤离现场",
            )
            await asyncio.sleep(0.05)  # hold the transaction open while the other one tries
            return row.id, created

    results = await asyncio.gather(enqueue(), enqueue(), enqueue())
    assert len({rid for rid, _ in results}) == 1
    assert sorted(created for _, created in results) == [False, False, True]
    async with db_sessionmaker() as s:
        assert len(await repo.list_sms(s, case_number=cn)) == 1


async def test_sms_status_updates_and_never_regresses(
    db_sessionmaker: Sessions, new_case_number: NewCase
) -> None:
    cn = new_case_number()
    async with db_sessionmaker.begin() as s:
        row, _ = await repo.enqueue_sms(
            s, idempotency_key=f"{cn}/x", case_number=cn, phone="13800138000", template="t", body="b"
        )
    async with db_sessionmaker.begin() as s:
        sent = await repo.update_sms_status(
            s, row.id, "sent", provider="twilio", provider_message_id=f"SM{cn}"
        )
        assert sent is not None and sent.status == "sent"
    async with db_sessionmaker.begin() as s:
        assert (await repo.update_sms_status(s, f"SM{cn}", "undelivered", "30003")) is not None
    async with db_sessionmaker.begin() as s:
        late = await repo.update_sms_status(s, f"SM{cn}", "sent")  # an out-of-order callback
    assert late is not None and late.status == "undelivered" and late.error_code == "30003"
    assert late.provider == "twilio"
    async with db_sessionmaker.begin() as s:
        assert await repo.update_sms_status(s, "SM-unknown", "delivered") is None
        with pytest.raises(ValueError):
            await repo.update_sms_status(s, row.id, "read")


async def test_the_database_stores_every_status_of_the_sms_machine(
    db_sessionmaker: Sessions, new_case_number: NewCase
) -> None:
    """The outbox's CHECK constraint (written by the migrations) and domain.sms_status agree."""
    from domain.sms_status import SmsStatus

    cn = new_case_number()
    for status in SmsStatus:
        async with db_sessionmaker.begin() as s:
            row, _ = await repo.enqueue_sms(
                s,
                idempotency_key=f"{cn}/{status}",
                case_number=cn,
                phone="13800138000",
                template="t",
                body="b",
            )
            assert (await repo.update_sms_status(s, row.id, status)).status == status
    with pytest.raises(IntegrityError):
        async with db_sessionmaker.begin() as s:
            await s.execute(sa.update(SmsRow).where(SmsRow.case_number == cn).values(status="read"))


# --------------------------------------------------------------------------- claims


async def test_record_claim_idempotent_and_concurrent(
    db_sessionmaker: Sessions, new_case_number: NewCase
) -> None:
    cn = new_case_number()
    await _create_case(db_sessionmaker, cn, motor_party("P1", "13800138000", "川E12345"))

    async def record() -> tuple[int, bool]:
        async with db_sessionmaker.begin() as s:
            row, created = await repo.record_claim(
                s,
                idempotency_key=f"case-{cn}/claim/P1",
                case_number=cn,
                party_id="P1",
                insurer_code="PICC",
                notice_number=f"N{cn}",
            )
            await asyncio.sleep(0.05)
            return row.id, created

    results = await asyncio.gather(record(), record())
    assert len({rid for rid, _ in results}) == 1
    assert sorted(c for _, c in results) == [False, True]
    _, again = await _in_tx(
        db_sessionmaker,
        lambda s: repo.record_claim(
            s, idempotency_key=f"case-{cn}/claim/P1", case_number=cn, party_id="P1", insurer_code="PICC"
        ),
    )
    assert again is False

    async with db_sessionmaker.begin() as s:
        failed = await repo.update_claim(s, f"case-{cn}/claim/P1", status="error", last_error="timeout")
        assert failed is not None and failed.last_error == "timeout"
    async with db_sessionmaker.begin() as s:
        filed = await repo.update_claim(
            s, results[0][0], status="filed", claim_number="PICC-123", last_error=None
        )
    assert filed is not None and (filed.status, filed.claim_number, filed.last_error) == (
        "filed",
        "PICC-123",
        None,
    )
    async with db_sessionmaker() as s:
        claims = (await s.scalars(sa.select(ClaimRow).where(ClaimRow.case_number == cn))).all()
    assert len(claims) == 1 and claims[0].notice_number == f"N{cn}"


async def _in_tx(sm: Sessions, fn: Callable[[AsyncSession], object]) -> object:
    async with sm.begin() as s:
        return await fn(s)  # type: ignore[misc]


# --------------------------------------------------------------------------- evidence


async def test_evidence_idempotent_retention_and_permanent(
    db_sessionmaker: Sessions, new_case_number: NewCase
) -> None:
    cn = new_case_number()
    await _create_case(db_sessionmaker, cn)
    captured = datetime(2026, 8, 31, 3, 0, tzinfo=UTC)
    kw = {
        "case_number": cn,
        "kind": "plate",
        "storage_path": f"evidence/{cn}/e1.jpg",
        "sha256": "a" * 64,
        "content_type": "image/jpeg",
        "size_bytes": 1234,
        "party_id": "P1",
        "captured_by": "S1",
        "captured_role": "seat",
        "captured_at": captured,
    }
    async with db_sessionmaker.begin() as s:
        e1, c1 = await repo.add_evidence(s, evidence_id=f"{cn}-e1", **kw)
        _, c1b = await repo.add_evidence(s, evidence_id=f"{cn}-e1", **kw)
        await repo.add_evidence(s, evidence_id=f"{cn}-e2", **{**kw, "sha256": "b" * 64})
    assert (c1, c1b) == (True, False)
    assert e1.retention == "6_months" and e1.retain_until == datetime(2027, 2, 28, 3, 0, tzinfo=UTC)
    with pytest.raises(repo.EvidenceConflict):
        async with db_sessionmaker.begin() as s:
            await repo.add_evidence(s, evidence_id=f"{cn}-e1", **{**kw, "sha256": "c" * 64})

    async with db_sessionmaker() as s:
        due = await repo.list_evidence_due_for_deletion(s, datetime(2027, 3, 1, tzinfo=UTC), limit=10_000)
        assert {f"{cn}-e1", f"{cn}-e2"} <= {e.evidence_id for e in due}
    async with db_sessionmaker.begin() as s:
        assert await repo.mark_evidence_permanent(s, cn, [f"{cn}-e1"]) == 1
        assert await repo.mark_evidence_permanent(s, cn) == 1  # only e2 was left
    async with db_sessionmaker() as s:
        rows = await repo.list_evidence(s, cn)
    assert [(e.evidence_id, e.retention, e.retain_until) for e in rows] == [
        (f"{cn}-e1", "permanent", None),
        (f"{cn}-e2", "permanent", None),
    ]


# --------------------------------------------------------------------------- notices


async def test_notices_serve_once_and_revoke(db_sessionmaker: Sessions, new_case_number: NewCase) -> None:
    cn = new_case_number()
    await _create_case(db_sessionmaker, cn)
    issued = datetime(2026, 6, 5, 3, 0, tzinfo=UTC)
    async with db_sessionmaker.begin() as s:
        n1, created = await repo.add_notice(
            s, notice_number=f"{cn}-1", case_number=cn, version=1, issued_at=issued, short_code="ABC123"
        )
        _, again = await repo.add_notice(
            s, notice_number=f"{cn}-1", case_number=cn, version=1, issued_at=issued
        )
    assert created and not again and n1.kind == "determination"

    served = issued + timedelta(hours=2)
    async with db_sessionmaker.begin() as s:
        assert (await repo.mark_notice_served(s, f"{cn}-1", served)) is not None
        again_served = await repo.mark_notice_served(s, f"{cn}-1", served + timedelta(days=1))
    assert again_served is not None and again_served.served_at == served

    async with db_sessionmaker.begin() as s:
        await repo.add_notice(
            s,
            notice_number=f"{cn}-2",
            case_number=cn,
            version=2,
            issued_at=issued + timedelta(days=5),
            revokes_notice_number=f"{cn}-1",
        )
        await repo.revoke_notice(s, f"{cn}-1", issued + timedelta(days=5))
    async with db_sessionmaker() as s:
        old = await repo.get_notice(s, f"{cn}-1")
        notices = await repo.list_notices(s, cn)
        assert await repo.get_notice(s, "no-such-notice") is None
    assert old is not None and old.revoked_at == issued + timedelta(days=5)
    assert [(n.version, n.revokes_notice_number) for n in notices] == [(1, None), (2, f"{cn}-1")]

    with pytest.raises(IntegrityError):  # a second notice claiming version 2
        async with db_sessionmaker.begin() as s:
            await repo.add_notice(s, notice_number=f"{cn}-2b", case_number=cn, version=2, issued_at=issued)


async def test_a_review_conclusion_is_a_notice_kind_and_nothing_else_is(
    db_sessionmaker: Sessions, new_case_number: NewCase
) -> None:
    """Migration 0006: notices.kind admits review_conclusion (its own version 1 beside the
    determination's) and still refuses an unknown kind, on SQLite and PostgreSQL."""
    cn = new_case_number()
    await _create_case(db_sessionmaker, cn)
    issued = datetime(2026, 6, 5, 3, 0, tzinfo=UTC)
    async with db_sessionmaker.begin() as s:
        await repo.add_notice(s, notice_number=f"{cn}-1", case_number=cn, version=1, issued_at=issued)
        written, created = await repo.add_notice(
            s, notice_number=f"{cn}-F1", case_number=cn, version=1, issued_at=issued, kind="review_conclusion"
        )
    assert created and written.kind == "review_conclusion"
    with pytest.raises(IntegrityError):
        async with db_sessionmaker.begin() as s:
            await repo.add_notice(
                s, notice_number=f"{cn}-X1", case_number=cn, version=1, issued_at=issued, kind="summons"
            )


async def test_a_served_case_sets_its_notices_service_time(
    db_sessionmaker: Sessions, new_case_number: NewCase
) -> None:
    """notices.served_at: when the last party was served, written with the snapshot that says the
    case is served; a new determination is served anew, the old one keeps its time."""
    cn = new_case_number()
    issued = datetime(2026, 6, 5, 3, 0, tzinfo=UTC)
    p1_at, p2_at = issued + timedelta(minutes=5), issued + timedelta(hours=3)
    first = NoticeRef(notice_number=f"{cn}-1", short_code="A", sha256="0" * 64, pdf_path="x.pdf")
    await _create_case(db_sessionmaker, cn)
    async with db_sessionmaker.begin() as s:
        await repo.add_notice(s, notice_number=f"{cn}-1", case_number=cn, version=1, issued_at=issued)

    def party(pid: str, served_at: datetime | None) -> PartySnapshot:
        return PartySnapshot(party=motor_party(pid, "13800138000", "川E12345"), served_at=served_at)

    async def store(seq: int, status: CaseStatus, *parties: PartySnapshot, notices=(first,)) -> None:
        async with db_sessionmaker.begin() as s:
            assert await repo.upsert_case(
                s, make_case(cn, *parties, status=status, seq=seq, notices=list(notices))
            )

    async def served(number: str) -> datetime | None:
        async with db_sessionmaker() as s:
            return (await repo.get_notice(s, number)).served_at  # type: ignore[union-attr]

    await store(1, CaseStatus.NOTICE_SENT, party("P1", p1_at), party("P2", None))
    assert await served(f"{cn}-1") is None  # P2 not served yet
    await store(2, CaseStatus.SERVED, party("P1", p1_at), party("P2", p2_at))
    assert await served(f"{cn}-1") == p2_at
    await store(3, CaseStatus.CLOSED, party("P1", p1_at), party("P2", p2_at))
    assert await served(f"{cn}-1") == p2_at

    # a new determination: the parties' old times are not its service
    second = first.model_copy(update={"notice_number": f"{cn}-2", "version": 2})
    async with db_sessionmaker.begin() as s:
        await repo.add_notice(s, notice_number=f"{cn}-2", case_number=cn, version=2, issued_at=p2_at)
    await store(
        4,
        CaseStatus.AWAITING_REDETERMINATION,
        party("P1", p1_at),
        party("P2", p2_at),
        notices=(first, second),
    )
    assert await served(f"{cn}-2") is None and await served(f"{cn}-1") == p2_at


# --------------------------------------------------------------------------- calendar


async def test_calendar_overrides_and_years(db_sessionmaker: Sessions) -> None:
    day = date(2027, 2, 6)  # some future year the chinese-calendar package lacks
    async with write_session(db_sessionmaker) as s:
        await repo.put_calendar_override(s, day, False, note="春节", loaded_by="admin1")
        await repo.put_calendar_override(s, date(2027, 2, 14), True, note="调休上班")
        await repo.put_calendar_year(s, 2027, loaded_by="admin1")
    async with write_session(db_sessionmaker) as s:
        await repo.put_calendar_override(s, day, False, note="春节（更正）")  # upsert
        await repo.put_calendar_year(s, 2027, loaded_by="admin2")
    async with db_sessionmaker() as s:
        days, years = await repo.load_calendar_overrides(s)
    assert days[day] is False and days[date(2027, 2, 14)] is True
    assert 2027 in years


# --------------------------------------------------------------------------- phones


@pytest.mark.parametrize(
    "variant",
    [
        "13800138000",
        "+8613800138000",
        "+86 138 0013 8000",
        " 138-0013-8000 ",
        "0086 13800138000",
        "8613800138000",
    ],
)
def test_phone_hash_stable_across_formats(variant: str) -> None:
    assert normalize_mobile(variant) == "13800138000"
    assert repo.phone_hash(variant, "s3cret") == repo.phone_hash("13800138000", "s3cret")


@pytest.mark.parametrize(
    "variant", ["(138) 0013-8000", "（138）0013 8000", "138.0013.8000", "+86 138.0013.8000"]
)
def test_one_phone_normaliser_for_validation_login_hash_and_sms(variant: str) -> None:
    """The three normalisers disagreed on brackets and dots: a number valid for the alert could
    hash differently from the login's and reach Twilio malformed."""
    from adapters.twilio_sms import to_e164
    from domain.validators import validate_mobile

    assert validate_mobile(variant) is None
    assert repo.phone_hash(variant, "s3cret") == repo.phone_hash("13800138000", "s3cret")
    assert to_e164(variant) == "+8613800138000"


def test_phone_hash_is_keyed_and_distinct() -> None:
    h = repo.phone_hash("13800138000", "s3cret")
    assert len(h) == 64 and "13800138000" not in h
    assert h != repo.phone_hash("13800138000", "other")
    assert h != repo.phone_hash("13800138001", "s3cret")
    assert repo.phone_hash("13800138000") == repo.phone_hash("+86 13800138000")  # settings secret


def test_a_stored_snapshots_repr_hides_personal_data() -> None:
    snapshot = make_case("LZ20260605-000001", motor_party("P1", "13800138000", "川E12345"))
    shown = repr(snapshot)
    assert "13800138000" not in shown and "张演示" not in shown and "510502" not in shown
    assert "P1" in shown


async def test_enum_values_are_accepted_and_read_back_as_strings(
    db_sessionmaker: Sessions, new_case_number: NewCase
) -> None:
    from domain.models import AccidentCategory, CaseStatus

    cn = new_case_number()
    await _create_case(
        db_sessionmaker, cn, status=CaseStatus.UNDER_REVIEW, category=AccidentCategory.MOTOR_VS_NON_MOTOR
    )
    async with db_sessionmaker() as s:
        got = await repo.get_case(s, cn)
        listed = await repo.list_cases(s, status=[CaseStatus.UNDER_REVIEW], limit=1000)
    assert got is not None and got.status == "under_review" and got.category == "motor_vs_non_motor"
    assert cn in {c.case_number for c in listed}
