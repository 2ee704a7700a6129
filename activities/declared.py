"""Activities registered against their declarations (domain.activity_contracts): the name
comes from the declaration, and the signature must take its input and return its output, so a
type checker flags an implementation that drifts from what the workflow sends and expects."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from temporalio import activity

from activities.failures import final_on_permanent_failure
from domain.activity_contracts import ActivityDecl

I = TypeVar("I")  # noqa: E741 (input, as in ActivityDecl[I, O])
O = TypeVar("O")  # noqa: E741
S = TypeVar("S")  # the activity class: implementations are methods over their providers

Implementation = Callable[[S, I], Awaitable[O]]


def implements(
    decl: ActivityDecl[I, O],
) -> Callable[[Implementation[S, I, O]], Implementation[S, I, O]]:
    """`@activity.defn` under the declared name; an adapter's PermanentFailure ends the
    retrying at once (activities.failures)."""

    def register(fn: Implementation[S, I, O]) -> Implementation[S, I, O]:
        return activity.defn(name=decl.name)(final_on_permanent_failure(fn))

    return register
