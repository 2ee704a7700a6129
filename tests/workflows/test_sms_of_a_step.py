"""Every party's SMS of a step goes in one activity (workflows/effects.py sms_all, for cases
started with the patch baseline): a number the provider refuses for good is recorded for the
operators as sms_failed for that party only, the other party is texted, and the case goes on."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.sms import OutboxSmsProvider, OutgoingSms, SmsRejected
from adapters.wiring import Providers
from db import repository
from settings import Settings
from tests.workflows.harness import running_worker

P2_PHONE = "13800000002"  # tests/case_factory.py: P2's phone


class RefusesOneNumber(OutboxSmsProvider):
    """The embedded outbox, but the carrier refuses one number (as Twilio's 21211)."""

    name = "refuses-one"
    delivers_in_outbox = False  # through SmsSender's provider path, as a real provider goes

    async def send(self, message: OutgoingSms) -> str:
        if message.to == P2_PHONE:
            raise SmsRejected("21211", "invalid 'To' number")
        return await super().send(message)


async def test_a_refused_number_is_recorded_and_the_other_party_texted(
    ts_env, wf_settings: Settings, wf_sessions: async_sessionmaker[AsyncSession]
) -> None:
    providers = Providers(wf_settings, wf_sessions, sms=RefusesOneNumber())
    async with running_worker(ts_env, wf_settings, wf_sessions, providers) as h:
        case = await h.start()
        await case.accept()
        await case.collect_evidence()
        view = await case.complete()
        async with wf_sessions() as session:
            failed = [
                e.detail
                for e in await repository.list_timeline(session, case.number)
                if e.action == "sms_failed"
            ]
        rows = await case.sms()
    # seat connected and you-may-leave: P2's refused each time, P1's sent
    assert [(d["party"], d["template"]) for d in failed] == [
        ("P2", "seat_connected"),
        ("P2", "you_may_leave"),
    ]
    assert all(d["error"] for d in failed)
    by_party = {(r.party_id, r.template): r.status for r in rows}
    assert by_party[("P1", "seat_connected")] == by_party[("P1", "you_may_leave")] == "sent"
    assert by_party[("P2", "seat_connected")] == "failed"
    assert view.status.value == "awaiting_decision"
