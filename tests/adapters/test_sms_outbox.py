"""The embedded outbox provider through SmsSender: messages sent together share one transaction
(db/group_commit.py), and a key sent twice in it is still one message."""

from __future__ import annotations

import asyncio
import uuid

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.sms import OutboxSmsProvider, SmsSender
from db.models import SmsRow
from domain import activity_contracts as act
from domain.sms_status import SmsStatus


def request(case: str, party: str) -> act.SmsRequest:
    return act.SmsRequest(
        idempotency_key=f"case-{case}/leave/{party}",
        case_number=case,
        party_id=party,
        phone="13800138000",
        template=act.SmsTemplate.YOU_MAY_LEAVE,
        params={"case_number": case},
    )


async def test_messages_sent_together_share_a_transaction_and_a_repeat_is_one_message(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    sender = SmsSender(sessions, OutboxSmsProvider())
    case = f"LZ20261125-{uuid.uuid4().int % 1_000_000:06d}"
    begins: list[object] = []
    engine = sessions.kw["bind"].sync_engine

    def on_begin(conn: object) -> None:
        begins.append(conn)

    event.listen(engine, "begin", on_begin)
    try:
        parties = ["P1", "P2", "P3", "P1"]  # P1 twice: a re-run activity's repeat
        results = await asyncio.gather(*(sender.send(request(case, p)) for p in parties))
    finally:
        event.remove(engine, "begin", on_begin)
    assert len(begins) == 1
    assert [r.duplicate for r in results] == [False, False, False, True]
    assert results[0].outbox_id == results[3].outbox_id
    async with sessions() as session:
        rows = (await session.scalars(sa.select(SmsRow).where(SmsRow.case_number == case))).all()
    assert sorted(r.party_id for r in rows) == ["P1", "P2", "P3"]
    assert all(r.status == SmsStatus.SENT for r in rows)
