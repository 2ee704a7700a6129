"""The Temporal worker: every workflow and activity of kuaichu on one task queue.

    python worker.py        # settings from KUAICHU_* environment variables / .env

At start it creates (or updates) the Temporal Schedule of the retention sweep
(workflows/retention.py; KUAICHU_RETENTION_SCHEDULE, "" removes it). Every worker does so: the
schedule id is one, so two workers leave one schedule. Stops gracefully on SIGTERM/SIGINT: no new tasks are taken, running activities may finish."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import uvloop
from sqlalchemy.engine import make_url
from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleIntervalSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleSpec,
    ScheduleUpdate,
    ScheduleUpdateInput,
)
from temporalio.runtime import Runtime
from temporalio.service import RPCError, RPCStatusCode
from temporalio.worker import UnsandboxedWorkflowRunner, Worker, WorkflowRunner
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

import process_gc
from activities.wiring import build_activities
from adapters.wiring import Providers
from codec import codec_from_settings, data_converter
from db.session import ensure_schema, make_engine, make_sessionmaker
from domain.activity_contracts import HealRequest
from observability.logs import configure_logging
from observability.temporal_context import ObservabilityWorkerInterceptor, RequestIdClientInterceptor
from observability.worker_metrics import WorkerMetricsServer, free_loopback_port, runtime_with_prometheus
from settings import Settings, get_settings
from workflows.case_doctor import CASE_DOCTOR_WORKFLOW, CaseDoctorWorkflow
from workflows.case_workflow import AccidentCaseWorkflow
from workflows.retention import RetentionRun, RetentionWorkflow

log = logging.getLogger("kuaichu.worker")
WORKFLOWS = [AccidentCaseWorkflow, CaseDoctorWorkflow, RetentionWorkflow]
CASE_DOCTOR_SCHEDULE = "kuaichu-case-doctor"


async def ensure_case_doctor_schedule(client: Client, settings: Settings) -> None:
    """The case doctor's schedule (workflows/case_doctor.py), created once; every worker asks,
    the first one creates it. An interval of 0 turns the doctor off."""
    if settings.case_doctor_interval_seconds <= 0:
        return
    schedule = Schedule(
        action=ScheduleActionStartWorkflow(
            CASE_DOCTOR_WORKFLOW,
            HealRequest(),
            id=f"{CASE_DOCTOR_SCHEDULE}-round",
            task_queue=settings.task_queue,
        ),
        spec=ScheduleSpec(
            intervals=[ScheduleIntervalSpec(every=timedelta(seconds=settings.case_doctor_interval_seconds))]
        ),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
    )
    try:
        await client.create_schedule(CASE_DOCTOR_SCHEDULE, schedule)
        log.info("case doctor scheduled every %d s", settings.case_doctor_interval_seconds)
    except ScheduleAlreadyRunningError:
        pass


RETENTION_SCHEDULE_ID = "kuaichu-retention"


async def connect(settings: Settings, runtime: Runtime | None = None) -> Client:
    """One data converter for client, worker and replayer: pydantic + payload encryption.
    ``runtime``: the one whose core serves the SDK's Prometheus metrics (run() makes it)."""
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=data_converter(codec_from_settings(settings)),
        interceptors=[RequestIdClientInterceptor()],  # the schedules and doctor's calls carry ids too
        runtime=runtime,
    )


# imported once, not again in every workflow's sandbox: pure code whose state the workflows never
# change (domain/ is the workflows' only import besides temporalio; pydantic builds its messages)
SANDBOX_PASSTHROUGH = ("domain", "pydantic", "pydantic_core", "annotated_types")


def workflow_runner(sandboxed: bool = True) -> WorkflowRunner:
    """The sandbox (it still guards the workflow code against datetime.now() and I/O), with the
    pure modules passed through (bench/sandbox.py measures it); or none (KUAICHU_WORKFLOW_SANDBOX)."""
    if not sandboxed:
        return UnsandboxedWorkflowRunner()
    restrictions = SandboxRestrictions.default.with_passthrough_modules(*SANDBOX_PASSTHROUGH)
    return SandboxedWorkflowRunner(restrictions=restrictions)


_WORKFLOW_THREADS: dict[int, ThreadPoolExecutor] = {}


def workflow_threads(count: int) -> ThreadPoolExecutor:
    """The process's threads for workflow activations, one pool shared by its workers (a pool
    the SDK is given outlives the worker: one a worker would leave threads behind)."""
    pool = _WORKFLOW_THREADS.get(count)
    if pool is None:
        pool = _WORKFLOW_THREADS[count] = ThreadPoolExecutor(count, thread_name_prefix="workflow_")
    return pool


def make_worker(
    client: Client,
    settings: Settings,
    activities: list[Callable[..., Any]],
    workflows: Sequence[type] = WORKFLOWS,
    **options: Any,
) -> Worker:
    options.setdefault("workflow_runner", workflow_runner(settings.workflow_sandbox))
    options.setdefault("workflow_task_executor", workflow_threads(settings.workflow_task_threads))
    return Worker(
        client,
        task_queue=settings.task_queue,
        workflows=workflows,
        activities=activities,
        max_cached_workflows=settings.max_cached_workflows,
        graceful_shutdown_timeout=timedelta(seconds=20),
        # the request id into the workflow's and activities' logs; activity failures counted
        interceptors=[ObservabilityWorkerInterceptor()],
        **options,
    )


def retention_schedule(settings: Settings) -> Schedule:
    return Schedule(
        action=ScheduleActionStartWorkflow(
            RetentionWorkflow.run,
            RetentionRun(batch_size=settings.retention_batch_size),
            id=RETENTION_SCHEDULE_ID,  # each run: this id and the scheduled time
            task_queue=settings.task_queue,
        ),
        spec=ScheduleSpec(cron_expressions=[settings.retention_schedule], time_zone_name=settings.timezone),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP, catchup_window=timedelta(days=1)),
    )


async def ensure_retention_schedule(client: Client, settings: Settings) -> None:
    """The daily retention sweep as a Temporal Schedule: created, or updated to these settings."""
    handle = client.get_schedule_handle(RETENTION_SCHEDULE_ID)
    if not settings.retention_schedule:
        try:
            await handle.delete()
            log.info("retention schedule removed (KUAICHU_RETENTION_SCHEDULE is empty)")
        except RPCError as err:
            if err.status != RPCStatusCode.NOT_FOUND:
                raise
        return
    schedule = retention_schedule(settings)
    try:
        await client.create_schedule(RETENTION_SCHEDULE_ID, schedule)
        log.info("retention schedule created: %s (%s)", settings.retention_schedule, settings.timezone)
    except ScheduleAlreadyRunningError:

        def update(_: ScheduleUpdateInput) -> ScheduleUpdate:
            return ScheduleUpdate(schedule=schedule)

        await handle.update(update)


def engine_options(url: str) -> dict[str, Any]:
    """SQLite takes one writer at a time: with one connection the worker's writes queue in the
    process (an asyncio wait, served in order) instead of a pool of connections sleeping against
    each other in SQLite's busy handler, which backs off up to 100 ms a try and so leaves the
    lock idle (measured: bench/RESULTS.md). PostgreSQL keeps its pool."""
    if make_url(url).get_backend_name() == "sqlite":
        return {"pool_size": 1, "max_overflow": 0, "pool_timeout": 120}
    return {}


async def run(settings: Settings, providers: Providers | None = None) -> None:
    url = settings.effective_database_url
    await ensure_schema(url)
    engine = make_engine(url, **engine_options(url))
    sessions = make_sessionmaker(engine)
    metrics: WorkerMetricsServer | None = None
    runtime: Runtime | None = None
    if settings.worker_metrics_port:
        core_port = free_loopback_port()
        runtime = runtime_with_prometheus(core_port)
        metrics = WorkerMetricsServer(settings.worker_metrics_host, settings.worker_metrics_port, core_port)
        metrics.start()
    client = await connect(settings, runtime)
    try:
        await ensure_retention_schedule(client, settings)
    except RPCError as err:  # the cases must go on: the sweep can wait for the next start
        log.error("retention schedule not set: %s", err)
    worker = make_worker(client, settings, build_activities(settings, sessions, providers))
    await ensure_case_doctor_schedule(client, settings)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    log.info("worker started on task queue %s", settings.task_queue)
    process_gc.tune_for_service()
    async with worker:
        if metrics is not None:
            metrics.ready.set()
        await stop.wait()
        log.info("stopping: finishing running tasks")
    if metrics is not None:
        metrics.stop()
    await engine.dispose()


if __name__ == "__main__":
    _settings = get_settings()
    configure_logging("worker", _settings.log_level)
    # uvloop, as the API runs on: the worker's threads (aiosqlite's, the workflow pool, the SDK's
    # core) hand every result back through call_soon_threadsafe, which asyncio's own loop pays for
    # with a self-pipe write and read (~7% of the worker's CPU at c50); ~6% less worker CPU a case
    # measured (bench/RESULTS.md, session 11)
    uvloop.run(run(_settings))
