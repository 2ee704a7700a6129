"""Alembic migrations: from empty, idempotent, concurrent, reversible, and matching the models."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from db.models import Base
from db.session import alembic_config, ensure_schema, make_engine

ROOT = Path(__file__).resolve().parents[2]
EXPECTED_TABLES = {
    "cases",
    "parties",
    "vehicles",
    "evidence",
    "timeline",
    "notices",
    "sms_outbox",
    "insurer_claims",
    "review_requests",
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
