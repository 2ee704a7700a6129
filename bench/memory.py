"""Open cases in the review window: worker RSS, Temporal server RSS and store bytes per case.

N two-vehicle cases are walked through the HTTP API (bench/load.py's walkers) up to both receipts
and claims, so every one of them waits in its review window (a timer days away), as a busy
detachment's cases do. The worker's RSS is sampled as the open cases grow, with the workflow cache
as configured (--cache: KUAICHU_MAX_CACHED_WORKFLOWS; the default is the settings' default), and
extrapolated linearly to --target open cases (issue 14: 20,000 on one worker within 400 MB).
Then a sample of the oldest cases is woken (a workflow query, which replays an evicted case, as
its next update or timer would) to show what an eviction costs when a case is needed again.

    python bench/memory.py --cases 1000 --cache 100       # what fits; --target 20000 extrapolates
    python bench/memory.py --cases 2000 --rate 1          # open loop: cases arrive, not 50 at once
    python bench/store.py --cases 200                     # the store figures alone

Ends with: RESULT open_cases=… worker_rss_mb=… mb_per_case=… at_target_mb=… store_kb_per_case=… db_kb_per_case=…
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


from bench.load import GOAL_DB_KB, GOAL_STORE_KB, People, kuaichu_phase, pct  # noqa: E402
from bench.system import System, load_average  # noqa: E402
from settings import Settings  # noqa: E402

GOAL_RSS_MB = 400


def slope(points: list[tuple[int, float]]) -> float:
    """Least-squares MB per open case over the samples."""
    if len(points) < 2:
        return float("nan")
    n = len(points)
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    den = sum((x - mx) ** 2 for x, _ in points)
    return sum((x - mx) * (y - my) for x, y in points) / den if den else float("nan")


async def main_async(args: argparse.Namespace) -> None:
    var = Path(args.var or tempfile.mkdtemp(prefix="kc-memory-"))
    cache = args.cache or Settings.model_fields["max_cached_workflows"].default
    print(
        f"bench/memory.py: {args.cases} open cases in the review window, workflow cache {cache}, "
        f"db {args.db}, {f'{args.rate} cases/s arriving' if args.rate else f'{args.concurrency} at once'}; "
        f"load average before: {load_average()}"
    )
    worker_env = {"KUAICHU_MAX_CACHED_WORKFLOWS": str(cache)}
    async with System.start(var, db=args.db, worker_env=worker_env) as system:
        people = People(system)
        base_rss = system.rss("worker") / 2**20
        base_store = system.temporal_store_bytes()
        base_db = await system.kuaichu_db_bytes()
        points: list[tuple[int, float]] = [(0, base_rss)]
        walks = []
        print(f"  {'open cases':>10} {'worker RSS MB':>14} {'temporal RSS MB':>16} {'store KB/case':>14}")
        done = 0
        while done < args.cases:
            n = min(args.step, args.cases - done)
            phase = await kuaichu_phase(
                system,
                people,
                n,
                None if args.rate else args.concurrency,
                args.rate,
                f"{done + n}/{args.cases}",
            )
            walks += phase.walks
            done += n
            await asyncio.sleep(1.0)
            rss = system.rss("worker") / 2**20
            points.append((len(walks), rss))
            store_kb = (system.temporal_store_bytes() - base_store) / 1024 / max(1, len(walks))
            print(
                f"  {len(walks):>10} {rss:>14.0f} {system.rss('temporal') / 2**20:>16.0f} {store_kb:>14.1f}"
            )
        store_kb = (system.temporal_store_bytes() - base_store) / 1024 / max(1, len(walks))
        db_kb = (await system.kuaichu_db_bytes() - base_db) / 1024 / max(1, len(walks))
        # wake the oldest cases (evicted first when the cache is smaller than the open cases): a
        # workflow query replays an evicted case, as its next update or timer would (the reads of
        # the consoles and the H5 come from the read model and wake nothing)
        from temporalio.client import Client

        from codec import codec_from_settings, data_converter
        from workflows.case_workflow import AccidentCaseWorkflow

        client = await Client.connect(
            system.temporal_address, data_converter=data_converter(codec_from_settings(system.settings()))
        )
        wake_ms: list[float] = []
        for w in walks[: args.wake]:
            t = time.perf_counter()
            await client.get_workflow_handle(f"case-{w.case_number}").query(AccidentCaseWorkflow.view)
            wake_ms.append((time.perf_counter() - t) * 1000)
        final_rss = system.rss("worker") / 2**20
        temporal_rss = system.rss("temporal") / 2**20

    mb_per_case = slope(points[1:]) if len(points) > 2 else slope(points)
    at_target = final_rss + mb_per_case * (args.target - len(walks))
    print(f"\nload average after: {load_average()}")
    print(f"{'figure':<44} {'measured':>10}   goal")
    print(f"{'open cases':<44} {len(walks):>10}")
    print(f"{'worker RSS MB (idle worker: ' + format(base_rss, '.0f') + ')':<44} {final_rss:>10.0f}")
    print(f"{'worker MB per open case (slope)':<44} {mb_per_case:>10.3f}")
    print(
        f"{'worker RSS MB at ' + str(args.target) + ' open (extrapolated)':<44} {at_target:>10.0f}   ≤ {GOAL_RSS_MB}"
    )
    print(f"{'Temporal server RSS MB':<44} {temporal_rss:>10.0f}")
    print(f"{'Temporal store KB per case':<44} {store_kb:>10.1f}   ≤ {GOAL_STORE_KB}")
    print(f"{'kuaichu db KB per case (' + args.db + ')':<44} {db_kb:>10.1f}   ≤ {GOAL_DB_KB}")
    if wake_ms:
        print(
            f"{'waking an old case (a query) ms':<44} p50 {pct(wake_ms, 50):.0f} / p99 {pct(wake_ms, 99):.0f}"
            f"   ({len(wake_ms)} cases; replays it when evicted)"
        )
    print(
        f"\nRESULT open_cases={len(walks)} cache={cache} worker_rss_mb={final_rss:.0f} mb_per_case={mb_per_case:.3f} "
        f"at_target_mb={at_target:.0f} store_kb_per_case={store_kb:.1f} db_kb_per_case={db_kb:.1f} "
        f"wake_p50_ms={pct(wake_ms, 50):.0f} db={args.db} load={load_average().split()[0]}"
    )


def parse(argv: list[str] | None = None, cases: int = 500) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cases", type=int, default=cases, help="open cases to create")
    p.add_argument("--step", type=int, default=100, help="sample RSS every this many cases")
    load = p.add_mutually_exclusive_group()
    load.add_argument("--concurrency", type=int, default=50, help="closed loop: walks at once")
    load.add_argument(
        "--rate", type=float, help="open loop: cases arriving per second (memory, not a saturated worker)"
    )
    p.add_argument("--cache", type=int, default=0, help="max_cached_workflows (default: the settings')")
    p.add_argument("--target", type=int, default=20_000, help="open cases to extrapolate to")
    p.add_argument("--wake", type=int, default=20, help="old cases woken at the end")
    p.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    p.add_argument("--var")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    asyncio.run(main_async(parse(argv)))


if __name__ == "__main__":
    main()
