"""The SMS outbox's status machine, declared once: adapters.sms moves a message through it,
db.repository stores it (and its CHECK constraint lists it), the Twilio webhook maps Twilio's
statuses onto it.

    queued -> sending -> sent -> delivered | undelivered | failed
       ^---------'  (the provider did not take it: queued again, retried)

Status callbacks arrive out of order, so a status never moves to a lower rank: a late "sent"
leaves a "delivered" (or "failed") alone."""

from __future__ import annotations

from enum import StrEnum


class SmsStatus(StrEnum):
    QUEUED = "queued"  # in the outbox, not (or not yet successfully) handed to the provider
    SENDING = "sending"  # an attempt is under way; after a crash its outcome is unknown
    SENT = "sent"  # the provider took it
    DELIVERED = "delivered"
    FAILED = "failed"  # refused for good (by the provider, or the carrier)
    UNDELIVERED = "undelivered"


RANK: dict[SmsStatus, int] = {
    SmsStatus.QUEUED: 0,
    SmsStatus.SENDING: 0,
    SmsStatus.SENT: 1,
    SmsStatus.DELIVERED: 2,
    SmsStatus.FAILED: 2,
    SmsStatus.UNDELIVERED: 2,
}

# the provider has it (or refused it for good): a retry with the same key never sends again
HANDED_OVER = frozenset(s for s, rank in RANK.items() if rank > 0)
# a success clears an earlier attempt's error code
SUCCESS = frozenset({SmsStatus.SENT, SmsStatus.DELIVERED})


def may_move(current: str, new: SmsStatus) -> bool:
    """Whether a message in `current` may take the status `new` (never back to a lower rank)."""
    return RANK[new] >= RANK.get(SmsStatus(current), 0)


def check_constraint() -> str:
    """The outbox's CHECK on status (db.models; the migrations hold the same text)."""
    return "status IN (" + ", ".join(f"'{s.value}'" for s in SmsStatus) + ")"
