"""A failure right after a side effect (the SMS handed over, the claim filed) must not repeat it:
the retried activity finds the outbox row / the insurer's claim by its idempotency key."""

from __future__ import annotations

import sqlalchemy as sa

from adapters.insurers import AmendmentReport, ClaimReport
from adapters.sandbox_insurer import SandboxInsurer
from adapters.sms import OutboxSmsProvider, OutgoingSms
from adapters.wiring import Providers
from db.models import ClaimRow
from domain.messages import FileClaim
from tests.workflows.harness import citizen, eventually, running_worker
from workflows.case_workflow import AccidentCaseWorkflow


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
    providers = Providers.in_process(wf_settings, wf_sessions)
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


class InsurerLostAfterFiling:
    """The in-process sandbox insurer; the first report of each claim is filed and then the
    answer is lost, as if the connection dropped after the insurer registered it."""

    def __init__(self, inner: SandboxInsurer) -> None:
        self.inner = inner
        self.code, self.name = inner.code, inner.name
        self.calls: list[str] = []

    async def report_claim(self, report: ClaimReport) -> str:
        number = await self.inner.report_claim(report)
        self.calls.append(report.idempotency_key)
        if self.calls.count(report.idempotency_key) == 1:
            raise ConnectionError("answer lost after the insurer registered the claim")
        return number

    async def report_amendment(self, report: AmendmentReport) -> None:
        await self.inner.report_amendment(report)


async def test_claim_failing_after_the_side_effect_is_filed_exactly_once(dev_env, wf_settings, wf_sessions):
    picc = InsurerLostAfterFiling(SandboxInsurer("PICC", wf_sessions))
    providers = Providers.in_process(wf_settings, wf_sessions)
    providers.insurers = {**providers.insurers, "PICC": picc}
    async with running_worker(dev_env, wf_settings, wf_sessions, providers) as h:
        case = await h.start()
        await case.to_served("P1")
        result = await case.handle.execute_update(
            AccidentCaseWorkflow.file_claim, FileClaim(actor=citizen("P1"))
        )
    key = picc.calls[0]
    assert picc.calls == [key, key]  # the retry reached the insurer again, with the same key
    at_insurer = [c for c in await picc.inner.claims() if c.idempotency_key == key]
    assert [c.claim_number for c in at_insurer] == [result.claim_number]
    async with wf_sessions() as session:
        ours = (await session.scalars(sa.select(ClaimRow).where(ClaimRow.case_number == case.number))).all()
        ours = [c for c in ours if c.party_id == "P1"]
    assert [(c.claim_number, c.status) for c in ours] == [(result.claim_number, "filed")]
