"""How an adapter says "retrying cannot fix this" without knowing about Temporal."""

from __future__ import annotations


class PermanentFailure(Exception):
    """A refusal for good (a 4xx, a rejected number, data that cannot be printed). `code` is
    stable and English; the message carries codes and short texts only, never personal data.
    Activities turn it into a non-retryable ApplicationError of type `code`."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
