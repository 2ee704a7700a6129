"""A failure right after a side effect (the SMS handed over, the claim filed) must not repeat it:
the retried activity finds the outbox row / the insurer's claim by its idempotency key."""

from __future__ import annotations

from activities.sms import OutboxSmsProvider, OutgoingSms
from activities.wiring import Providers
from tests.workflows.harness import eventually, running_worker


class SmsLostAfterSending:
    """The real outbox provider; the first attempt of every message fails *after* handing it over,
    as if the worker crashed before recording the result."""

    name = "outbox"

    def __init__(self) -> None:
        self.inner = OutboxSmsProvider()
        self.handed_over: list[str] = []

    async def send(self, message: OutgoingSms) -> str:
        message_id = await self.inner.send(message)
        self.handed_over.append(message.idempotency_key)
        if self.handed_over.count(message.idempotency_key) == 1:
            raise ConnectionError("connection lost after the provider took the message")
        return message_id

    async def find_sent(self, message: OutgoingSms) -> str | None:
        if message.idempotency_key in self.handed_over:
            return await self.inner.find_sent(message)
        return None


async def test_sms_failing_after_the_side_effect_is_sent_exactly_once(dev_env, wf_settings, wf_sessions):
    providers = Providers(wf_settings, wf_sessions)
    flaky = SmsLostAfterSending()
    providers.sms = flaky
    async with running_worker(dev_env, wf_settings, wf_sessions, providers) as h:
        case = await h.start()
        await case.accept()  # alert_received + seat_connected × 2

        async def all_sent() -> bool:
            rows = await case.sms()
            return len(rows) == 3 and all(r.status == "sent" for r in rows)

        await eventually(all_sent)
        rows = await case.sms()
        await case.handle.terminate("test over")
    keys = [r.idempotency_key for r in rows]
    assert len(set(keys)) == 3
    assert sorted(flaky.handed_over) == sorted(keys)  # each message handed over once, never twice
