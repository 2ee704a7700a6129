"""The workflow's SMS activities: `adapters.sms.SmsSender` (one message per idempotency key),
one message, or every party's message of a step together."""

from __future__ import annotations

import asyncio

from activities.declared import implements
from adapters.errors import PermanentFailure
from adapters.sms import SmsSender
from domain import activity_contracts as act
from domain.sms_status import SmsStatus
from observability.metrics import record_sms

REFUSED = frozenset({SmsStatus.FAILED, SmsStatus.UNDELIVERED})


class SmsActivities:
    def __init__(self, sender: SmsSender) -> None:
        self._sender = sender

    @implements(act.send_sms)
    async def send_sms(self, req: act.SmsRequest) -> act.SmsResult:
        return await self._send(req)

    @implements(act.send_sms_batch)
    async def send_sms_batch(self, batch: act.SmsBatch) -> act.SmsBatchResult:
        """Sent at once (the embedded outbox writes them in one transaction). A message refused for
        good answers with its reason; any other failure fails the batch, once every message has
        been tried, to be retried: the messages that went out are not sent again (their keys)."""
        sent = await asyncio.gather(*(self._send(m) for m in batch.messages), return_exceptions=True)
        outcomes: list[act.SmsOutcome] = []
        for result in sent:
            if isinstance(result, PermanentFailure):
                outcomes.append(act.SmsOutcome(error=str(result)))
            elif isinstance(result, BaseException):
                raise result
            elif result.status in REFUSED:  # on an earlier attempt of this batch, for good
                outcomes.append(act.SmsOutcome(result=result, error=f"SMS_{result.status.upper()}"))
            else:
                outcomes.append(act.SmsOutcome(result=result))
        return act.SmsBatchResult(outcomes=outcomes)

    async def _send(self, req: act.SmsRequest) -> act.SmsResult:
        try:
            result = await self._sender.send(req)
        except Exception:
            record_sms(req.template, "error")  # the attempt failed (it may be retried)
            raise
        record_sms(req.template, "duplicate" if result.duplicate else str(result.status))
        return result
