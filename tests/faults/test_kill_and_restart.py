"""Cases survive their processes dying: N concurrent two-vehicle cases are walked through the
HTTP API while the worker is killed with SIGKILL at random points and restarted, and once while
the Temporal dev server is killed and restarted on its persistent store. Every case reaches
its expected state (served, both claims filed), Twilio (a local stand-in, over HTTP) received
exactly one message per SMS idempotency key, the insurers exactly one claim per party, and no
file is left without its record; every reporter has one case (the walker retries its alert with
the same Idempotency-Key). Bounded: loopback only; by default a short run (a few kills early),
KUAICHU_FAULT_TESTS=1 the long one. Logs and a summary: var/artefacts/faults."""

from __future__ import annotations

import asyncio
import os
import random
import time
from pathlib import Path

import httpx
import sqlalchemy as sa

from api.app import create_app
from api.auth import ApiRole, Principal, citizen_token, issue_token
from db.models import CaseRow, EvidenceRow, NoticeRow, SmsRow
from db.sandbox_models import SandboxInsurerClaimRow
from db.seed_registry import seed_registry
from db.session import ensure_schema, make_engine, make_sessionmaker
from settings import Settings
from tests import case_factory
from tests.adapters.twilio_standin import TwilioStandIn
from tests.faults.processes import temporal_server, wait_port, worker
from tests.live_server import free_port, serve
from tests.walker import CaseWalker

CASES = int(os.environ.get("KUAICHU_FAULT_CASES", "20"))
# By default a short bounded run (in the suite): a few worker kills and one Temporal kill early in
# the walks, then the cases finish undisturbed. KUAICHU_FAULT_TESTS=1: the long run, the worker
# killed every few seconds until every walk ends.
LONG = os.environ.get("KUAICHU_FAULT_TESTS") == "1"
SHORT_WORKER_KILLS = 3
ACCOUNT_SID, AUTH_TOKEN, SERVICE_SID = "AC" + "f" * 32, "fault-test-auth-token", "MG" + "e" * 32


def _env(settings: Settings) -> dict[str, str]:
    """The worker process gets the same configuration through KUAICHU_* variables."""
    env = dict(os.environ)
    for name, value in settings.model_dump(exclude_defaults=True).items():
        env[f"KUAICHU_{name.upper()}"] = str(value)
    return env


async def _chaos(stop: asyncio.Event, work, temporal, temporal_port: int, log: list[str]) -> None:
    """Kill the worker at random points (restart after a moment); once, the Temporal server."""
    rng = random.Random(int(os.environ.get("KUAICHU_FAULT_SEED", "7")))
    server_killed = False
    while not stop.is_set() and (LONG or work.kills < SHORT_WORKER_KILLS or not server_killed):
        try:
            await asyncio.wait_for(stop.wait(), rng.uniform(1.5, 4.0))
            return
        except TimeoutError:
            pass
        if not server_killed and work.kills >= 2:
            temporal.kill()
            log.append(f"{time.strftime('%X')} SIGKILL temporal")
            await asyncio.sleep(1.0)
            temporal.start()
            await wait_port(temporal_port)
            log.append(f"{time.strftime('%X')} restarted temporal on its store")
            server_killed = True
            continue
        work.kill()
        log.append(f"{time.strftime('%X')} SIGKILL worker")
        await asyncio.sleep(rng.uniform(0.2, 1.5))
        work.start()
        log.append(f"{time.strftime('%X')} restarted worker")


async def test_cases_survive_worker_and_server_kills(tmp_path: Path) -> None:
    standin = TwilioStandIn()
    await standin.start()
    temporal_port, api_port = free_port(), free_port()
    temporal = temporal_server(temporal_port, tmp_path / "temporal.db", tmp_path / "temporal.log")
    temporal.start()
    await wait_port(temporal_port)
    settings = Settings(
        _env_file=None,
        var_dir=tmp_path,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'kuaichu.db'}",
        temporal_address=f"127.0.0.1:{temporal_port}",
        task_queue="fault-cases",
        api_internal_url=f"http://127.0.0.1:{api_port}",
        public_base_url=f"http://127.0.0.1:{api_port}",
        sms_provider="twilio",
        twilio_account_sid=ACCOUNT_SID,
        twilio_auth_token=AUTH_TOKEN,
        twilio_messaging_service_sid=SERVICE_SID,
        twilio_base_url=standin.url,
        twilio_timeout_seconds=2.0,
        case_doctor_interval_seconds=2,  # replay faults (an SDK bug on cold replays) healed quickly
    )
    await ensure_schema(settings.effective_database_url)
    engine = make_engine(settings.effective_database_url)
    sessions = make_sessionmaker(engine)
    async with sessions.begin() as session:
        await seed_registry(session)
    work = worker(_env(settings), tmp_path / "worker.log")
    work.start()

    def token(role: str, sub: str = "", phone: str = "") -> str:
        if role == "citizen":
            return citizen_token(settings, phone).access_token
        return issue_token(settings, Principal(role=ApiRole(role), sub=sub, district="*")).access_token

    def alert_body(phones: tuple[str, str]) -> dict[str, object]:
        alert = case_factory.alert(settings)
        for party, phone in zip(alert.parties, phones, strict=True):
            party.phone = phone
        return {
            "location": alert.location.model_dump(mode="json"),
            "facts": alert.facts.model_dump(mode="json"),
            "parties": [p.model_dump(mode="json") for p in alert.parties],
            "consent_electronic_service": True,
        }

    app = create_app(settings, alert_clock=lambda: case_factory.WORKING_MORNING)
    log: list[str] = []
    started = time.monotonic()
    try:
        with serve(app, api_port) as url:
            async with httpx.AsyncClient(base_url=url, timeout=15) as client:
                walker = CaseWalker(client, token, alert_body, patience_s=300)
                stop = asyncio.Event()
                chaos = asyncio.create_task(_chaos(stop, work, temporal, temporal_port, log))
                phones = [(f"1380010{i:04d}", f"1390010{i:04d}") for i in range(CASES)]
                walks = await asyncio.gather(*(walker.walk(p) for p in phones))
                stop.set()
                await chaos
                await _settle(sessions, walks)
    finally:
        work.stop()
        temporal.stop()
        await standin.stop()
        _keep_logs(tmp_path)
    elapsed = time.monotonic() - started

    cases = [w.case_number for w in walks]
    unfinished = [w for w in walks if w.final_status != "served" or set(w.claims) != {"P1", "P2"}]
    assert [(w.case_number, w.final_status, sorted(w.claims), w.steps[-3:]) for w in unfinished] == []
    async with sessions() as session:
        outbox = (
            (await session.execute(sa.select(SmsRow).where(SmsRow.case_number.in_(cases)))).scalars().all()
        )
        claims = (
            await session.execute(
                sa.select(SandboxInsurerClaimRow.idempotency_key, sa.func.count())
                .where(SandboxInsurerClaimRow.case_number.in_(cases))
                .group_by(SandboxInsurerClaimRow.idempotency_key)
            )
        ).all()
        all_cases = await session.scalar(sa.select(sa.func.count()).select_from(CaseRow))
        evidence = (await session.execute(sa.select(EvidenceRow.storage_path))).scalars().all()
        notices = (await session.execute(sa.select(NoticeRow.pdf_path))).scalars().all()
    sent = [m for m in standin.messages if any(c in m["body"] for c in cases)]
    per_message = {(m["to"], m["body"]) for m in sent}
    assert len(per_message) == len(sent), "an SMS went out twice"
    assert len(sent) == sum(1 for row in outbox if row.status != "failed")  # one message per key
    assert len(claims) == 2 * CASES and all(n == 1 for _, n in claims)  # one claim per party
    assert all_cases == CASES == len(set(cases))  # a retried alert raised no second case
    orphans = _files_without_records(tmp_path, set(evidence), set(notices))
    assert orphans == []
    retries = sum(sum(w.retries.values()) for w in walks)
    summary = (
        f"{CASES} cases in {elapsed:.0f} s ({'long' if LONG else 'short'} run); "
        f"worker SIGKILLed {work.kills}x and restarted {work.starts - 1}x, "
        f"temporal SIGKILLed {temporal.kills}x and restarted {temporal.starts - 1}x; "
        f"{len(sent)} SMS for {len(outbox)} keys; {len(claims)} claims; {retries} retried requests"
    )
    print("\n" + summary)
    print("\n".join(log))
    (ARTEFACTS / "summary.txt").write_text(summary + "\n" + "\n".join(log) + "\n")
    await engine.dispose()


ARTEFACTS = Path(__file__).resolve().parents[2] / "var" / "artefacts" / "faults"


def _keep_logs(var: Path) -> None:
    """The processes' logs outlive the temporary directory (they tell what the kills did)."""
    import shutil

    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    for name in ("worker.log", "temporal.log"):
        if (var / name).exists():
            shutil.copy(var / name, ARTEFACTS / name)


async def _settle(sessions, walks) -> None:
    """Give the last SMS activities time to finish (the walk ends at the last update's answer)."""
    deadline = time.monotonic() + 60
    cases = [w.case_number for w in walks]
    while time.monotonic() < deadline:
        async with sessions() as session:
            pending = await session.scalar(
                sa.select(sa.func.count()).where(
                    SmsRow.case_number.in_(cases), SmsRow.status.in_(("queued", "sending"))
                )
            )
        if not pending:
            return
        await asyncio.sleep(0.5)


def _files_without_records(var: Path, evidence: set[str], notices: set[str]) -> list[str]:
    """Evidence paths are relative to the var dir, notice paths to the notice dir."""
    kept = {var / p for p in evidence} | {var / "notices" / p for p in notices}
    files = [p for folder in ("evidence", "notices") for p in (var / folder).rglob("*") if p.is_file()]
    return sorted(str(p.relative_to(var)) for p in files if p not in kept)
