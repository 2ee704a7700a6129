"""Read benchmark: GET /seat/queue and GET /citizen/cases/{case} at 100 concurrent clients, each
for a fixed time, on the whole system as real processes (bench/system.py), with cases raised
first (queued, as a seat console sees them). The clients are plain keep-alive HTTP/1.1
connections (a few lines of asyncio, far cheaper than an HTTP library, since they share the two
cores with the server); their own CPU is printed beside the API's.

    python bench/reads.py [--clients 100] [--seconds 10] [--cases 30] [--api-procs 1] [--db postgresql]

Ends with: RESULT queue_rps=… queue_p50_ms=… queue_p99_ms=… case_rps=… case_p50_ms=… case_p99_ms=…
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from bench.load import People, pct, phones  # noqa: E402
from bench.system import System, cpu_seconds, load_average  # noqa: E402

GOALS = {"queue": (2000, 50), "case": (1500, 80)}  # req/s, p99 ms (issue 14)


class Conn:
    """One keep-alive HTTP/1.1 connection; responses must carry Content-Length (uvicorn's do)."""

    def __init__(self, url: str) -> None:
        u = urlsplit(url)
        self.host, self.port = u.hostname or "127.0.0.1", u.port or 80
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, path: str, token: str) -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        self.writer.write(
            f"GET {path} HTTP/1.1\r\nHost: {self.host}\r\nAuthorization: Bearer {token}\r\n\r\n".encode()
        )
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        await self.reader.readexactly(length)
        return status

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


async def hammer(
    urls: list[str], paths: list[tuple[str, str]], clients: int, seconds: float
) -> tuple[list[float], int, float]:
    """`clients` connections each sending GETs back to back for `seconds`; latencies, errors, CPU."""
    latencies: list[float] = []
    errors = 0
    stop_at = time.perf_counter() + seconds

    async def client(i: int) -> None:
        nonlocal errors
        conn = Conn(urls[i % len(urls)])
        k = i
        try:
            while time.perf_counter() < stop_at:
                path, token = paths[k % len(paths)]
                k += 1
                t = time.perf_counter()
                try:
                    status = await conn.get(path, token)
                except (OSError, asyncio.IncompleteReadError):
                    errors += 1
                    conn.close()
                    conn = Conn(urls[i % len(urls)])
                    continue
                latencies.append((time.perf_counter() - t) * 1000)
                if status != 200:
                    errors += 1
        finally:
            conn.close()

    cpu0 = time.process_time()
    await asyncio.gather(*(client(i) for i in range(clients)))
    return latencies, errors, time.process_time() - cpu0


async def raise_cases(system: System, people: People, n: int) -> list[tuple[str, str]]:
    """n alerts (queued cases); returns (case number, reporter's phone)."""
    out: list[tuple[str, str]] = []
    async with httpx.AsyncClient(base_url=system.api_urls[0], timeout=60) as client:

        async def one() -> None:
            ph = phones()
            headers = {"Authorization": f"Bearer {people.token('citizen', phone=ph[0])}"}
            r = await client.post("/citizen/alerts", json=people.alert_body(ph), headers=headers)
            r.raise_for_status()
            out.append((r.json()["case_number"], ph[0]))

        for start in range(0, n, 10):
            await asyncio.gather(*(one() for _ in range(min(10, n - start))))
    return out


async def main_async(args: argparse.Namespace) -> None:
    var = Path(args.var or tempfile.mkdtemp(prefix="kc-reads-"))
    print(f"bench/reads.py: {args.clients} clients × {args.seconds:.0f} s per endpoint, {args.cases} cases")
    print(f"  db {args.db}, {args.api_procs} API process(es); load average before: {load_average()}")
    results: dict[str, tuple[float, float, float]] = {}
    async with System.start(var, db=args.db, api_procs=args.api_procs) as system:
        people = People(system)
        cases = await raise_cases(system, people, args.cases)
        seat = people.token("seat", "seat-1")
        endpoints = {
            "queue": [("/seat/queue", seat)],
            "case": [(f"/citizen/cases/{c}", people.token("citizen", phone=ph)) for c, ph in cases],
        }
        print(
            f"\n{'GET':<28} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'API CPU %':>10} {'client CPU %':>13}   goal"
        )
        for name, paths in endpoints.items():
            await hammer(system.api_urls, paths, min(10, args.clients), 1.0)  # warm-up
            api_pids = [system.pid(n) for n in system.names() if n.startswith("api")]
            api0 = sum(cpu_seconds(p) for p in api_pids if p)
            spies = []
            if args.py_spy:
                from bench import profile

                os.makedirs(args.py_spy, exist_ok=True)
                for proc in ("api0", "worker"):
                    pid = system.pid(proc)
                    if pid is not None:
                        spies.append(profile.record(pid, Path(args.py_spy) / f"{name}-{proc}.txt"))
            t0 = time.perf_counter()
            lat, errors, client_cpu = await hammer(system.api_urls, paths, args.clients, args.seconds)
            wall = time.perf_counter() - t0
            for spy in spies:
                profile.stop(spy)
            api_cpu = sum(cpu_seconds(p) for p in api_pids if p) - api0
            rps = len(lat) / wall
            results[name] = (rps, pct(lat, 50), pct(lat, 99))
            goal_rps, goal_p99 = GOALS[name]
            label = "/seat/queue" if name == "queue" else "/citizen/cases/{case}"
            print(
                f"{label:<28} {rps:>8.0f} {pct(lat, 50):>8.1f} {pct(lat, 99):>8.1f} {errors:>7} "
                f"{api_cpu * 100 / wall:>10.0f} {client_cpu * 100 / wall:>13.0f}   ≥ {goal_rps} req/s, p99 ≤ {goal_p99} ms"
            )
    q, c = results["queue"], results["case"]
    print(f"load average after: {load_average()}")
    print(
        f"\nRESULT queue_rps={q[0]:.0f} queue_p50_ms={q[1]:.1f} queue_p99_ms={q[2]:.1f} "
        f"case_rps={c[0]:.0f} case_p50_ms={c[1]:.1f} case_p99_ms={c[2]:.1f} "
        f"api_procs={args.api_procs} db={args.db} load={load_average().split()[0]}"
    )


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--clients", type=int, default=100)
    p.add_argument("--seconds", type=float, default=10.0)
    p.add_argument("--cases", type=int, default=30, help="queued cases raised first")
    p.add_argument("--api-procs", type=int, default=1)
    p.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    p.add_argument("--py-spy", metavar="DIR", help="profile the API and worker into DIR (py-spy raw)")
    p.add_argument("--var")
    asyncio.run(main_async(p.parse_args(argv)))


if __name__ == "__main__":
    main()
