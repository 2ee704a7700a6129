"""Load benchmark: N two-vehicle cases walked through the HTTP API by simulated people (seat,
officer, two citizens: tests/walker.py, no think time), at a fixed concurrency or an open-loop
arrival rate, on the whole system as real processes (bench/system.py: Temporal dev server with
the WAL pragmas, API process(es), worker; SQLite by default, a fresh PostgreSQL database with
--db postgresql). In the same invocation, alternated with the real cases, the bare-Temporal floor
(bench/floor.py: a workflow of the same shape with no-op activities, driven by a Temporal
client) on the same dev server.

    python bench/load.py --cases 200 --concurrency 50 [--db postgresql] [--api-procs 2]
    python bench/load.py --cases 100 --rate 1          # open loop: 1 case/s arriving
    python bench/load.py --cases 20                     # quick: well under a minute

Prints cases/s, per-step p50/p95/p99, decision → notice + SMS queued, CPU seconds per case of
each process (from /proc), store bytes per case, one case alone (the sum of its API steps), each
beside the floor and the goal of issue 14, and ends with one line:
RESULT cases_per_s=… floor_per_s=… ratio=… decision_p50_ms=… decision_p99_ms=… cpu_s_per_case=…
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from bench import floor  # noqa: E402
from bench.system import Process, System, load_average  # noqa: E402
from tests.walker import CaseWalker, Walk  # noqa: E402

# issue 14's goals
GOAL_RATIO = 0.7
GOAL_CPU_S = 0.25
GOAL_SOLO_SUM_MS = 400
GOAL_STEP_MS = 30
GOAL_COMPLETE_MS = 80
GOAL_DECISION_P50_MS = 150
GOAL_DECISION_P99_MS = 500
GOAL_STORE_KB = 40
GOAL_DB_KB = 10
FLOOR_WORKER = [sys.executable, str(ROOT / "bench" / "floor.py"), "worker"]
STEP_ORDER = [
    "alert",
    "accept",
    "shot",
    "safety",
    "scene",
    "complete",
    "decision",
    "receipt",
    "claim",
    "look",
]


# --------------------------------------------------------------------------- small helpers


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    k = min(len(s) - 1, max(0, round(p / 100 * (len(s) - 1))))
    return s[k]


def group(step: str) -> str:
    """shot-3 → shot, receipt-P1 → receipt, claim-P2 → claim."""
    return re.sub(r"-(\d+|P\d+)$", "", step)


class Bar:
    """A one-line progress bar on stderr."""

    def __init__(self, label: str, total: int) -> None:
        self.label, self.total, self.done, self.failed = label, total, 0, 0
        self.started = time.perf_counter()
        self._last = 0.0

    def tick(self, ok: bool = True) -> None:
        self.done += 1
        self.failed += 0 if ok else 1
        now = time.perf_counter()
        if now - self._last > 0.2 or self.done == self.total:
            self._last = now
            width = 30
            filled = int(width * self.done / max(1, self.total))
            rate = self.done / max(1e-9, now - self.started)
            fail = f" {self.failed} failed" if self.failed else ""
            sys.stderr.write(
                f"\r  {self.label:<12} [{'#' * filled}{'.' * (width - filled)}] "
                f"{self.done}/{self.total} {rate:5.2f}/s{fail}   "
            )
            if self.done == self.total:
                sys.stderr.write("\n")
            sys.stderr.flush()


async def drive(
    n: int,
    one: Callable[[int], Awaitable[Any]],
    *,
    concurrency: int | None,
    rate: float | None,
    bar: Bar,
) -> tuple[list[Any], float, list[str]]:
    """Run `one(i)` for i in range(n): at most `concurrency` at once (closed loop) or arriving at
    `rate` per second (open loop, Poisson). Returns results, elapsed seconds, errors."""
    results: list[Any] = []
    errors: list[str] = []

    async def guarded(i: int) -> None:
        try:
            results.append(await one(i))
            bar.tick()
        except Exception as err:  # a failed walk is counted and reported, the run goes on
            errors.append(f"{type(err).__name__}: {str(err)[:300]}")
            bar.tick(ok=False)

    started = time.perf_counter()
    if rate:
        tasks = []
        rng = random.Random(14)
        for i in range(n):
            tasks.append(asyncio.create_task(guarded(i)))
            await asyncio.sleep(rng.expovariate(rate))
        await asyncio.gather(*tasks)
    else:
        queue = iter(range(n))

        async def lane() -> None:
            for i in queue:
                await guarded(i)

        await asyncio.gather(*(lane() for _ in range(min(n, concurrency or 1))))
    return results, time.perf_counter() - started, errors


# --------------------------------------------------------------------------- kuaichu cases


class People:
    """Tokens (cached) and alert bodies for the walker, from the system's own settings."""

    def __init__(self, system: System) -> None:
        from tests import case_factory

        self.settings = system.settings()
        self._tokens: dict[tuple[str, str, str], str] = {}
        self.phones_of: dict[str, tuple[str, str]] = {}  # case number → the two parties' phones
        alert = case_factory.alert(self.settings)
        self._base = {
            "location": alert.location.model_dump(mode="json"),
            "facts": alert.facts.model_dump(mode="json"),
            "parties": [p.model_dump(mode="json") for p in alert.parties],
            "consent_electronic_service": True,
        }

    def token(self, role: str, sub: str = "", phone: str = "") -> str:
        from api.auth import ALL_DISTRICTS, ApiRole, Principal, citizen_token, issue_token

        key = (role, sub, phone)
        if key not in self._tokens:
            r = ApiRole(role)
            if r == ApiRole.CITIZEN:
                tok = citizen_token(self.settings, phone)
            else:
                staff = Principal(role=r, sub=sub or f"{role}-1", district=ALL_DISTRICTS)  # the whole unit
                tok = issue_token(self.settings, staff)
            self._tokens[key] = tok.access_token
        return self._tokens[key]

    def alert_body(self, phones: tuple[str, str]) -> dict[str, Any]:
        body = json.loads(json.dumps(self._base))
        for party, phone in zip(body["parties"], phones, strict=True):
            party["phone"] = phone
        return body


@dataclass
class Phase:
    kind: str  # kuaichu | floor
    n: int
    seconds: float = 0.0
    cpu: dict[str, float] = field(default_factory=dict)
    store_bytes: int = 0
    db_bytes: int = 0
    walks: list[Any] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


_phone_seq = iter(range(10**8))


def phones() -> tuple[str, str]:
    i = next(_phone_seq)
    return f"139{i:08d}", f"137{i:08d}"


async def kuaichu_phase(
    system: System, people: People, n: int, concurrency: int | None, rate: float | None, label: str
) -> Phase:
    limits = httpx.Limits(max_connections=(concurrency or 200) * 2, max_keepalive_connections=400)
    clients = [httpx.AsyncClient(base_url=url, timeout=30, limits=limits) for url in system.api_urls]
    try:

        async def one(i: int) -> Walk:
            client = clients[i % len(clients)]
            walker = CaseWalker(client, people.token, people.alert_body, patience_s=300)
            ph = phones()
            walk = await walker.walk(ph)
            people.phones_of[walk.case_number] = ph
            return walk

        return await measured(system, "kuaichu", n, one, concurrency, rate, label)
    finally:
        for c in clients:
            await c.aclose()


async def measured(
    system: System,
    kind: str,
    n: int,
    one: Callable[[int], Awaitable[Any]],
    concurrency: int | None,
    rate: float | None,
    label: str,
) -> Phase:
    phase = Phase(kind, n)
    cpu0, store0, db0 = system.cpu(), system.temporal_store_bytes(), await system.kuaichu_db_bytes()
    walks, phase.seconds, phase.errors = await drive(
        n, one, concurrency=concurrency, rate=rate, bar=Bar(label, n)
    )
    phase.walks = walks
    cpu1 = system.cpu()
    phase.cpu = {k: cpu1.get(k, 0.0) - cpu0.get(k, 0.0) for k in cpu1}
    # the store: let the server write what the last steps left (timers, visibility)
    await asyncio.sleep(1.0)
    phase.store_bytes = system.temporal_store_bytes() - store0
    phase.db_bytes = await system.kuaichu_db_bytes() - db0
    return phase


async def floor_phase(
    system: System,
    client: Any,
    queue: str,
    shape: floor.Shape,
    n: int,
    concurrency: int | None,
    rate: float | None,
    label: str,
) -> Phase:
    run = uuid.uuid4().hex[:8]

    async def one(i: int) -> dict[str, float]:
        return await floor.walk(client, queue, f"floor-{run}-{i}", shape)

    return await measured(system, "floor", n, one, concurrency, rate, label)


async def decision_to_sms_ms(system: System, walks: list[Walk]) -> list[float]:
    """Decision request sent → the last party's notice SMS in the outbox (created_at)."""
    import sqlalchemy as sa

    from db.models import SmsRow
    from db.session import make_engine

    started = {w.case_number: w.started_at["decision"] for w in walks if "decision" in w.started_at}
    if not started:
        return []
    engine = make_engine(system.database_url)
    try:
        async with engine.connect() as conn:
            rows = (
                await conn.execute(
                    sa.select(SmsRow.case_number, sa.func.max(SmsRow.created_at))
                    .where(SmsRow.template == "decision_notice", SmsRow.case_number.in_(list(started)))
                    .group_by(SmsRow.case_number)
                )
            ).all()
    finally:
        await engine.dispose()
    out = []
    for case_number, at in rows:
        if isinstance(at, str):
            at = datetime.fromisoformat(at)
        if at.tzinfo is None:
            at = at.replace(tzinfo=UTC)
        out.append((at.timestamp() - started[case_number]) * 1000)
    return out


async def case_events(system: System, workflow_id: str) -> list[Any]:
    """A workflow's history events (a case's, or a floor case's), from the dev server."""
    from temporalio.client import Client

    client = await Client.connect(system.temporal_address)
    return list((await client.get_workflow_handle(workflow_id).fetch_history()).events)


async def history_counts(system: System, workflow_id: str) -> dict[str, int]:
    """What one case's history holds: activities, local-activity markers, timers, updates, events."""
    from temporalio.api.enums.v1 import EventType

    events = await case_events(system, workflow_id)
    kinds = [e.event_type for e in events]
    size = sum(e.ByteSize() for e in events)
    markers = [
        e.marker_recorded_event_attributes.marker_name
        for e in events
        if e.event_type == EventType.EVENT_TYPE_MARKER_RECORDED
    ]
    return {
        "activities": kinds.count(EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED),
        "local": markers.count(floor.LOCAL_ACTIVITY_MARKER),
        "patches": len(markers) - markers.count(floor.LOCAL_ACTIVITY_MARKER),
        "timers": kinds.count(EventType.EVENT_TYPE_TIMER_STARTED),
        "updates": kinds.count(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED),
        "wf_tasks": kinds.count(EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED),
        "events": len(kinds),
        "history_kb": round(size / 1024),
    }


# --------------------------------------------------------------------------- the report


def fmt(v: float, digits: int = 1) -> str:
    return "–" if v != v else f"{v:,.{digits}f}"


def ratio(a: float, b: float) -> str:
    return "–" if not b or a != a or b != b else f"{a / b:.2f}×"


def report_steps(walks: list[Walk], title: str) -> dict[str, list[float]]:
    by: dict[str, list[float]] = {}
    for w in walks:
        for step, ms in w.timings_ms.items():
            by.setdefault(group(step), []).append(ms)
    print(f"\n{title}")
    print(f"  {'step':<10} {'n':>6} {'p50 ms':>9} {'p95 ms':>9} {'p99 ms':>9} {'goal p50':>9}")
    for step in sorted(by, key=lambda s: STEP_ORDER.index(s) if s in STEP_ORDER else 99):
        v = by[step]
        goal = GOAL_COMPLETE_MS if step == "complete" else GOAL_STEP_MS
        print(
            f"  {step:<10} {len(v):>6} {fmt(pct(v, 50)):>9} {fmt(pct(v, 95)):>9} {fmt(pct(v, 99)):>9} "
            f"{'≤' + str(goal) if step != 'look' else '':>9}"
        )
    return by


def step_sum_ms(w: Walk) -> float:
    return sum(ms for step, ms in w.timings_ms.items() if step != "look")


async def main_async(args: argparse.Namespace) -> int:
    var = Path(args.var or tempfile.mkdtemp(prefix="kc-bench-"))
    concurrency = None if args.rate else args.concurrency
    mode = f"rate {args.rate}/s (open loop)" if args.rate else f"concurrency {concurrency}"
    print(f"bench/load.py: {args.cases} cases, {mode}, db {args.db}, {args.api_procs} API process(es)")
    print(f"  var {var}; load average before: {load_average()}")
    worker_env = {"KUAICHU_MAX_CACHED_WORKFLOWS": str(args.cache)} if args.cache else {}
    temporal_args = (
        ["--dynamic-config-value", "system.enableActivityEagerExecution=true"] if args.eager else []
    )
    async with System.start(
        var, db=args.db, api_procs=args.api_procs, worker_env=worker_env, temporal_args=temporal_args
    ) as system:
        from temporalio.client import Client

        people = People(system)
        queue = f"floor-{uuid.uuid4().hex[:6]}"
        fworker = Process(
            "floor-worker",
            [*FLOOR_WORKER, "--address", system.temporal_address, "--task-queue", queue],
            system.env,
            var / "log" / "floor-worker.log",
        )
        fworker.start()
        system.procs["floor-worker"] = fworker
        fclient = await Client.connect(system.temporal_address)
        # warm-up: both paths once (imports, connections, first workflow tasks)
        shape = floor.SHAPE
        if args.warmup:
            warm = await kuaichu_phase(system, people, args.warmup, args.warmup, None, "warm-up")
            if warm.walks:  # the floor takes the shape of the case as it is today
                shape = floor.shape_of(await case_events(system, f"case-{warm.walks[0].case_number}"))
            await floor_phase(system, fclient, queue, shape, args.warmup, args.warmup, None, "warm-up")
        print(
            f"floor shape{' (the warm-up case)' if shape is not floor.SHAPE else ''}: start "
            f"{shape.start_activities}+{shape.start_local}L, "
            + ", ".join(f"{s.name} {s.activities}+{s.local}L" for s in shape.steps)
            + f"; {shape.timers} timers"
        )

        spies = []
        if args.py_spy:
            from bench import profile

            out = Path(args.py_spy)
            os.makedirs(out, exist_ok=True)
            for name in ("worker", "api0", "floor-worker"):
                pid = system.pid(name)
                if pid is not None:
                    spies.append((out / f"{name}.txt", profile.record(pid, out / f"{name}.txt")))
            if not any(proc for _, proc in spies):
                print("py-spy not found (pip install py-spy, or KUAICHU_PY_SPY=...): no profiles")
        rounds = max(1, min(args.rounds, args.cases))
        per = [args.cases // rounds + (1 if r < args.cases % rounds else 0) for r in range(rounds)]
        k_phases: list[Phase] = []
        f_phases: list[Phase] = []
        for r, n in enumerate(per):
            k_phases.append(
                await kuaichu_phase(system, people, n, concurrency, args.rate, f"kuaichu {r + 1}/{rounds}")
            )
            if not args.no_floor:
                f_phases.append(
                    await floor_phase(
                        system, fclient, queue, shape, n, concurrency, args.rate, f"floor {r + 1}/{rounds}"
                    )
                )
        if spies:
            from bench import profile

            for _, proc in spies:
                profile.stop(proc)
        solo: list[Walk] = []
        solo_floor_ms: list[float] = []
        if args.solo:
            solo_phase = await kuaichu_phase(system, people, args.solo, 1, None, "one alone")
            solo = solo_phase.walks
            if not args.no_floor:  # the same updates, one at a time, on bare Temporal
                floor_solo = await floor_phase(
                    system, fclient, queue, shape, args.solo, 1, None, "floor alone"
                )
                solo_floor_ms = [sum(t.values()) for t in floor_solo.walks]

        walks: list[Walk] = [w for p in k_phases for w in p.walks]
        decision_ms = await decision_to_sms_ms(system, walks)
        k_hist = await history_counts(system, f"case-{walks[0].case_number}") if walks else {}
        f_hist: dict[str, int] = {}
        if f_phases:
            async for wf in fclient.list_workflows(f"TaskQueue = '{queue}'", limit=1):
                f_hist = await history_counts(system, wf.id)
        worker_rss = system.rss("worker")

    # ------------------------------------------------------------------ print
    def totals(phases: list[Phase]) -> tuple[int, float, dict[str, float], int, int]:
        n = sum(len(p.walks) for p in phases)
        secs = sum(p.seconds for p in phases)
        cpu: dict[str, float] = {}
        for p in phases:
            for k, v in p.cpu.items():
                cpu[k] = cpu.get(k, 0.0) + v
        return n, secs, cpu, sum(p.store_bytes for p in phases), sum(p.db_bytes for p in phases)

    kn, ks, kcpu, kstore, kdb = totals(k_phases)
    fn, fs, fcpu, fstore, _ = totals(f_phases)
    k_rate = kn / ks if ks else float("nan")
    f_rate = fn / fs if fs else float("nan")
    per_round_k = [len(p.walks) / p.seconds for p in k_phases if p.seconds]
    per_round_f = [len(p.walks) / p.seconds for p in f_phases if p.seconds]
    errors = [e for p in k_phases + f_phases for e in p.errors]

    print(f"\nload average after: {load_average()}")
    print(f"\n{'figure':<34} {'kuaichu':>12} {'floor':>12} {'ratio':>8}   goal")
    print(
        f"{'cases/s (' + mode + ')':<34} {fmt(k_rate, 2):>12} {fmt(f_rate, 2):>12} {ratio(k_rate, f_rate):>8}"
        f"   ≥ {GOAL_RATIO}× the floor"
    )
    print(
        f"{'  per round':<34} {'/'.join(fmt(x, 2) for x in per_round_k):>12} "
        f"{'/'.join(fmt(x, 2) for x in per_round_f):>12}"
    )
    for proc in ("worker", "temporal", "api", "driver"):
        if proc in kcpu or proc in fcpu:
            kv = kcpu.get(proc, 0.0) / kn if kn else float("nan")
            fv = fcpu.get(proc, 0.0) / fn if fn and proc != "api" else float("nan")
            if proc == "worker" and fn:
                fv = fcpu.get("floor-worker", 0.0) / fn
            note = "   (the walkers / the floor's client)" if proc == "driver" else f"   ≤ {GOAL_CPU_S}"
            print(f"{'CPU s/case ' + proc:<34} {fmt(kv, 3):>12} {fmt(fv, 3):>12} {ratio(kv, fv):>8}{note}")
    cores = os.cpu_count() or 1
    k_busy = kcpu.get("machine", 0.0) / ks / cores if ks else float("nan")
    f_busy = fcpu.get("machine", 0.0) / fs / cores if fs else float("nan")
    print(
        f"{'cores busy (of ' + str(cores) + ')':<34} {fmt(100 * k_busy, 0) + '%':>12} {fmt(100 * f_busy, 0) + '%':>12}"
    )
    kcpu_total = sum(v for k, v in kcpu.items() if k in ("worker", "temporal", "api")) / kn if kn else 0
    print(
        f"{'Temporal store KB/case':<34} {fmt(kstore / 1024 / max(1, kn)):>12} "
        f"{fmt(fstore / 1024 / max(1, fn)):>12} {ratio(kstore / max(1, kn), fstore / max(1, fn)):>8}"
        f"   ≤ {GOAL_STORE_KB}"
    )
    print(
        f"{'kuaichu db KB/case (' + args.db + ')':<34} {fmt(kdb / 1024 / max(1, kn)):>12} {'':>12} {'':>8}   ≤ {GOAL_DB_KB}"
    )
    print(f"{'worker RSS MB (end)':<34} {fmt(worker_rss / 2**20):>12}")
    if decision_ms:
        print(
            f"{'decision → notice+SMS queued ms':<34} p50 {fmt(pct(decision_ms, 50), 0)} / "
            f"p95 {fmt(pct(decision_ms, 95), 0)} / p99 {fmt(pct(decision_ms, 99), 0)}"
            f"   goal p50 ≤ {GOAL_DECISION_P50_MS}, p99 ≤ {GOAL_DECISION_P99_MS}"
        )
    if k_hist:
        print(f"\nhistory of one case     {k_hist}")
        print(f"history of one floor    {f_hist}")

    by = report_steps(walks, f"API steps under load ({mode})")
    fby: dict[str, list[float]] = {}
    for p in f_phases:
        for t in p.walks:
            for step, ms in t.items():
                fby.setdefault(step, []).append(ms)
    if fby:
        print(
            "\nfloor updates under load: p50 ms " + ", ".join(f"{k} {pct(v, 50):.0f}" for k, v in fby.items())
        )
    if solo:
        report_steps(solo, f"one case alone ({len(solo)} cases, one at a time)")
        sums = [step_sum_ms(w) for w in solo]
        n_steps = len([s for s in solo[0].timings_ms if s != "look"])
        print(
            f"  sum of the {n_steps} API steps: p50 {fmt(statistics.median(sums), 0)} ms   goal ≤ {GOAL_SOLO_SUM_MS}"
        )
        if solo_floor_ms:
            print(
                f"  the floor alone, its start and {len(shape.steps)} updates: p50 "
                f"{fmt(statistics.median(solo_floor_ms), 0)} ms (bare Temporal, the same shape)"
            )
    if errors:
        print(f"\n{len(errors)} failed walks; first: {errors[:3]}")
    dec = by.get("decision", [])
    print(
        f"\nRESULT cases_per_s={k_rate:.2f} floor_per_s={f_rate:.2f} ratio={k_rate / f_rate if f_rate else float('nan'):.2f} "
        f"decision_p50_ms={pct(dec, 50):.0f} decision_p99_ms={pct(dec, 99):.0f} cpu_s_per_case={kcpu_total:.3f}"
        f" notice_sms_p50_ms={pct(decision_ms, 50):.0f} notice_sms_p99_ms={pct(decision_ms, 99):.0f}"
        f" failed={len(errors)} db={args.db} load={load_average().split()[0]}"
    )
    return 1 if errors and len(errors) * 10 > args.cases else 0


async def standalone_floor(cases: int, concurrency: int, all_local: bool) -> None:
    """bench/floor.py alone: its own dev server and worker, the floor figures only."""
    from temporalio.client import Client

    from bench.system import cpu_seconds, free_port, temporal_server, wait_port

    var = Path(tempfile.mkdtemp(prefix="kc-floor-"))
    port = free_port()
    server = temporal_server(port, var / "temporal.db", var / "temporal.log")
    server.start()
    queue = "floor"
    worker = Process(
        "floor-worker",
        [*FLOOR_WORKER, "--address", f"127.0.0.1:{port}", "--task-queue", queue],
        dict(__import__("os").environ),
        var / "worker.log",
    )
    try:
        await wait_port(port, 60)
        worker.start()
        client = await Client.connect(f"127.0.0.1:{port}")
        shape = floor.Shape(**{**floor.SHAPE.__dict__, "all_local": all_local})
        run = uuid.uuid4().hex[:6]
        await floor.walk(client, queue, f"warm-{run}", shape)
        assert server.proc is not None and worker.proc is not None
        c0 = cpu_seconds(server.proc.pid), cpu_seconds(worker.proc.pid)

        async def one(i: int) -> dict[str, float]:
            return await floor.walk(client, queue, f"floor-{run}-{i}", shape)

        _, secs, errors = await drive(cases, one, concurrency=concurrency, rate=None, bar=Bar("floor", cases))
        c1 = cpu_seconds(server.proc.pid), cpu_seconds(worker.proc.pid)
        print(
            f"floor{' (all local)' if all_local else ''}: {cases / secs:.2f} cases/s at {concurrency}; CPU s/case "
            f"worker {(c1[1] - c0[1]) / cases:.3f} temporal {(c1[0] - c0[0]) / cases:.3f}; "
            f"{len(errors)} failed; load {load_average()}"
        )
    finally:
        worker.stop()
        server.stop()


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cases", type=int, default=200)
    g = p.add_mutually_exclusive_group()
    g.add_argument("--concurrency", type=int, default=50, help="closed loop: walks at once")
    g.add_argument("--rate", type=float, help="open loop: cases arriving per second")
    p.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    p.add_argument("--api-procs", type=int, default=1, help="API processes (round-robin)")
    p.add_argument("--rounds", type=int, default=2, help="kuaichu/floor alternations")
    p.add_argument("--solo", type=int, default=3, help="cases walked one at a time at the end")
    p.add_argument("--no-floor", action="store_true")
    p.add_argument(
        "--eager",
        action="store_true",
        help="dev server with eager activity execution (system.enableActivityEagerExecution)",
    )
    p.add_argument("--warmup", type=int, default=2, help="cases of each kind walked before measuring")
    p.add_argument("--cache", type=int, default=0, help="the worker's max_cached_workflows")
    p.add_argument("--py-spy", metavar="DIR", help="profile the worker and API into DIR (py-spy raw)")
    p.add_argument("--var", help="the run's var directory (default: a new temporary one)")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    return asyncio.run(main_async(parse(argv)))


if __name__ == "__main__":
    sys.exit(main())
