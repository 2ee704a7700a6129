"""The embedded run heals like a production deployment: under deploy/embedded/supervisord.conf
(what scripts/run starts), a process killed with SIGKILL is started again and serves again."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.live_server import free_port

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
CONF = ROOT / "deploy" / "embedded" / "supervisord.conf"
pytestmark = pytest.mark.skipif(not (BIN / "supervisord").exists(), reason="supervisor not installed")


def _ctl(env: dict[str, str], *args: str) -> str:
    sock = f"unix://{env['KUAICHU_VAR_DIR']}/supervisor.sock"
    out = subprocess.run(
        [str(BIN / "supervisorctl"), "-s", sock, *args], env=env, capture_output=True, text=True, timeout=30
    )
    return out.stdout


def _pid(env: dict[str, str], program: str) -> int:
    """The program's pid once it is RUNNING (0 until then)."""
    line = _ctl(env, "status", program)
    return int(line.split("pid ", 1)[1].split(",", 1)[0]) if "RUNNING" in line else 0


def _wait(predicate, within: float, what: str) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}")


def _api_up(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def test_killed_processes_are_restarted(tmp_path: Path) -> None:
    api_port = free_port()
    env = {
        **os.environ,
        "KUAICHU_ROOT": str(ROOT),
        "KUAICHU_VAR_DIR": str(tmp_path),
        "KUAICHU_TEMPORAL_PORT": str(free_port()),
        "KUAICHU_TEMPORAL_UI_PORT": str(free_port()),
        "KUAICHU_API_PORT": str(api_port),
        "KUAICHU_API_INTERNAL_URL": f"http://127.0.0.1:{api_port}",
        "KUAICHU_TASK_QUEUE": f"supervised-{api_port}",
    }
    env["KUAICHU_TEMPORAL_ADDRESS"] = f"127.0.0.1:{env['KUAICHU_TEMPORAL_PORT']}"
    (tmp_path / "log").mkdir()
    supervisor = subprocess.Popen([str(BIN / "supervisord"), "-c", str(CONF)], env=env, cwd=ROOT)
    url = f"http://127.0.0.1:{api_port}"
    try:
        _wait(lambda: _pid(env, "worker") and _api_up(url), 90, "the API and the worker")
        for program in ("worker", "api", "temporal"):
            before = _pid(env, program)
            os.kill(before, signal.SIGKILL)
            _wait(lambda p=program, b=before: _pid(env, p) not in (0, b), 60, f"{program} to restart")
            print(f"killed {program} (pid {before}), restarted as pid {_pid(env, program)}")
        _wait(lambda: _pid(env, "worker") and _api_up(url), 90, "the API and the worker after restarts")
        log = (tmp_path / "log" / "supervisord.log").read_text()
        assert "exited: worker (terminated by SIGKILL" in log and "exited: api (terminated by SIGKILL" in log
    finally:
        supervisor.send_signal(signal.SIGTERM)
        supervisor.wait(60)
    assert not _api_up(url)  # stopping the supervisor stops its children
