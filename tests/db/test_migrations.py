"""Alembic migrations: from empty, idempotent, concurrent, reversible, and matching the models."""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from db import repository
from db.models import Base
from db.session import alembic_config, ensure_schema, make_engine, make_sessionmaker
from domain.case_view import case_view
from domain.models import CaseStatus

ROOT = Path(__file__).resolve().parents[2]
EXPECTED_TABLES = {
    "cases",
    "parties",
    "evidence",
    "timeline",
    "notices",
    "sms_outbox",
    "insurer_claims",
    "calendar_overrides",
    "calendar_years",
    "registry_licences",
    "registry_vehicles",
    "registry_policies",
}


async def _downgrade(url: str, revision: str) -> None:
    engine = make_engine(url)
    try:
        async with engine.begin() as conn:

            def run(sync_conn: sa.Connection) -> None:
                cfg = alembic_config(url)
                cfg.attributes["connection"] = sync_conn
                command.downgrade(cfg, revision)

            await conn.run_sync(run)
    finally:
        await engine.dispose()


def _head() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head() or ""


async def _state(url: str) -> tuple[set[str], str | None, list[object]]:
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:

            def inspect(sync_conn: sa.Connection) -> tuple[set[str], str | None, list[object]]:
                tables = set(sa.inspect(sync_conn).get_table_names())
                ctx = MigrationContext.configure(sync_conn)
                diff = compare_metadata(ctx, Base.metadata)
                return tables, ctx.get_current_revision(), diff

            return await conn.run_sync(inspect)
    finally:
        await engine.dispose()


async def test_upgrade_from_empty_creates_everything_and_matches_models(empty_database_url: str) -> None:
    tables, rev, _ = await _state(empty_database_url)
    assert rev is None and not (tables & EXPECTED_TABLES)

    await ensure_schema(empty_database_url)

    tables, rev, diff = await _state(empty_database_url)
    assert EXPECTED_TABLES <= tables
    assert rev == _head()
    assert diff == [], f"models and migrations disagree: {diff}"


async def test_ensure_schema_twice_is_a_no_op(empty_database_url: str) -> None:
    await ensure_schema(empty_database_url)
    await ensure_schema(empty_database_url)
    tables, rev, _ = await _state(empty_database_url)
    assert rev == _head() and EXPECTED_TABLES <= tables


async def test_ensure_schema_concurrently_in_one_process(empty_database_url: str) -> None:
    await asyncio.gather(*(ensure_schema(empty_database_url) for _ in range(3)))
    assert (await _state(empty_database_url))[1] == _head()


async def test_migrate_from_two_processes_at_once(empty_database_url: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "db.migrate",
            "--url",
            empty_database_url,
            cwd=ROOT,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        for _ in range(2)
    ]
    results = await asyncio.gather(*(p.communicate() for p in procs))
    for proc, (_out, err) in zip(procs, results, strict=True):
        assert proc.returncode == 0, err.decode()
    assert (await _state(empty_database_url))[1] == _head()


async def test_downgrade_to_base_and_upgrade_again(empty_database_url: str) -> None:
    await ensure_schema(empty_database_url)
    await _downgrade(empty_database_url, "base")
    tables, rev, _ = await _state(empty_database_url)
    assert rev is None and not (tables & EXPECTED_TABLES)
    await ensure_schema(empty_database_url)
    assert (await _state(empty_database_url))[1] == _head()


# --------------------------------------------------------------------------- 0004: case snapshots

REPORTED = datetime(2026, 6, 5, 1, 30, tzinfo=UTC)
OLD_CASE = {
    "case_number": "LZ20260605-000001",
    "workflow_id": "case-LZ20260605-000001",
    "status": "awaiting_decision",
    "category": "motor_vs_motor",
    "district": "江阳区",
    "area": "南城",
    "reported_at": REPORTED,
    "lat": 28.87,
    "lon": 105.43,
    "source_system": "GCJ02",
    "address": "南城街道示例路100号",
    "seat_id": "seat-1",
    "officer_id": None,
    "next_deadline": REPORTED + timedelta(minutes=30),
    "next_deadline_kind": "decision_escalation",
    "outcome": None,
    "outcome_reason": None,
    "review_deadline": None,
    "served_at": None,
    "reporter_phone_hash": "h" * 64,
    "snapshot_seq": 7,
    "created_at": REPORTED,
    "updated_at": REPORTED,
}
OLD_PARTY = {
    "case_number": OLD_CASE["case_number"],
    "party_id": "P1",
    "kind": "motor_driver",
    "name": "张演示",
    "phone": "13800000001",
    "phone_hash": "p" * 64,
    "id_number": "510502198503120116",
    "licence_number": "510500100001",
    "liability": None,
    "verification": {
        "party_id": "P1",
        "insurer_code": "PICC",
        "insurer_name": "中国人保",
        "policy_number": "PN1",
    },
}
OLD_VEHICLE = {
    "case_number": OLD_CASE["case_number"],
    "party_id": "P1",
    "plate": "川E12345",
    "vehicle_type": "小型普通客车",
    "insurer_code": "DECLARED",
    "insurer_name": "",
    "policy_number": "",
    "policy_valid_from": None,
    "policy_valid_to": None,
}


def _old_insert(name: str, row: dict[str, object]) -> sa.Insert:
    """A revision-0003 row (NULLs left to the database)."""
    types = {datetime: sa.DateTime(timezone=True), dict: sa.JSON(), float: sa.Float(), int: sa.Integer()}
    given = {k: v for k, v in row.items() if v is not None}
    table = sa.table(name, *(sa.column(k, types.get(type(v), sa.String())) for k, v in given.items()))
    return table.insert().values(**given)


async def _run(url: str, fn) -> object:
    engine = make_engine(url)
    try:
        async with engine.begin() as conn:
            return await conn.run_sync(fn)
    finally:
        await engine.dispose()


async def test_0004_builds_the_snapshot_of_existing_cases_and_downgrade_restores_them(
    empty_database_url: str,
) -> None:
    await ensure_schema(empty_database_url, "0003")

    def insert_old(conn: sa.Connection) -> None:
        for name, row in (("cases", OLD_CASE), ("parties", OLD_PARTY), ("vehicles", OLD_VEHICLE)):
            conn.execute(_old_insert(name, row))

    await _run(empty_database_url, insert_old)
    await ensure_schema(empty_database_url)

    engine = make_engine(empty_database_url)
    try:
        async with make_sessionmaker(engine)() as session:
            snapshot = await repository.get_case(session, OLD_CASE["case_number"])
            mine = await repository.list_cases(session, phone_hash="p" * 64)
    finally:
        await engine.dispose()
    assert snapshot is not None and [c.case_number for c in mine] == [OLD_CASE["case_number"]]
    assert (snapshot.status, snapshot.seq, snapshot.seat_id, snapshot.area) == (
        CaseStatus.AWAITING_DECISION,
        7,
        "seat-1",
        "南城",
    )
    assert snapshot.location.system == "WGS84" and snapshot.location.address == OLD_CASE["address"]
    assert snapshot.reported_at == REPORTED and snapshot.next_deadline_kind == "decision_escalation"
    (party,) = snapshot.parties
    assert party.party.name == "张演示" and party.party.vehicle is not None
    assert party.party.vehicle.plate == "川E12345" and party.party.vehicle.insurance is not None
    assert party.verification is not None and party.policy_number == "PN1"
    view = case_view(snapshot)  # the read model's fallback view of an old row
    assert view.parties[0].name == "张**" and view.parties[0].insurer_name == "中国人保"

    await _downgrade(empty_database_url, "0003")

    def read_old(conn: sa.Connection) -> tuple[object, ...]:
        case = conn.execute(sa.text("SELECT area, address, next_deadline_kind FROM cases")).one()
        p = conn.execute(sa.text("SELECT name, phone, licence_number FROM parties")).one()
        v = conn.execute(sa.text("SELECT plate, insurer_code FROM vehicles")).one()
        return tuple(case), tuple(p), tuple(v)

    assert await _run(empty_database_url, read_old) == (
        ("南城", OLD_CASE["address"], "decision_escalation"),
        ("张演示", "13800000001", "510500100001"),
        ("川E12345", "DECLARED"),
    )
