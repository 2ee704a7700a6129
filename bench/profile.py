"""Profiles for the load benchmark: py-spy (when installed: `pip install py-spy`, or
KUAICHU_PY_SPY=/path/to/py-spy) sampling the worker and the API during the measured phases, in
py-spy's collapsed ("raw") format, then summarised: the functions with the most samples on the
stack (inclusive) and on top (self), per thread group.

    python bench/load.py --cases 200 --py-spy var/profiles      # writes worker.txt, api0.txt
    python bench/profile.py var/profiles/worker.txt [--match db/repository.py]

KUAICHU_PY_SPY_IDLE=0 samples only threads on the CPU (where the CPU goes, not where time waits);
KUAICHU_PY_SPY_GIL=1 only the thread holding the GIL (py-spy counts some C waits as on the CPU).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
from collections import Counter
from pathlib import Path


def py_spy() -> str | None:
    return os.environ.get("KUAICHU_PY_SPY") or shutil.which("py-spy")


def record(pid: int, out: Path, rate: int = 67) -> subprocess.Popen[bytes] | None:
    exe = py_spy()
    if exe is None:
        return None
    argv = [exe, "record", "-p", str(pid), "-o", str(out), "--format", "raw", "-r", str(rate)]
    argv += ["--threads", "--nonblocking"]
    if os.environ.get("KUAICHU_PY_SPY_GIL") == "1":  # only the thread holding the GIL: Python's CPU
        argv.append("--gil")
    elif os.environ.get("KUAICHU_PY_SPY_IDLE", "1") != "0":  # 0: on-CPU samples only (where CPU goes)
        argv.append("--idle")
    return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def stop(proc: subprocess.Popen[bytes] | None) -> None:
    if proc is not None and proc.poll() is None:
        proc.send_signal(2)  # SIGINT: py-spy writes its file and exits
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()


IDLE = ("select (selectors.py", "epoll", "_worker (concurrent/futures/thread.py", "wait (threading.py")


def summary(path: Path, top: int = 25, match: str = "") -> str:
    """Inclusive and self sample shares over the busy samples (stacks not parked in a wait)."""
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    threads: Counter[str] = Counter()
    total = 0
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = stack.split(";")
        if any(frames[-1].startswith(i) for i in IDLE) or "(idle)" in frames[-1]:
            continue
        if match and not any(match in f for f in frames):
            continue
        n = int(count)
        total += n
        threads[frames[0].split(" ")[0] if frames else "?"] += n
        for f in set(frames[1:]):
            inclusive[f] += n
        own[frames[-1]] += n
    lines = [f"{path.name}: {total} busy samples"]
    lines.append(
        "  threads: " + ", ".join(f"{t} {n * 100 / max(1, total):.0f}%" for t, n in threads.most_common(6))
    )
    lines.append("  inclusive:")
    lines += [f"    {n * 100 / max(1, total):5.1f}%  {f}" for f, n in inclusive.most_common(top)]
    lines.append("  self:")
    lines += [f"    {n * 100 / max(1, total):5.1f}%  {f}" for f, n in own.most_common(top)]
    return "\n".join(lines)


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("files", nargs="+", type=Path)
    p.add_argument("--top", type=int, default=40)
    p.add_argument("--match", default="", help="only stacks with a frame containing this")
    a = p.parse_args()
    for f in a.files:
        print(summary(f, a.top, a.match))
