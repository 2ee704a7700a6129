"""The API's Temporal side: a lazily connected client, and the calls on a case's workflow with
their errors mapped to problems.

The app starts even when Temporal is down: the client connects on first use (and again after a
failure, at most every few seconds); until then workflow-backed endpoints answer 503 and
``/readyz`` says so. A refused update (validator) carries a Refusal: its code reaches the
problem+json with the status of the code's kind (domain.refusals: forbidden 403, conflict 409,
invalid 422)."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import timedelta
from typing import Any

from temporalio.client import (
    Client,
    WorkflowExecutionStatus,
    WorkflowHandle,
    WorkflowQueryFailedError,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from api.errors import ApiProblem, code_for
from domain import refusals as R
from domain.messages import CaseInput, CaseView, workflow_id_for
from observability.temporal_context import RequestIdClientInterceptor, client_with_request_id
from settings import Settings
from workflows.case_workflow import AccidentCaseWorkflow

log = logging.getLogger("kuaichu.api.temporal")

RETRY_AFTER_FAILURE_S = 3.0
CONNECT_TIMEOUT_S = 5.0
CASE_EXECUTION_TIMEOUT = timedelta(days=120)


async def connect(settings: Settings) -> Client:
    """Same converter as worker.connect (pydantic + payload encryption), without importing the
    worker's activities into the API process."""
    from codec import codec_from_settings, data_converter

    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=data_converter(codec_from_settings(settings)),
        interceptors=[RequestIdClientInterceptor()],  # X-Request-ID into the workflow's headers
    )


class TemporalUnavailable(Exception):
    """Temporal cannot be reached: the API answers 503."""


class TemporalGateway:
    def __init__(self, settings: Settings, client: Client | None = None) -> None:
        self._settings = settings
        self._client = client_with_request_id(client) if client is not None else None
        self._lock = asyncio.Lock()
        self._failed_at = 0.0

    @property
    def connected(self) -> bool:
        return self._client is not None

    async def client(self) -> Client:
        if self._client is not None:
            return self._client
        async with self._lock:
            if self._client is not None:
                return self._client
            if time.monotonic() - self._failed_at < RETRY_AFTER_FAILURE_S:
                raise TemporalUnavailable("temporal unreachable (recently failed)")
            try:
                self._client = await asyncio.wait_for(connect(self._settings), CONNECT_TIMEOUT_S)
            except Exception as err:  # connection refused, DNS, timeout...
                self._failed_at = time.monotonic()
                log.warning("temporal connect to %s failed: %s", self._settings.temporal_address, err)
                raise TemporalUnavailable(str(err)) from err
            return self._client

    async def healthy(self) -> bool:
        try:
            client = await self.client()
            await asyncio.wait_for(client.service_client.check_health(), CONNECT_TIMEOUT_S)
            return True
        except Exception:
            return False

    async def handle(self, case_number: str) -> WorkflowHandle[Any, Any]:
        return (await self.client()).get_workflow_handle(workflow_id_for(case_number))

    async def start_case(self, inp: CaseInput) -> WorkflowHandle[Any, Any]:
        client = await self.client()
        try:
            return await client.start_workflow(
                AccidentCaseWorkflow.run,
                inp,
                id=workflow_id_for(inp.case_number),
                task_queue=self._settings.task_queue,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                execution_timeout=CASE_EXECUTION_TIMEOUT,
            )
        except RPCError as err:
            raise _rpc_problem(err) from err

    async def view(self, case_number: str) -> CaseView | None:
        """The live view of the case; None when the workflow is unknown (or archived)."""
        handle = await self.handle(case_number)
        try:
            return await handle.query(AccidentCaseWorkflow.view)
        except RPCError as err:
            if err.status in (RPCStatusCode.NOT_FOUND, RPCStatusCode.INVALID_ARGUMENT):
                return None
            raise _rpc_problem(err) from err
        except WorkflowQueryFailedError as err:
            log.warning("query failed for a case: %s", err)
            return None

    async def update(self, case_number: str, update: Any, payload: Any) -> Any:
        """Run an update; refusals and closed cases become problems."""
        handle = await self.handle(case_number)
        try:
            return await handle.execute_update(update, payload)
        except WorkflowUpdateFailedError as err:
            cause = err.cause
            if isinstance(cause, ApplicationError):
                # the refusal's field (workflows.case_workflow.refused): the consoles show it there
                errors = [d for d in cause.details if isinstance(d, dict) and d.get("field")]
                raise ApiProblem(
                    code_for(cause.type or "", cause.message), cause.message or None, errors=errors or None
                ) from err
            log.warning("update failed without a refusal: %s", type(cause).__name__)
            raise ApiProblem(R.UPDATE_FAILED) from err
        except WorkflowUpdateRPCTimeoutOrCancelledError as err:
            raise ApiProblem(R.TEMPORAL_TIMEOUT) from err
        except RPCError as err:
            if err.status == RPCStatusCode.NOT_FOUND:
                if await self._closed(handle):
                    raise ApiProblem(R.CASE_CLOSED) from err
                raise ApiProblem(R.CASE_NOT_FOUND) from err
            raise _rpc_problem(err) from err

    async def signal(self, case_number: str, signal: Any, payload: Any) -> bool:
        """Signal a case; False when the case is unknown or closed."""
        handle = await self.handle(case_number)
        try:
            await handle.signal(signal, payload)
            return True
        except RPCError as err:
            if err.status == RPCStatusCode.NOT_FOUND:
                return False
            raise _rpc_problem(err) from err

    async def _closed(self, handle: WorkflowHandle[Any, Any]) -> bool:
        try:
            desc = await handle.describe()
        except RPCError:
            return False
        return desc.status != WorkflowExecutionStatus.RUNNING


def _rpc_problem(err: RPCError) -> Exception:
    if err.status == RPCStatusCode.ALREADY_EXISTS:
        return ApiProblem(R.CASE_ALREADY_EXISTS)
    if err.status in (RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED, RPCStatusCode.UNKNOWN):
        return TemporalUnavailable(str(err))
    if err.status == RPCStatusCode.INVALID_ARGUMENT:  # Temporal refused the input itself (e.g. too large)
        return ApiProblem(R.REQUEST_TOO_LARGE)
    return err
