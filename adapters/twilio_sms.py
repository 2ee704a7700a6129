"""Twilio Programmable Messaging behind `SmsProvider`.

Each message is created once with the Messages API (`status_callback` → our webhook, which
stores the delivery status on the outbox row by provider message id). What a failure means:

| Twilio answer                                   | meaning                         | here                  |
|-------------------------------------------------|---------------------------------|-----------------------|
| 21211 invalid number, 21614 not a mobile,       | this message can never go       | `SmsRejected` (final) |
| 21610 unsubscribed (STOP), 21408 no permission  |                                 |                       |
| for the region, 21612 cannot route, other 4xx   |                                 |                       |
| 429 / 20429 rate limit, 401/403 / 20003         | not taken; retrying may succeed | `SmsNotAccepted`      |
| (credentials), 21212/21606/21659 (our sender)   | (config fixed by operations)    |                       |
| connect error / connect timeout                 | the request never reached Twilio| `SmsNotAccepted`      |
| 5xx, read timeout, connection lost mid-request  | AMBIGUOUS: it may have been     | `SmsOutcomeUnknown`   |
|                                                 | created                         | (retryable; the row   |
|                                                 |                                 | stays "sending")      |

After an ambiguous attempt the activity's retry calls `find_sent` before sending again: it lists
the account's recent messages to the same number and matches the body, so a retry never sends
the same message twice."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from twilio.base.exceptions import TwilioRestException

from adapters.sms import OutgoingSms, SmsNotAccepted, SmsRejected
from domain.sms_status import SmsStatus
from domain.validators import normalize_mobile

log = logging.getLogger("kuaichu.sms.twilio")

REJECTED_CODES = {21211, 21408, 21610, 21612, 21614}  # about this recipient: final
RETRY_STATUSES = {401, 403, 429}
# rate limit, and our own configuration (credentials, sender): not this message's fault, so it is
# kept and goes out once operations fix the setting (the activity retries with backoff)
RETRY_CODES = {20429, 20003, 21212, 21606, 21659}


class SmsOutcomeUnknown(Exception):
    """The request may have reached Twilio (timeout, 5xx): retry, but look before sending."""


def to_e164(phone: str) -> str:
    """Mainland mobile numbers as Twilio wants them: +86 1xx xxxx xxxx (an international number
    in + form is left as it is)."""
    digits = normalize_mobile(phone)
    return digits if digits.startswith("+") else "+86" + digits


class TwilioSmsProvider:
    name = "twilio"

    def __init__(
        self,
        client: Any,  # twilio.rest.Client with an async http client (adapters.twilio_http)
        *,
        status_callback: str,
        messaging_service_sid: str = "",
        from_number: str = "",
        lookback: timedelta = timedelta(minutes=30),
    ) -> None:
        if not messaging_service_sid and not from_number:
            raise ValueError("set KUAICHU_TWILIO_MESSAGING_SERVICE_SID or KUAICHU_TWILIO_FROM_NUMBER")
        self._client = client
        self._callback = status_callback
        self._service = messaging_service_sid
        self._from = from_number
        self._lookback = lookback

    async def send(self, message: OutgoingSms) -> str:
        sender: dict[str, str] = (
            {"messaging_service_sid": self._service} if self._service else {"from_": self._from}
        )
        try:
            created = await self._client.messages.create_async(
                to=to_e164(message.to),
                body=message.body,
                status_callback=self._callback,
                **sender,
            )
        except TwilioRestException as err:
            raise _translate(err) from err
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as err:
            raise SmsNotAccepted(f"twilio unreachable: {type(err).__name__}") from err
        except httpx.TransportError as err:  # read/write timeout, connection dropped: ambiguous
            raise SmsOutcomeUnknown(f"twilio outcome unknown: {type(err).__name__}") from err
        return str(created.sid)

    async def find_sent(self, message: OutgoingSms) -> str | None:
        """The id of a message to the same number with the same body created in the last
        `lookback` minutes, or None. The list is filtered by `To` at Twilio and by creation time
        here: Twilio's `DateSent` filter has day granularity and misses messages still queued
        (date_sent is empty until the carrier hand-off)."""
        since = datetime.now(UTC) - self._lookback
        try:
            recent = await self._client.messages.list_async(to=to_e164(message.to), limit=50, page_size=50)
        except TwilioRestException as err:
            raise SmsOutcomeUnknown(f"twilio list failed: {err.status} {err.code}") from err
        for item in recent:
            created = item.date_created or item.date_sent
            if created is not None and created < since:
                continue
            body = item.body or ""
            # trial accounts prefix "Sent from your Twilio trial account - "
            if body == message.body or body.endswith(message.body):
                if item.status in ("failed", "canceled"):
                    continue
                log.info("sms %s already at twilio as %s", message.outbox_id, item.sid)
                return str(item.sid)
        return None


def _translate(err: TwilioRestException) -> Exception:
    code = err.code or 0
    if code in REJECTED_CODES:
        # Twilio's own text quotes the phone number: only codes leave this module
        return SmsRejected(str(code), f"twilio refused the message: error {code}")
    if err.status in RETRY_STATUSES or code in RETRY_CODES:
        return SmsNotAccepted(f"twilio did not take the message: {err.status} {code}")
    if err.status >= 500:
        return SmsOutcomeUnknown(f"twilio server error {err.status} {code}")
    return SmsRejected(str(code or err.status), f"twilio refused the message: HTTP {err.status} error {code}")


def from_settings(settings: Any) -> TwilioSmsProvider:
    from adapters.twilio_http import twilio_client_from_settings

    client = twilio_client_from_settings(settings)
    return TwilioSmsProvider(
        client,
        status_callback=settings.callback_url(settings.twilio_sms_callback_path),
        messaging_service_sid=settings.twilio_messaging_service_sid,
        from_number=settings.twilio_from_number,
        lookback=timedelta(minutes=settings.twilio_sms_lookback_minutes),
    )


# Twilio's message statuses → the outbox's (None: an intermediate status, nothing to store)
CALLBACK_STATUS: dict[str, SmsStatus | None] = {
    "accepted": None,
    "scheduled": None,
    "queued": None,
    "sending": None,
    "sent": SmsStatus.SENT,
    "delivered": SmsStatus.DELIVERED,
    "read": SmsStatus.DELIVERED,
    "undelivered": SmsStatus.UNDELIVERED,
    "failed": SmsStatus.FAILED,
    "canceled": SmsStatus.FAILED,
}


def status_from_callback(form: dict[str, str]) -> tuple[str, SmsStatus, str | None] | None:
    """A Twilio message status callback (form fields MessageSid, MessageStatus, ErrorCode) as
    (provider message id, outbox status, error code), or None when there is nothing to store.
    The webhook stores it with `repository.update_sms_status(session, sid, status, error_code)`
    after checking X-Twilio-Signature (twilio.request_validator.RequestValidator)."""
    sid, status = form.get("MessageSid", ""), CALLBACK_STATUS.get(form.get("MessageStatus", ""))
    if not sid or status is None:
        return None
    return sid, status, form.get("ErrorCode") or None
