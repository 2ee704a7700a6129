"""The workflow's SMS activity: `adapters.sms.SmsSender` (one message per idempotency key)."""

from __future__ import annotations

from activities.declared import implements
from adapters.sms import SmsSender
from domain import activity_contracts as act
from observability.metrics import record_sms


class SmsActivities:
    def __init__(self, sender: SmsSender) -> None:
        self._sender = sender

    @implements(act.send_sms)
    async def send_sms(self, req: act.SmsRequest) -> act.SmsResult:
        try:
            result = await self._sender.send(req)
        except Exception:
            record_sms(req.template, "error")  # the attempt failed (it may be retried)
            raise
        record_sms(req.template, "duplicate" if result.duplicate else str(result.status))
        return result
