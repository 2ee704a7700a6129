"""The whole system as real processes, for the benchmarks: the Temporal dev server on a persistent
store with the WAL pragmas (tests/faults/processes.py), one or more API processes (uvicorn, with the
alert clock pinned inside the service hours: bench/api_app.py), and the worker (worker.py), on
SQLite under a fresh var directory or on a fresh PostgreSQL database. CPU seconds and RSS of each
process (and its children) come from /proc.

    with System.start(var, db="sqlite") as system: ...   # or System.attach(...) to a running one
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.faults.processes import Process, temporal_server, wait_port  # noqa: E402
from tests.live_server import free_port  # noqa: E402

PG_ADMIN = os.environ.get("KUAICHU_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/test")
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def _children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                out += [int(c) for c in f.read().split()]
    except OSError:
        pass
    return out


def tree(pid: int) -> list[int]:
    """The process and all its live descendants."""
    todo, seen = [pid], []
    while todo:
        p = todo.pop()
        seen.append(p)
        todo += _children(p)
    return seen


def cpu_seconds(pid: int) -> float:
    """utime + stime of the process and its live descendants, in seconds."""
    total = 0
    for p in tree(pid):
        try:
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
        except (OSError, IndexError):
            pass
    return total / CLK_TCK


def machine_busy_seconds() -> float:
    """CPU seconds the whole machine has spent busy (every core, every process: /proc/stat)."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle, iowait
    return (sum(fields[:8]) - idle) / CLK_TCK


def rss_bytes(pid: int) -> int:
    total = 0
    for p in tree(pid):
        try:
            with open(f"/proc/{p}/statm") as f:
                total += int(f.read().split()[1]) * PAGE
        except OSError:
            pass
    return total


def sqlite_used_bytes(path: Path) -> int:
    """Bytes in use in a SQLite file (pages minus free pages), read-only, WAL included."""
    if not path.exists():
        return 0
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    try:
        pages = con.execute("PRAGMA page_count").fetchone()[0]
        free = con.execute("PRAGMA freelist_count").fetchone()[0]
        size = con.execute("PRAGMA page_size").fetchone()[0]
        return int((pages - free) * size)
    finally:
        con.close()


def load_average() -> str:
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


@dataclass
class System:
    var: Path
    db: str  # sqlite | postgresql
    api_urls: list[str]
    temporal_address: str
    env: dict[str, str]
    procs: dict[str, Process] = field(default_factory=dict)
    pids: dict[str, int] = field(default_factory=dict)  # attach: pids given by the caller
    database_url: str = ""
    pg_name: str = ""

    # ------------------------------------------------------------------ figures from /proc

    def pid(self, name: str) -> int | None:
        proc = self.procs.get(name)
        if proc is not None and proc.proc is not None:
            return proc.proc.pid
        return self.pids.get(name)

    def names(self) -> list[str]:
        return sorted(set(self.procs) | set(self.pids))

    def cpu(self) -> dict[str, float]:
        """CPU seconds so far: worker, temporal, api (all API processes summed), and others; the
        driver (this process: the walkers, or the floor's client) and the whole machine."""
        own = os.times()
        out: dict[str, float] = {"driver": own.user + own.system, "machine": machine_busy_seconds()}
        for name in self.names():
            pid = self.pid(name)
            if pid is not None:
                key = "api" if name.startswith("api") else name
                out[key] = out.get(key, 0.0) + cpu_seconds(pid)
        return out

    def rss(self, name: str) -> int:
        pid = self.pid(name)
        return rss_bytes(pid) if pid is not None else 0

    def temporal_store_bytes(self) -> int:
        return sqlite_used_bytes(self.var / "temporal.db")

    async def kuaichu_db_bytes(self) -> int:
        if self.db == "sqlite":
            return sqlite_used_bytes(self.var / "kuaichu.db")
        import asyncpg

        con = await asyncpg.connect(_asyncpg_url(self.database_url))
        try:
            return int(await con.fetchval("SELECT pg_database_size(current_database())"))
        finally:
            await con.close()

    # ------------------------------------------------------------------ life cycle

    @classmethod
    @asynccontextmanager
    async def start(
        cls,
        var: Path,
        *,
        db: str = "sqlite",
        api_procs: int = 1,
        worker_env: dict[str, str] | None = None,
        api_env: dict[str, str] | None = None,
        temporal_args: list[str] | None = None,
        log=print,
    ) -> AsyncIterator[System]:
        os.makedirs(var / "log", exist_ok=True)
        tport, ports = free_port(), [free_port() for _ in range(api_procs)]
        env = {
            **os.environ,
            "KUAICHU_VAR_DIR": str(var),
            "KUAICHU_TEMPORAL_ADDRESS": f"127.0.0.1:{tport}",
            "KUAICHU_API_INTERNAL_URL": f"http://127.0.0.1:{ports[0]}",
            "KUAICHU_PUBLIC_BASE_URL": f"http://127.0.0.1:{ports[0]}",
            "KUAICHU_NOTICE_VERIFY_BASE_URL": f"http://127.0.0.1:{ports[0]}",
            "KUAICHU_ROOT": str(ROOT),
            "PYTHONPATH": str(ROOT),
        }
        pg_name = ""
        if db == "postgresql":
            pg_name = f"kc_bench_{uuid.uuid4().hex[:10]}"
            await _pg_admin(f'CREATE DATABASE "{pg_name}"')
            env["KUAICHU_DATABASE_URL"] = _pg_url(pg_name)
        system = cls(
            var=var,
            db=db,
            api_urls=[f"http://127.0.0.1:{p}" for p in ports],
            temporal_address=f"127.0.0.1:{tport}",
            env=env,
            database_url=env.get("KUAICHU_DATABASE_URL", f"sqlite+aiosqlite:///{var / 'kuaichu.db'}"),
            pg_name=pg_name,
        )
        try:
            log(f"starting Temporal dev server on :{tport} ({var / 'temporal.db'}, WAL)")
            system.procs["temporal"] = temporal_server(
                tport, var / "temporal.db", var / "log" / "temporal.log"
            )
            system.procs["temporal"].env = env
            system.procs["temporal"].argv += temporal_args or []
            system.procs["temporal"].start()
            py = sys.executable
            for mod in ("db.migrate", "db.seed_registry"):
                prep = await asyncio.create_subprocess_exec(
                    py, "-m", mod, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
                )
                _, err = await prep.communicate()
                if prep.returncode:
                    raise RuntimeError(f"{mod} failed: {err.decode()[-2000:]}")
            for i, port in enumerate(ports):
                argv = [py, "-m", "uvicorn", "bench.api_app:create", "--factory", "--host", "127.0.0.1"]
                argv += ["--port", str(port), "--log-level", "warning", "--no-access-log"]
                argv += ["--ws", "websockets-sansio"]
                name = f"api{i}"
                system.procs[name] = Process(
                    name, argv, {**env, **(api_env or {})}, var / "log" / f"{name}.log"
                )
                system.procs[name].start()
            await wait_port(tport, 60)
            system.procs["worker"] = Process(
                "worker",
                [py, str(ROOT / "worker.py")],
                # as docker-compose runs it: unsandboxed unless the environment says otherwise
                {
                    **env,
                    "KUAICHU_WORKFLOW_SANDBOX": env.get("KUAICHU_WORKFLOW_SANDBOX", "false"),
                    **(worker_env or {}),
                },
                var / "log" / "worker.log",
            )
            system.procs["worker"].start()
            await system.wait_ready()
            log(f"system up: API {', '.join(system.api_urls)}, Temporal {system.temporal_address}, db {db}")
            yield system
        finally:
            for name in sorted(system.procs, key=lambda n: n != "worker"):
                if not name.startswith("temporal"):
                    system.procs[name].stop()
            if "temporal" in system.procs:
                system.procs["temporal"].stop()
            if pg_name and not os.environ.get("KUAICHU_BENCH_KEEP_DB"):
                await _pg_admin(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')

    @classmethod
    @asynccontextmanager
    async def attach(
        cls, var: Path, api_urls: list[str], temporal_address: str, pids: dict[str, int], db: str = "sqlite"
    ) -> AsyncIterator[System]:
        """A system already running (scripts/run): its var directory, URLs and process ids."""
        env = {**os.environ, "KUAICHU_VAR_DIR": str(var), "KUAICHU_TEMPORAL_ADDRESS": temporal_address}
        yield cls(var=var, db=db, api_urls=api_urls, temporal_address=temporal_address, env=env, pids=pids)

    async def wait_ready(self, within: float = 90.0) -> None:
        deadline = time.monotonic() + within
        async with httpx.AsyncClient(timeout=5) as client:
            for url in self.api_urls:
                while True:
                    try:
                        r = await client.get(f"{url}/readyz")
                        if r.status_code == 200:
                            break
                    except httpx.HTTPError:
                        pass
                    for name, proc in self.procs.items():
                        if proc.proc is not None and proc.proc.poll() is not None:
                            raise RuntimeError(f"{name} exited: see {proc.log}")
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"{url} not ready within {within}s")
                    await asyncio.sleep(0.3)

    def settings(self):
        """The Settings the processes run with (same var directory: same secrets and keys)."""
        from settings import Settings

        return Settings(
            var_dir=self.var,
            database_url=self.env.get("KUAICHU_DATABASE_URL", ""),
            temporal_address=self.temporal_address,
        )


def _pg_url(name: str) -> str:
    base = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
    return f"{base}/{name}"


def _asyncpg_url(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


async def _pg_admin(sql: str) -> None:
    import asyncpg

    con = await asyncpg.connect(PG_ADMIN)
    try:
        await con.execute(sql)
    finally:
        await con.close()
