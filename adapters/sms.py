"""SMS: one message per idempotency key, ever. The outbox row is written first; the provider
is called at most once per key unless it answered with a definite "not accepted".

Embedded provider: `OutboxSmsProvider` (simulated delivery: the outbox row is the message; the
consoles show it). The Twilio provider lives in adapters/twilio_sms.py. `SmsSender` is the one
sending path, for the workflow's activity and the API's login codes and 110 links alike."""

from __future__ import annotations

from typing import Protocol

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.errors import PermanentFailure
from adapters.sms_templates import UnknownTemplate, redacted_params, render_sms
from db import repository
from db.group_commit import GroupCommit
from db.models import SmsRow
from db.session import write_session
from domain import activity_contracts as act
from domain.sms_status import HANDED_OVER, SmsStatus


class OutgoingSms(BaseModel):
    outbox_id: int
    idempotency_key: str
    to: str
    body: str


class SmsRejected(Exception):
    """The provider refused the message for good (invalid or unsubscribed number...)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class SmsNotAccepted(Exception):
    """The provider answered that it did not take the message (rate limit, 5xx): retry."""


class SmsProvider(Protocol):
    """A provider may also set `delivers_in_outbox = True` when handing a message over is the
    outbox row itself (no outside system to call): the sender then queues it and marks it sent
    in one transaction instead of three."""

    name: str

    async def send(self, message: OutgoingSms) -> str:
        """Hand the message over; returns the provider's message id."""
        ...

    async def find_sent(self, message: OutgoingSms) -> str | None:
        """After an attempt whose result is unknown: the provider's id if it took the message."""
        ...


class OutboxSmsProvider:
    """Embedded, simulated delivery: the outbox row itself is the delivered message."""

    name = "outbox"
    delivers_in_outbox = True

    async def send(self, message: OutgoingSms) -> str:
        return f"outbox-{message.outbox_id}"

    async def find_sent(self, message: OutgoingSms) -> str | None:
        return f"outbox-{message.outbox_id}"


class SmsSender:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], provider: SmsProvider) -> None:
        self._sessions = sessions
        self._provider = provider
        self._in_outbox = GroupCommit(sessions, self._deliver_in_outbox)

    async def send(self, req: act.SmsRequest) -> act.SmsResult:
        """Raises PermanentFailure when the template is unknown or the provider refused for good;
        any other error may be retried (the key makes a retry safe)."""
        try:
            body = render_sms(req.template, req.params)
            # a real provider delivers the secret; the outbox then keeps it redacted
            stored = (
                body
                if self._provider.name == "outbox"
                else render_sms(req.template, redacted_params(req.template, req.params))
            )
        except UnknownTemplate as err:
            raise PermanentFailure("SMS_TEMPLATE", str(err)) from err
        if getattr(self._provider, "delivers_in_outbox", False):
            return await self._in_outbox.write((req, body))
        async with write_session(self._sessions) as session:
            row = await self._enqueue(session, req, stored)
        message = OutgoingSms(outbox_id=row.id, idempotency_key=req.idempotency_key, to=row.phone, body=body)
        if row.status in HANDED_OVER:
            return act.SmsResult(outbox_id=row.id, status=row.status, duplicate=True)
        if row.status == SmsStatus.SENDING:  # an earlier attempt may have reached the provider
            found = await self._provider.find_sent(message)
            if found:
                await self._mark(row.id, SmsStatus.SENT, provider_message_id=found)
                return act.SmsResult(outbox_id=row.id, status=SmsStatus.SENT, duplicate=True)
        await self._mark(row.id, SmsStatus.SENDING)
        try:
            message_id = await self._provider.send(message)
        except SmsRejected as err:
            await self._mark(row.id, SmsStatus.FAILED, error_code=err.code)
            raise PermanentFailure(f"SMS_REJECTED_{err.code}", str(err)) from err
        except SmsNotAccepted:
            await self._mark(row.id, SmsStatus.QUEUED)
            raise
        await self._mark(row.id, SmsStatus.SENT, provider_message_id=message_id)
        return act.SmsResult(outbox_id=row.id, status=SmsStatus.SENT)

    async def _enqueue(self, session: AsyncSession, req: act.SmsRequest, body: str) -> SmsRow:
        """The outbox row of this key: written now, or the one an earlier attempt wrote."""
        row, _ = await repository.enqueue_sms(
            session,
            idempotency_key=req.idempotency_key,
            case_number=req.case_number,
            party_id=req.party_id,
            phone=req.phone,
            template=req.template,
            body=body,
            provider=self._provider.name,
        )
        return row

    async def _deliver_in_outbox(
        self, session: AsyncSession, message: tuple[act.SmsRequest, str]
    ) -> act.SmsResult:
        """The outbox row is the delivery: queued and marked sent in one transaction (one write
        lock on SQLite instead of three), shared with the messages sent with it
        (db/group_commit.py); a repeat of the key finds the row and sends nothing."""
        req, body = message
        row = await self._enqueue(session, req, body)
        if row.status in HANDED_OVER:
            return act.SmsResult(outbox_id=row.id, status=row.status, duplicate=True)
        outgoing = OutgoingSms(outbox_id=row.id, idempotency_key=req.idempotency_key, to=row.phone, body=body)
        message_id = await self._provider.send(outgoing)
        await repository.update_sms_status(session, row.id, SmsStatus.SENT, provider_message_id=message_id)
        return act.SmsResult(outbox_id=row.id, status=SmsStatus.SENT)

    async def _mark(
        self,
        outbox_id: int,
        status: SmsStatus,
        *,
        error_code: str | None = None,
        provider_message_id: str | None = None,
    ) -> None:
        async with write_session(self._sessions) as session:
            await repository.update_sms_status(
                session, outbox_id, status, error_code, provider_message_id=provider_message_id
            )
