"""docs/api.md's curl walkthrough runs as written: its ```sh block, taken from the document, is run
by bash against the browser tests' live server (a real port, the worker, service hours open), and
each step answers what its comment says. No browser: only the server is shared with the pages'
tests."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from settings import ROOT

pytestmark = [
    pytest.mark.browser,  # the live stack of tests/browser/conftest.py
    pytest.mark.skipif(
        not (shutil.which("curl") and shutil.which("jq")), reason="curl and jq (scripts/setup)"
    ),
]

DOC = ROOT / "docs" / "api.md"


def walkthrough() -> str:
    """The one ```sh block under "The main flow with curl"."""
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index("## The main flow with curl") :]
    [script] = re.findall(r"```sh\n(.*?)```", section, flags=re.S)
    return script


async def test_the_curl_walkthrough_runs_as_written(stack: Any, tmp_path: Path) -> None:
    script = walkthrough()
    assert "API=${API:-http://127.0.0.1:8000}" in script  # the reader's default; here the test's port
    # asynchronously: the worker runs in this test's event loop
    bash = await asyncio.create_subprocess_exec(
        "bash",
        "-o",
        "pipefail",
        "-ec",
        script,
        cwd=tmp_path,
        env={**os.environ, "API": stack.base},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(bash.communicate(), 120)
    out = stdout.decode()
    assert bash.returncode == 0, (bash.returncode, out[-2000:], stderr.decode()[-2000:])
    # one line per shot: six different photos, none a duplicate
    shots = [json.loads(line) for line in out.splitlines() if line.startswith('{"kind"')]
    assert [s["duplicate"] for s in shots] == [False] * 6, shots
    assert '"awaiting_decision"' in out  # complete: the shot list is whole
    assert '"served"' in out and '"genuine"' in out
    assert '"claim_number"' in out
    assert (tmp_path / "notice.pdf").read_bytes()[:5] == b"%PDF-"
    assert "problem" not in out and '"code"' not in out, out[-2000:]  # no refusal on the way
