"""bench/load.py runs end to end: a warm-up case and two cases walked through the HTTP API on real
processes (Temporal dev server, API, worker) and floor cases of the warm-up case's shape, with
its report and RESULT line. A smoke test of the benchmark harness, not a benchmark: no figure is
checked, but the floor must have the case's shape (the ratio compares the two)."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOAD = [sys.executable, str(ROOT / "bench" / "load.py")]
SMALL = ["--cases", "2", "--concurrency", "2", "--rounds", "1", "--solo", "0", "--warmup", "1"]
SAME_SHAPE = ("activities", "local", "timers", "updates")


def test_the_load_benchmark_walks_two_cases_end_to_end(tmp_path: Path):
    out = subprocess.run(
        [*LOAD, *SMALL, "--var", str(tmp_path / "var")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    result = re.search(r"^RESULT cases_per_s=\S+ floor_per_s=\S+ ratio=.* failed=(\d+)", out.stdout, re.M)
    assert result is not None, out.stdout[-3000:]
    assert result.group(1) == "0"
    assert "decision" in out.stdout and "CPU s/case worker" in out.stdout
    assert "floor shape (the warm-up case)" in out.stdout, out.stdout[-3000:]
    case, floor = (
        ast.literal_eval(re.search(rf"^history of one {kind}\s+(\{{.*\}})$", out.stdout, re.M).group(1))  # type: ignore[union-attr]
        for kind in ("case", "floor")
    )
    assert {k: case[k] for k in SAME_SHAPE} == {k: floor[k] for k in SAME_SHAPE}, (case, floor)
