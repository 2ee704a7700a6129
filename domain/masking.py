"""Masking of personal data for logs, search attributes, Twilio identities and metrics (DESIGN.md §5).
Every function accepts empty or short input: input too short for its usual pattern (fewer than 4
characters left to mask) reveals at most half of its characters."""

from __future__ import annotations


def _mask(value: str, head: int, tail: int) -> str:
    n = len(value)
    if n >= head + tail + 4:
        return value[:head] + "*" * (n - head - tail) + value[n - tail :]
    while head + tail > n // 2 and (head or tail):
        if head >= tail and head:
            head -= 1
        else:
            tail -= 1
    return value[:head] + "*" * (n - head - tail) + (value[n - tail :] if tail else "")


def mask_id_number(value: str) -> str:
    """5105**********001X: first 4 and last 4 characters of an 18-character ID."""
    return _mask((value or "").strip().upper(), 4, 4)


def mask_phone(value: str) -> str:
    """138****8000: first 3 and last 4 digits of a mainland mobile, read by the one phone
    normaliser (+86 and separators removed, full-width digits made ASCII)."""
    from domain.validators import normalize_mobile  # here: masking stays importable on its own

    return _mask(normalize_mobile(value), 3, 4)


def mask_name(value: str) -> str:
    """张三 → 张*, 欧阳娜娜 → 欧***: the first character only; a one-character name is fully masked."""
    v = (value or "").strip()
    if len(v) <= 1:
        return "*" * len(v)
    return v[0] + "*" * (len(v) - 1)
