"""The retention sweep: evidence past its 6 months loses its file (with an audit record), evidence
not yet due and evidence kept permanently keep theirs; the Temporal workflow and its Schedule."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.client import ScheduleSpec
from temporalio.worker import Worker

from activities.retention import AUDIT_ACTION, RetentionActivities
from adapters.storage import LocalDiskStore, ObjectStore, evidence_key, evidence_record_path
from db import repository
from domain import activity_contracts as act
from settings import Settings
from tests.db.conftest import make_case
from tests.temporal_env import start_dev_server
from worker import RETENTION_SCHEDULE_ID, ensure_retention_schedule
from workflows.retention import RetentionRun, RetentionWorkflow

Sessions = async_sessionmaker[AsyncSession]
NOW = datetime.now(UTC)
OLD = NOW - timedelta(days=200)  # past 6 months


async def _evidence(
    sessions: Sessions, store: ObjectStore, case: str, name: str, captured: datetime, *, stored: bool = True
) -> str:
    data = f"{case}/{name}".encode()
    sha = hashlib.sha256(data).hexdigest()
    key = evidence_key(case, sha, "webm")
    if stored:
        store.put(key, data, "video/webm")
    async with sessions.begin() as s:
        await repository.add_evidence(
            s,
            evidence_id=f"{case}-{name}",
            case_number=case,
            kind="recording",
            storage_path=evidence_record_path(key),
            sha256=sha,
            size_bytes=len(data),
            captured_at=captured,
        )
    return key


async def _case(sessions: Sessions) -> str:
    case = f"LZ20260601-{uuid.uuid4().int % 1_000_000:06d}"
    async with sessions.begin() as s:
        await repository.upsert_case(s, make_case(case))
    return case


async def test_due_evidence_is_deleted_with_an_audit_record_permanent_and_recent_kept(
    fresh_sessions: Sessions, store: ObjectStore
) -> None:
    case = await _case(fresh_sessions)
    due = await _evidence(fresh_sessions, store, case, "due", OLD)
    recent = await _evidence(fresh_sessions, store, case, "recent", NOW - timedelta(days=30))
    kept = await _evidence(fresh_sessions, store, case, "kept", OLD)
    await _evidence(fresh_sessions, store, case, "gone", OLD, stored=False)
    async with fresh_sessions.begin() as s:
        await repository.mark_evidence_permanent(s, case, [f"{case}-kept"])  # a decision rests on it
        await repository.add_evidence(  # a Twilio recording: not our file, never swept here
            s,
            evidence_id=f"{case}-remote",
            case_number=case,
            kind="recording",
            storage_path="https://video.twilio.com/v1/Recordings/RT1",
            sha256="f" * 64,
            captured_at=OLD,
        )
    sweep = RetentionActivities(fresh_sessions, store)

    result = await sweep.purge_expired_evidence(act.RetentionSweep(now=NOW, limit=100))

    assert (result.deleted, result.absent, result.skipped, result.more) == (1, 1, 0, False)
    assert not store.exists(due) and store.exists(recent) and store.exists(kept)
    async with fresh_sessions() as s:
        rows = {r.evidence_id.rsplit("-", 1)[1]: r for r in await repository.list_evidence(s, case)}
        timeline = await repository.list_timeline(s, case)
    assert rows["due"].deleted_at is not None and rows["due"].sha256  # the row and its digest stay
    assert rows["gone"].deleted_at is not None
    assert all(rows[n].deleted_at is None for n in ("recent", "kept", "remote"))
    audit = [e for e in timeline if e.action == AUDIT_ACTION]
    assert [(e.actor_role, e.actor_id, e.detail["evidence_id"], e.detail["object"]) for e in audit] == [
        ("system", "retention", f"{case}-due", "deleted"),
        ("system", "retention", f"{case}-gone", "absent"),
    ]
    assert audit[0].detail["sha256"] == rows["due"].sha256 and audit[0].detail["store"] == store.name

    again = await sweep.purge_expired_evidence(act.RetentionSweep(now=NOW, limit=100))
    assert (again.deleted, again.absent, again.skipped) == (0, 0, 0)
    async with fresh_sessions() as s:
        assert len([e for e in await repository.list_timeline(s, case) if e.action == AUDIT_ACTION]) == 2
        # marking permanent later leaves a deleted record as it is
        await repository.mark_evidence_permanent(s, case)
        await s.commit()
        rows = {r.evidence_id.rsplit("-", 1)[1]: r for r in await repository.list_evidence(s, case)}
    assert rows["due"].retention == "6_months" and rows["recent"].retention == "permanent"


async def test_evidence_made_permanent_after_listing_is_not_deleted(
    fresh_sessions: Sessions, tmp_path
) -> None:
    store = LocalDiskStore(tmp_path / "evidence")
    case = await _case(fresh_sessions)
    key = await _evidence(fresh_sessions, store, case, "late", OLD)
    async with fresh_sessions() as s:
        assert [r.evidence_id for r in await repository.list_evidence_due_for_deletion(s, NOW)] == [
            f"{case}-late"
        ]
    async with fresh_sessions.begin() as s:  # the decision lands between listing and deleting
        await repository.mark_evidence_permanent(s, case)
    assert await RetentionActivities(fresh_sessions, store)._purge(f"{case}-late", NOW) == "skipped"
    assert store.exists(key)


async def test_a_decided_case_s_evidence_is_kept_even_where_marking_it_permanent_failed(
    fresh_sessions: Sessions, store: ObjectStore
) -> None:
    """The workflow's retain_evidence is bounded (it records retention_mark_failed and the case
    goes on): the sweep itself spares the evidence of a case with a liability notice."""
    case = await _case(fresh_sessions)
    key = await _evidence(fresh_sessions, store, case, "decided", OLD)
    async with fresh_sessions.begin() as s:  # decided; the evidence still on 6 months
        await repository.add_notice(
            s, notice_number=f"N{case[-6:]}", case_number=case, version=1, issued_at=OLD
        )

    result = await RetentionActivities(fresh_sessions, store).purge_expired_evidence(
        act.RetentionSweep(now=NOW, limit=100)
    )

    assert (result.deleted, result.absent) == (0, 0)
    assert store.exists(key)


@pytest.mark.parametrize("fresh_sessions", ["sqlite"], indirect=True)
async def test_the_retention_workflow_sweeps_in_batches_and_its_schedule_is_kept(
    fresh_sessions: Sessions, tmp_path
) -> None:
    store = LocalDiskStore(tmp_path / "evidence")
    case = await _case(fresh_sessions)
    keys = [await _evidence(fresh_sessions, store, case, f"e{i}", OLD) for i in range(5)]
    env = await start_dev_server()
    try:
        queue = f"retention-{uuid.uuid4().hex[:8]}"
        sweep = RetentionActivities(fresh_sessions, store)
        async with Worker(
            env.client,
            task_queue=queue,
            workflows=[RetentionWorkflow],
            activities=[sweep.purge_expired_evidence],
        ):
            result = await env.client.execute_workflow(
                RetentionWorkflow.run,
                RetentionRun(batch_size=2),
                id=f"retention-test-{uuid.uuid4().hex[:6]}",
                task_queue=queue,
                result_type=act.RetentionSweepResult,
            )
        assert (result.deleted, result.absent, result.skipped, result.more) == (5, 0, 0, False)
        assert not any(store.exists(k) for k in keys)

        settings = Settings(
            _env_file=None, var_dir=tmp_path, task_queue=queue, retention_schedule="30 3 * * *"
        )
        await ensure_retention_schedule(env.client, settings)
        await ensure_retention_schedule(
            env.client, settings.model_copy(update={"retention_schedule": "0 4 * * *"})
        )
        described = await env.client.get_schedule_handle(RETENTION_SCHEDULE_ID).describe()
        spec = described.schedule.spec
        assert isinstance(spec, ScheduleSpec) and spec.time_zone_name == "Asia/Shanghai"
        assert [c.hour[0].start for c in spec.calendars] == [4] or spec.cron_expressions == ["0 4 * * *"]
        assert described.schedule.action.workflow == "RetentionWorkflow"  # type: ignore[union-attr]
        await ensure_retention_schedule(env.client, settings.model_copy(update={"retention_schedule": ""}))
        ids = [s.id async for s in await env.client.list_schedules()]
        assert RETENTION_SCHEDULE_ID not in ids
    finally:
        await env.shutdown()
