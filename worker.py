"""The Temporal worker: every workflow and activity of kuaichu on one task queue.

    python worker.py        # settings from KUAICHU_* environment variables / .env

Stops gracefully on SIGTERM/SIGINT: no new tasks are taken, running activities may finish."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy.engine import make_url
from temporalio.client import Client
from temporalio.worker import Worker

from activities.wiring import build_activities
from adapters.wiring import Providers
from codec import codec_from_settings, data_converter
from db.session import ensure_schema, make_engine, make_sessionmaker
from settings import Settings, get_settings
from workflows.case_workflow import AccidentCaseWorkflow

log = logging.getLogger("kuaichu.worker")
WORKFLOWS = [AccidentCaseWorkflow]


async def connect(settings: Settings) -> Client:
    """One data converter for client, worker and replayer: pydantic + payload encryption."""
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=data_converter(codec_from_settings(settings)),
    )


def make_worker(
    client: Client, settings: Settings, activities: list[Callable[..., Any]], **options: Any
) -> Worker:
    return Worker(
        client,
        task_queue=settings.task_queue,
        workflows=WORKFLOWS,
        activities=activities,
        max_cached_workflows=settings.max_cached_workflows,
        graceful_shutdown_timeout=timedelta(seconds=20),
        **options,
    )


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
    client = await connect(settings)
    worker = make_worker(client, settings, build_activities(settings, sessions, providers))

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    log.info("worker started on task queue %s", settings.task_queue)
    async with worker:
        await stop.wait()
        log.info("stopping: finishing running tasks")
    await engine.dispose()


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    asyncio.run(run(get_settings()))
