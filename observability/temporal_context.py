"""Interceptors that carry the request id through Temporal and count activity failures.

Client side (the API): every workflow start, signal, update and query carries the current request
id as the ``kuaichu-request-id`` header (a plain string: not personal data, so the codec leaves it
as it is). Worker side: the workflow interceptor keeps the id of the latest start/signal/update it
received and stamps it on the activities it schedules, and sets it for the workflow's own log
lines (``workflow.logger``); the activity interceptor sets it for the activity's log lines and
counts the activity's failures by type (observability/metrics.py).

Headers are not part of what replay compares, so adding them changes no command of an existing
history (no ``workflow.patched`` needed); the workflow code itself is unchanged."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any

import temporalio.client
import temporalio.worker
from temporalio import activity, workflow
from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadConverter
from temporalio.exceptions import ApplicationError, CancelledError
from temporalio.worker import (
    ActivityInboundInterceptor,
    ExecuteActivityInput,
    ExecuteWorkflowInput,
    HandleSignalInput,
    HandleUpdateInput,
    StartActivityInput,
    StartLocalActivityInput,
    WorkflowInboundInterceptor,
    WorkflowInterceptorClassInput,
    WorkflowOutboundInterceptor,
)

from observability.metrics import record_activity_failure
from observability.request_id import TEMPORAL_HEADER, request_id

_CONVERTER = PayloadConverter.default
log = logging.getLogger("kuaichu.worker.activity")


def with_request_id(headers: Mapping[str, Payload], rid: str) -> Mapping[str, Payload]:
    if not rid:
        return headers
    return {**headers, TEMPORAL_HEADER: _CONVERTER.to_payloads([rid])[0]}


def request_id_of(headers: Mapping[str, Payload]) -> str:
    payload = headers.get(TEMPORAL_HEADER)
    if payload is None:
        return ""
    try:
        value = _CONVERTER.from_payloads([payload])[0]
    except Exception:  # a header someone else wrote: ignore it rather than fail the task
        return ""
    return value if isinstance(value, str) else ""


# ---------------------------------------------------------------------------------- client side


class RequestIdClientInterceptor(temporalio.client.Interceptor):
    def intercept_client(
        self, next: temporalio.client.OutboundInterceptor
    ) -> temporalio.client.OutboundInterceptor:
        return _ClientOutbound(next)


class _ClientOutbound(temporalio.client.OutboundInterceptor):
    async def start_workflow(self, input: temporalio.client.StartWorkflowInput) -> Any:
        input.headers = with_request_id(input.headers, request_id.get())
        return await super().start_workflow(input)

    async def signal_workflow(self, input: temporalio.client.SignalWorkflowInput) -> None:
        input.headers = with_request_id(input.headers, request_id.get())
        await super().signal_workflow(input)

    async def start_workflow_update(self, input: temporalio.client.StartWorkflowUpdateInput) -> Any:
        input.headers = with_request_id(input.headers, request_id.get())
        return await super().start_workflow_update(input)

    async def query_workflow(self, input: temporalio.client.QueryWorkflowInput) -> Any:
        input.headers = with_request_id(input.headers, request_id.get())
        return await super().query_workflow(input)


def client_with_request_id(client: temporalio.client.Client) -> temporalio.client.Client:
    """The same connection, with the request id interceptor (added once)."""
    config = client.config()
    if any(isinstance(i, RequestIdClientInterceptor) for i in config["interceptors"]):
        return client
    config["interceptors"] = [*config["interceptors"], RequestIdClientInterceptor()]
    return temporalio.client.Client(**config)


# ---------------------------------------------------------------------------------- worker side


class ObservabilityWorkerInterceptor(temporalio.worker.Interceptor):
    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        return _ActivityInbound(next)

    def workflow_interceptor_class(
        self, input: WorkflowInterceptorClassInput
    ) -> type[WorkflowInboundInterceptor] | None:
        return _WorkflowInbound


class _ActivityInbound(ActivityInboundInterceptor):
    async def execute_activity(self, input: ExecuteActivityInput) -> Any:
        token = request_id.set(request_id_of(input.headers))
        info = activity.info()
        extra = {
            "temporal_activity": {
                "activity_type": info.activity_type,
                "workflow_id": info.workflow_id,
                "attempt": info.attempt,
            }
        }
        started = time.perf_counter()
        try:
            result = await super().execute_activity(input)
            # one line per activity: the request's trail through the worker (no arguments logged)
            log.info(
                "activity %s done in %.0f ms",
                info.activity_type,
                (time.perf_counter() - started) * 1000,
                extra=extra,
            )
            return result
        except CancelledError:  # cancelled (the case moved on, the worker stops): not a failure
            raise
        except Exception as err:
            kind = err.type if isinstance(err, ApplicationError) and err.type else type(err).__name__
            record_activity_failure(info.activity_type, kind)
            log.warning("activity %s failed: %s", info.activity_type, kind, extra=extra)
            raise
        finally:
            request_id.reset(token)


class _WorkflowInbound(WorkflowInboundInterceptor):
    """One per workflow run: ``latest`` is the id of the last request that reached the case."""

    latest = ""

    def init(self, outbound: WorkflowOutboundInterceptor) -> None:
        super().init(_WorkflowOutbound(outbound, self))

    def _enter(self, headers: Mapping[str, Payload], what: str = "") -> None:
        rid = request_id_of(headers)
        if rid:
            self.latest = rid
        request_id.set(self.latest)  # this handler's task: its workflow.logger lines
        if what:  # workflow.logger: not repeated on replay
            workflow.logger.info("%s received", what)

    async def execute_workflow(self, input: ExecuteWorkflowInput) -> Any:
        self._enter(input.headers)
        return await super().execute_workflow(input)

    async def handle_signal(self, input: HandleSignalInput) -> None:
        self._enter(input.headers, f"signal {input.signal}")
        await super().handle_signal(input)

    async def handle_update_handler(self, input: HandleUpdateInput) -> Any:
        self._enter(input.headers, f"update {input.update}")
        return await super().handle_update_handler(input)


class _WorkflowOutbound(WorkflowOutboundInterceptor):
    def __init__(self, next: WorkflowOutboundInterceptor, inbound: _WorkflowInbound) -> None:
        super().__init__(next)
        self._inbound = inbound

    def start_activity(self, input: StartActivityInput) -> Any:
        input.headers = with_request_id(input.headers, self._inbound.latest)
        return super().start_activity(input)

    def start_local_activity(self, input: StartLocalActivityInput) -> Any:
        input.headers = with_request_id(input.headers, self._inbound.latest)
        return super().start_local_activity(input)
