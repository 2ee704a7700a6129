"""The workflow's SMS activity: `adapters.sms.SmsSender` (one message per idempotency key)."""

from __future__ import annotations

from activities.declared import implements
from adapters.sms import SmsSender
from domain import activity_contracts as act


class SmsActivities:
    def __init__(self, sender: SmsSender) -> None:
        self._sender = sender

    @implements(act.send_sms)
    async def send_sms(self, req: act.SmsRequest) -> act.SmsResult:
        return await self._sender.send(req)
