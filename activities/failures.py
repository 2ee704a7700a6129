"""The activities' side of `adapters.errors.PermanentFailure`: it ends the retrying at once."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import ParamSpec, TypeVar

from temporalio.exceptions import ApplicationError

from adapters.errors import PermanentFailure

P = ParamSpec("P")
R = TypeVar("R")


def final_on_permanent_failure(fn: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
    """A PermanentFailure raised by the adapters becomes a non-retryable ApplicationError of
    its code; every other error keeps the activity's retry policy."""

    @functools.wraps(fn)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return await fn(*args, **kwargs)
        except PermanentFailure as err:
            raise ApplicationError(str(err), type=err.code, non_retryable=True) from err

    return wrapper
