"""Read-model write benchmark: the workflow's record_step (activities/records.py) in one process,
as a case makes them (26 steps; the parties change at 3 of them), on a fresh SQLite file or a
fresh PostgreSQL database. Counts the SQL statements a step sends and times them; no Temporal.

    python bench/records.py [--cases 40] [--db sqlite|postgresql] [--writes 21]

Ends with: RESULT statements_per_step=… cpu_ms_per_step=… wall_ms_per_step=… db=…
(a "step" is one record_step call). Run it in two trees (baseline and branch), alternated, to
compare. `--writes N`: the 26 entries of a case in N record_step calls, each with the latest
snapshot (the batched read model: a walked case makes 21 where it made 24).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import event  # noqa: E402

from activities.records import RecordActivities  # noqa: E402
from db.session import ensure_schema, make_engine, make_sessionmaker  # noqa: E402
from domain import activity_contracts as act  # noqa: E402
from domain.models import CaseStatus  # noqa: E402
from tests.conftest import fresh_postgres_database  # noqa: E402
from tests.db.conftest import make_case, motor_party  # noqa: E402

STEPS = 26
PARTIES_CHANGE_AT = {0, 4, 5}  # alert (reporter), parties recorded, verification
STATUSES = [CaseStatus.QUEUED, CaseStatus.IN_VIDEO, CaseStatus.VERIFYING, CaseStatus.AWAITING_DECISION]


def steps(case_number: str) -> list[act.StepRecord]:
    """The 26 records of one two-vehicle case: status and seq move, the parties now and then."""
    at = datetime(2026, 6, 5, 1, 30, tzinfo=UTC)
    parties = [motor_party("P1", "13800138000", "川E12345")]
    out = []
    for seq in range(1, STEPS + 1):
        if seq - 1 in PARTIES_CHANGE_AT:
            n = len(parties) + 1
            parties = [*parties[:1], motor_party(f"P{n}", f"1390013900{n}", f"川EA8B2{n}")]
        snapshot = make_case(case_number, *parties, seq=seq, status=STATUSES[min(seq // 7, 3)])
        entry = act.TimelineEntry(
            step_key=f"case-{case_number}/run/{seq}",
            case_number=case_number,
            at=at + timedelta(seconds=seq),
            actor_role="system",
            actor_id="workflow",
            action=f"step_{seq}",
        )
        out.append(act.StepRecord(snapshot=snapshot, entry=entry, reporter_phone="13800138000"))
    return out


def batched(records: list[act.StepRecord], writes: int) -> list[act.StepRecord]:
    """The same entries in `writes` calls (as evenly as may be), each with its last snapshot."""
    bounds = [round(i * len(records) / writes) for i in range(writes + 1)]
    return [
        act.StepRecord(
            snapshot=records[end - 1].snapshot,
            entries=[r.entry for r in records[start:end] if r.entry is not None],
            reporter_phone=records[0].reporter_phone,
        )
        for start, end in itertools.pairwise(bounds)
    ]


async def run(url: str, cases: int, writes: int) -> None:
    await ensure_schema(url)
    engine = make_engine(url, pool_size=1, max_overflow=0)
    statements = 0

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def _count(*_: object) -> None:
        nonlocal statements
        statements += 1

    records = RecordActivities(make_sessionmaker(engine), "bench-secret")
    work = [steps(f"LZ20260605-{i:06d}") for i in range(cases + 2)]
    if writes < STEPS:
        work = [batched(case, writes) for case in work]
    for step in work[0] + work[1]:  # warm-up: connection, compiled statements
        await records.record_step(step)
    statements = 0
    cpu, wall = time.process_time(), time.perf_counter()
    for case in work[2:]:
        for step in case:
            await records.record_step(step)
    n = cases * min(writes, STEPS)
    cpu_ms, wall_ms = (time.process_time() - cpu) * 1000 / n, (time.perf_counter() - wall) * 1000 / n
    await engine.dispose()
    db = url.split(":")[0].split("+")[0]
    print(
        f"{n} record_step calls: {statements / n:.2f} statements, {cpu_ms:.2f} ms CPU, {wall_ms:.2f} ms wall each"
    )
    per_case = n / cases
    print(
        f"a case: {statements / cases:.1f} statements, {cpu_ms * per_case:.1f} ms CPU, {wall_ms * per_case:.1f} ms wall"
    )
    print(
        f"RESULT statements_per_step={statements / n:.2f} cpu_ms_per_step={cpu_ms:.2f} wall_ms_per_step={wall_ms:.2f} db={db}"
    )


async def main(cases: int, db: str, writes: int) -> None:
    if db == "postgresql":
        async with fresh_postgres_database() as url:
            await run(url, cases, writes)
        return
    with tempfile.TemporaryDirectory() as tmp:
        await run(f"sqlite+aiosqlite:///{tmp}/kuaichu.db", cases, writes)


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--cases", type=int, default=40)
    p.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    p.add_argument("--writes", type=int, default=STEPS, help="record_step calls a case (batched)")
    args = p.parse_args()
    asyncio.run(main(args.cases, args.db, args.writes))
