"""The record_step activity (activities/records.py) on both backends: the snapshot and the
entries of a workflow task in one write, the one-entry shape of histories in flight, and a re-run
that writes nothing twice."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from activities.records import RecordActivities
from db import repository as repo
from domain import activity_contracts as act
from tests.db.conftest import make_case

Sessions = async_sessionmaker[AsyncSession]
AT = datetime(2026, 6, 5, 2, 0, tzinfo=UTC)


def _entry(cn: str, n: int, action: str) -> act.TimelineEntry:
    return act.TimelineEntry(
        step_key=f"case-{cn}/run/{n}", case_number=cn, at=AT, actor_role="system", actor_id="", action=action
    )


async def _actions(sm: Sessions, cn: str) -> list[str]:
    async with sm() as s:
        return [e.action for e in await repo.list_timeline(s, cn)]


async def test_the_entries_of_a_task_are_written_with_the_latest_snapshot_once(
    db_sessionmaker: Sessions, new_case_number: Callable[[], str]
) -> None:
    cn = new_case_number()
    records = RecordActivities(db_sessionmaker, "not-secret")
    old_shape = act.StepRecord(snapshot=make_case(cn, seq=1), entry=_entry(cn, 1, "alert_received"))
    await records.record_step(old_shape)
    batch = [_entry(cn, 2, "call_accepted"), _entry(cn, 3, "status_changed")]
    step = act.StepRecord(snapshot=make_case(cn, seq=3, status="in_video"), entries=batch)
    await records.record_step(step)
    await records.record_step(step)  # a re-run local activity
    assert await _actions(db_sessionmaker, cn) == ["alert_received", "call_accepted", "status_changed"]
    async with db_sessionmaker() as s:
        stored = await repo.get_case(s, cn)
    assert stored is not None and stored.seq == 3 and stored.status == "in_video"


def test_a_one_entry_record_of_a_history_in_flight_still_decodes() -> None:
    cn = "LZ20260605-000001"
    payload = {"snapshot": make_case(cn).model_dump(mode="json"), "entry": _entry(cn, 1, "x").model_dump()}
    step = act.StepRecord.model_validate(payload)
    assert [e.action for e in step.all_entries()] == ["x"]
