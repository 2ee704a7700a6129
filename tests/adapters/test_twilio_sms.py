"""TwilioSmsProvider with the real `twilio` package talking HTTP to a local stand-in."""

from __future__ import annotations

from datetime import timedelta

import pytest

from adapters.sms import OutgoingSms, SmsNotAccepted, SmsRejected
from adapters.twilio_http import twilio_client
from adapters.twilio_sms import SmsOutcomeUnknown, TwilioSmsProvider, to_e164
from tests.adapters.conftest import ACCOUNT_SID, API_KEY_SECRET, API_KEY_SID, AUTH_TOKEN, SERVICE_SID
from tests.adapters.twilio_standin import Fault, TwilioStandIn

CALLBACK = "https://kuaichu.example.cn/webhooks/twilio/sms-status"
MESSAGES = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"


def provider(
    standin: TwilioStandIn, *, api_key: bool = False, timeout: float = 2.0, **kw
) -> TwilioSmsProvider:
    client = twilio_client(
        account_sid=ACCOUNT_SID,
        auth_token=AUTH_TOKEN,
        api_key_sid=API_KEY_SID if api_key else "",
        api_key_secret=API_KEY_SECRET if api_key else "",
        timeout=timeout,
        base_url=standin.url,
    )
    kw.setdefault("messaging_service_sid", SERVICE_SID)
    return TwilioSmsProvider(client, status_callback=CALLBACK, lookback=timedelta(minutes=30), **kw)


def sms(n: int = 1, body: str = "【快处】您的事故报警已受理，案件编号LZ20261125-000001。") -> OutgoingSms:
    return OutgoingSms(outbox_id=n, idempotency_key=f"case-X/sms/{n}", to="13800138000", body=body)


def test_e164() -> None:
    assert to_e164("13800138000") == "+8613800138000"
    assert to_e164("+86 138-0013-8000") == "+8613800138000"
    assert to_e164("008613800138000") == "+8613800138000"
    assert to_e164("8613800138000") == "+8613800138000"


async def test_send_posts_to_messages_api_with_callback_and_basic_auth(twilio_standin: TwilioStandIn) -> None:
    sid = await provider(twilio_standin).send(sms())
    assert sid.startswith("SM")
    [seen] = twilio_standin.requests
    assert (seen.method, seen.path, seen.host) == ("POST", MESSAGES, "api.twilio.com")
    assert seen.form == {
        "To": "+8613800138000",
        "Body": sms().body,
        "StatusCallback": CALLBACK,
        "MessagingServiceSid": SERVICE_SID,
    }
    assert seen.auth == (ACCOUNT_SID, AUTH_TOKEN)


async def test_api_key_auth_and_from_number(twilio_standin: TwilioStandIn) -> None:
    p = provider(twilio_standin, api_key=True, messaging_service_sid="", from_number="+15005550006")
    await p.send(sms())
    [seen] = twilio_standin.requests
    assert seen.path == MESSAGES  # the account in the path, the key in the auth
    assert seen.auth == (API_KEY_SID, API_KEY_SECRET)
    assert seen.form["From"] == "+15005550006"
    assert "MessagingServiceSid" not in seen.form


def test_needs_a_sender() -> None:
    client = twilio_client(account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN)
    with pytest.raises(ValueError, match="MESSAGING_SERVICE_SID"):
        TwilioSmsProvider(client, status_callback=CALLBACK)


@pytest.mark.parametrize("code", [21211, 21610, 21614, 21408, 21612])
async def test_recipient_errors_are_final(twilio_standin: TwilioStandIn, code: int) -> None:
    twilio_standin.fail_next("messages.create", Fault("error", 400, code))
    with pytest.raises(SmsRejected) as err:
        await provider(twilio_standin).send(sms())
    assert err.value.code == str(code)


@pytest.mark.parametrize(("status", "code"), [(429, 20429), (429, None), (401, 20003), (400, 21606)])
async def test_rate_limit_and_config_errors_are_retryable(
    twilio_standin: TwilioStandIn, status: int, code: int | None
) -> None:
    twilio_standin.fail_next("messages.create", Fault("error", status, code))
    with pytest.raises(SmsNotAccepted):
        await provider(twilio_standin).send(sms())


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_server_errors_are_retryable_but_ambiguous(twilio_standin: TwilioStandIn, status: int) -> None:
    twilio_standin.fail_next("messages.create", Fault("error", status, 20500))
    with pytest.raises(SmsOutcomeUnknown):
        await provider(twilio_standin).send(sms())


async def test_connection_refused_is_not_accepted() -> None:
    standin = TwilioStandIn()
    await standin.start()
    url = standin.url
    await standin.stop()  # nothing listens there any more
    standin.url = url
    with pytest.raises(SmsNotAccepted):
        await provider(standin).send(sms())


async def test_timeout_after_create_is_found_by_find_sent(twilio_standin: TwilioStandIn) -> None:
    """The ambiguous case: Twilio created the message, the answer never came back."""
    p = provider(twilio_standin, timeout=0.5)
    twilio_standin.fail_next("messages.create", Fault("hang_after", seconds=2))
    with pytest.raises(SmsOutcomeUnknown):
        await p.send(sms())
    assert len(twilio_standin.messages) == 1
    found = await p.find_sent(sms())
    assert found == twilio_standin.messages[0]["sid"]
    [listing] = twilio_standin.seen("GET", "Messages.json")
    assert listing.query["To"] == "+8613800138000"


async def test_timeout_before_create_finds_nothing(twilio_standin: TwilioStandIn) -> None:
    p = provider(twilio_standin, timeout=0.5)
    twilio_standin.fail_next("messages.create", Fault("hang_before", seconds=2))
    with pytest.raises(SmsOutcomeUnknown):
        await p.send(sms())
    assert await p.find_sent(sms()) is None
    await p.send(sms())
    assert len(twilio_standin.messages) == 1


async def test_find_sent_matches_body_not_just_number(twilio_standin: TwilioStandIn) -> None:
    p = provider(twilio_standin)
    await p.send(sms(1, body="【快处】其他短信"))
    assert await p.find_sent(sms(2)) is None


def test_status_callback_mapping() -> None:
    from adapters.twilio_sms import status_from_callback

    assert status_from_callback({"MessageSid": "SM1", "MessageStatus": "delivered"}) == (
        "SM1",
        "delivered",
        None,
    )
    assert status_from_callback(
        {"MessageSid": "SM1", "MessageStatus": "undelivered", "ErrorCode": "30003"}
    ) == (
        "SM1",
        "undelivered",
        "30003",
    )
    assert status_from_callback({"MessageSid": "SM1", "MessageStatus": "sending"}) is None
    assert status_from_callback({"MessageStatus": "sent"}) is None
