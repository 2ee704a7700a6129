"""SmsActivities.send_sms with the Twilio provider and the Twilio stand-in, through Temporal's
ActivityEnvironment, retried the way the server retries: after 5xx, rate limits and timeouts
(including the ambiguous one, where Twilio created the message but the answer was lost) there
is exactly one message at Twilio per idempotency key; a recipient error is final."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.sms import SmsActivities
from adapters.sms import SmsSender
from adapters.twilio_http import twilio_client
from adapters.twilio_sms import TwilioSmsProvider
from db.models import SmsRow
from domain import activity_contracts as act
from tests.adapters.conftest import ACCOUNT_SID, AUTH_TOKEN, SERVICE_SID
from tests.adapters.twilio_standin import Fault, TwilioStandIn


def activities(standin: TwilioStandIn, sessions: async_sessionmaker[AsyncSession]) -> SmsActivities:
    client = twilio_client(account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN, timeout=0.5, base_url=standin.url)
    provider = TwilioSmsProvider(
        client,
        status_callback="https://kuaichu.example.cn/webhooks/twilio/sms-status",
        messaging_service_sid=SERVICE_SID,
        lookback=timedelta(minutes=30),
    )
    return SmsActivities(SmsSender(sessions, provider))


def request(phone: str = "13800138000") -> act.SmsRequest:
    case = f"LZ20261125-{uuid.uuid4().int % 1_000_000:06d}"
    return act.SmsRequest(
        idempotency_key=f"case-{case}/sms/alert/P1",
        case_number=case,
        party_id="P1",
        phone=phone,
        template=act.SmsTemplate.ALERT_RECEIVED,
        params={"case_number": case},
    )


async def run_with_retries(sms: SmsActivities, req: act.SmsRequest, attempts: int = 6) -> act.SmsResult:
    env = ActivityEnvironment()
    for _ in range(attempts - 1):
        try:
            return await env.run(sms.send_sms, req)
        except ApplicationError as err:
            if err.non_retryable:
                raise
        except Exception:
            continue
    return await env.run(sms.send_sms, req)


async def row(sessions: async_sessionmaker[AsyncSession], key: str) -> SmsRow:
    async with sessions() as session:
        return (await session.execute(sa.select(SmsRow).where(SmsRow.idempotency_key == key))).scalar_one()


@pytest.mark.parametrize(
    "faults",
    [
        [Fault("error", 500, 20500), Fault("error", 503, 20503), Fault("error", 429, 20429)],
        [Fault("hang_after", seconds=2)],  # created at Twilio, answer lost: find_sent finds it
        [Fault("hang_before", seconds=2), Fault("error", 502)],  # never created: sent on retry
    ],
    ids=["5xx-and-429", "timeout-after-create", "timeout-before-create"],
)
async def test_exactly_one_message_after_faults(
    twilio_standin: TwilioStandIn, sessions: async_sessionmaker[AsyncSession], faults: list[Fault]
) -> None:
    twilio_standin.fail_next("messages.create", *faults)
    sms = activities(twilio_standin, sessions)
    req = request()
    result = await run_with_retries(sms, req)
    assert result.status == "sent"
    [message] = twilio_standin.messages
    stored = await row(sessions, req.idempotency_key)
    assert (stored.status, stored.provider_message_id, stored.provider) == ("sent", message["sid"], "twilio")
    assert message["body"] == stored.body
    again = await ActivityEnvironment().run(sms.send_sms, req)
    assert again.duplicate and len(twilio_standin.messages) == 1


@pytest.mark.parametrize("code", [21211, 21610])
async def test_recipient_error_is_final_and_recorded(
    twilio_standin: TwilioStandIn, sessions: async_sessionmaker[AsyncSession], code: int
) -> None:
    twilio_standin.fail_next("messages.create", Fault("error", 400, code))
    req = request()
    with pytest.raises(ApplicationError) as err:
        await run_with_retries(activities(twilio_standin, sessions), req)
    assert err.value.non_retryable and err.value.type == f"SMS_REJECTED_{code}"
    assert len(twilio_standin.seen("POST", "Messages.json")) == 1
    stored = await row(sessions, req.idempotency_key)
    assert (stored.status, stored.error_code) == ("failed", str(code))


async def test_a_batch_answers_each_message_and_a_retry_sends_none_twice(
    twilio_standin: TwilioStandIn, sessions: async_sessionmaker[AsyncSession]
) -> None:
    """Every party's SMS of a step in one activity: a recipient refused for good is answered with
    its reason (once, on the retry too); a passing fault fails the batch, and its retry sends only
    what had not gone out. (The three go out at once: which one meets which fault varies.)"""
    sms = activities(twilio_standin, sessions)
    batch = act.SmsBatch(messages=[request(f"1380013800{i}") for i in (1, 2, 3)])
    twilio_standin.fail_next("messages.create", Fault("error", 400, 21211), Fault("error", 503, 20503))
    env = ActivityEnvironment()
    with pytest.raises(Exception) as first:
        await env.run(sms.send_sms_batch, batch)
    assert not (isinstance(first.value, ApplicationError) and first.value.non_retryable)
    assert len(twilio_standin.messages) == 1  # one of the three went out
    result = await env.run(sms.send_sms_batch, batch)
    errors = [o.error for o in result.outcomes]
    assert sorted(errors)[0:2] == ["", ""] and sorted(errors)[2].startswith("SMS_")
    assert len(twilio_standin.messages) == 2 and len(twilio_standin.seen("POST", "Messages.json")) == 4
    for req, error in zip(batch.messages, errors, strict=True):
        assert (await row(sessions, req.idempotency_key)).status == ("failed" if error else "sent")
