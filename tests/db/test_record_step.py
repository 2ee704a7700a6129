"""The record_step activity (activities/records.py) on both backends: the snapshot and the
entries of a workflow task in one write, the one-entry shape of histories in flight, a re-run
that writes nothing twice, and the steps of several cases written together (a group commit)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy import event
from sqlalchemy import exc as sa_exc
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


async def test_steps_arriving_together_share_a_transaction_and_a_refused_one_fails_alone(
    db_sessionmaker: Sessions, new_case_number: Callable[[], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    records = RecordActivities(db_sessionmaker, "not-secret")
    cases = [new_case_number() for _ in range(6)]
    begins: list[object] = []
    engine = db_sessionmaker.kw["bind"].sync_engine

    def on_begin(conn: object) -> None:
        begins.append(conn)

    event.listen(engine, "begin", on_begin)

    def step(cn: str, action: str) -> act.StepRecord:
        return act.StepRecord(snapshot=make_case(cn, seq=1), entries=[_entry(cn, 1, action)])

    await asyncio.gather(*(records.record_step(step(cn, "alert_received")) for cn in cases))
    assert len(begins) == 1  # six cases' steps, one transaction
    assert all([await _actions(db_sessionmaker, cn) for cn in cases])

    refused_case = cases[2]
    real = repo.append_timeline_steps

    async def refusing(session: AsyncSession, rows: list[dict[str, object]]) -> set[str]:
        if rows and rows[0]["case_number"] == refused_case:  # as PostgreSQL refuses a NUL in text
            raise sa_exc.DataError("INSERT INTO timeline", {}, ValueError("refused"))
        return await real(session, rows)

    monkeypatch.setattr(repo, "append_timeline_steps", refusing)
    begins.clear()
    results = await asyncio.gather(
        *(
            records.record_step(
                act.StepRecord(snapshot=make_case(cn, seq=2), entries=[_entry(cn, 2, "call_accepted")])
            )
            for cn in cases
        ),
        return_exceptions=True,
    )
    failed = [(cn, r) for cn, r in zip(cases, results, strict=True) if isinstance(r, BaseException)]
    assert [(cn, getattr(r, "type", None)) for cn, r in failed] == [(refused_case, "RECORD_REFUSED")]
    for cn in cases:  # the others written (each alone, after the batch failed), the refused one not
        expected = ["alert_received"] if cn == refused_case else ["alert_received", "call_accepted"]
        assert await _actions(db_sessionmaker, cn) == expected
    event.remove(engine, "begin", on_begin)
