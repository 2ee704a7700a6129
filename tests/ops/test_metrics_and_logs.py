"""Metrics and logs on real processes (issue 13, "Metrics and logs"): a Temporal dev server, one
API process (uvicorn with deploy/logging-api.json) and one worker process (`python worker.py`
with KUAICHU_WORKER_METRICS_PORT) on one SQLite database. One case is walked to service, another
is cancelled; then each process's /metrics is scraped and its JSON log read."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import secrets
import sys
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from db.seed_registry import LICENCES, SCENARIOS, seed_registry
from db.session import ensure_schema, make_engine, make_sessionmaker
from settings import Settings
from tests.api.conftest import Api
from tests.faults.processes import ROOT, Process, temporal_server, wait_port, worker
from tests.live_server import free_port
from tests.walker import CaseWalker

PHONES = ("13911110001", "13911110002")
METRICS_TOKEN = secrets.token_urlsafe(24)


@dataclass
class Running:
    api: Api  # tokens and alert bodies (the API itself is a process)
    api_url: str
    worker_metrics_url: str
    api_log: Path
    worker_log: Path


async def _until_ok(url: str, within: float = 180.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    async with httpx.AsyncClient(timeout=5) as client:
        while asyncio.get_running_loop().time() < deadline:
            try:
                if (await client.get(url)).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.3)
    raise AssertionError(f"{url} never answered 200")


@pytest.fixture(scope="module")
async def running(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Running]:
    root: Path = tmp_path_factory.mktemp("ops-metrics")
    database_url = f"sqlite+aiosqlite:///{root / 'kuaichu.db'}"
    await ensure_schema(database_url)
    engine = make_engine(database_url)
    async with make_sessionmaker(engine).begin() as session:
        await seed_registry(session)
    await engine.dispose()

    temporal_port, api_port, metrics_port = free_port(), free_port(), free_port()
    env = (
        dict(os.environ)
        | {
            "KUAICHU_DATABASE_URL": database_url,
            "KUAICHU_VAR_DIR": str(root / "var"),  # one host: API and worker share the disk
            "KUAICHU_TEMPORAL_ADDRESS": f"127.0.0.1:{temporal_port}",
            "KUAICHU_TASK_QUEUE": f"ops-metrics-{uuid.uuid4().hex[:8]}",
            "KUAICHU_VIDEO_PROVIDER": "local",
            "KUAICHU_REGISTRY_PROVIDER": "database",
            "KUAICHU_INSURER_PROVIDER": "sandbox",
            "KUAICHU_PAYLOAD_KEYS": "k1:" + base64.b64encode(secrets.token_bytes(32)).decode(),
            "KUAICHU_WORKER_METRICS_PORT": str(metrics_port),
            "KUAICHU_METRICS_TOKEN": METRICS_TOKEN,
            "KUAICHU_CASE_DOCTOR_INTERVAL_SECONDS": "0",
            "PYTHONPATH": str(ROOT),
        }
    )
    env |= {
        f"KUAICHU_{n}": secrets.token_urlsafe(32)
        for n in ("HASH_SECRET", "JWT_SECRET", "VIDEO_TOKEN_SECRET", "SANDBOX_API_KEY")
    }
    temporal = temporal_server(temporal_port, root / "temporal.db", root / "temporal.log")
    api_proc = Process(
        "api", [sys.executable, "-m", "tests.ops.json_api_host", str(api_port)], env, root / "api.log"
    )
    worker_proc = worker(env, root / "worker.log")
    started: list[Process] = []
    try:
        for p, ready in (
            (temporal, None),
            (api_proc, f"http://127.0.0.1:{api_port}/readyz"),
            (worker_proc, f"http://127.0.0.1:{metrics_port}/healthz"),
        ):
            p.start()
            started.append(p)
            if ready is None:
                await wait_port(temporal_port, 60)
            else:
                await _until_ok(ready)
        settings_env = {
            k.removeprefix("KUAICHU_").lower(): v for k, v in env.items() if k.startswith("KUAICHU_")
        }
        settings = Settings(_env_file=None, **settings_env)  # type: ignore[arg-type]
        api = Api(client=None, app=None, settings=settings, sessions=None, backend="sqlite")  # type: ignore[arg-type]
        yield Running(
            api,
            f"http://127.0.0.1:{api_port}",
            f"http://127.0.0.1:{metrics_port}",
            root / "api.log",
            root / "worker.log",
        )
    finally:
        for p in reversed(started):
            p.stop()


@dataclass
class Walked:
    served: str  # the case walked to service
    cancelled: str
    request_id: str  # the X-Request-ID the cancelled case's alert was sent with


@pytest.fixture(scope="module")
async def walked(running: Running) -> Walked:
    api = running.api
    async with httpx.AsyncClient(base_url=running.api_url, timeout=60) as client:
        walk = await CaseWalker(client, api.bearer, api.alert_body, patience_s=240).walk(PHONES)
        assert walk.final_status == "served", walk
        rid = f"ops-test-{uuid.uuid4().hex[:12]}"
        r = await client.post(
            "/citizen/alerts",
            json=api.alert_body(("13911110003", "13911110004")),
            headers=api.token("citizen", phone="13911110003") | {"X-Request-ID": rid},
        )
        assert r.status_code == 201, r.text
        assert r.headers["x-request-id"] == rid
        other = r.json()["case_number"]
        me = api.token("citizen", phone="13911110003")
        for _ in range(100):  # the read model catches up with the start
            r = await client.post(f"/citizen/cases/{other}/cancel", json={"reason": "自行协商"}, headers=me)
            if r.status_code == 200:
                break
            await asyncio.sleep(0.2)
        assert r.status_code == 200, r.text
        for _ in range(100):  # the outcome is recorded by the read-model writer
            if _sample(
                await _scrape(running.worker_metrics_url), "kuaichu_cases_ended_total", outcome="cancelled"
            ):
                break
            await asyncio.sleep(0.2)
    return Walked(walk.case_number, other, rid)


async def _scrape(base: str, headers: dict[str, str] | None = None) -> str:
    async with httpx.AsyncClient(timeout=10) as client:
        r = await client.get(f"{base}/metrics", headers=headers or {})
    assert r.status_code == 200, r.text
    return r.text


def _sample(text: str, name: str, **labels: str) -> float:
    """The sum of a metric's samples whose labels include ``labels``."""
    total = 0.0
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
                total += s.value
    return total


async def test_the_worker_metrics_show_the_cases_business_metrics(running: Running, walked: Walked) -> None:
    text = await _scrape(running.worker_metrics_url)
    district = running.api.alert_body()["location"]["district"]
    assert _sample(text, "kuaichu_cases_ended_total", outcome="cancelled", district=district) == 1
    assert _sample(text, "kuaichu_cases_reported_total", district=district) == 2
    assert _sample(text, "kuaichu_cases_served_total", district=district) == 1
    for milestone in ("seat_answer", "evidence_fixed", "decision", "notice", "service"):
        assert _sample(text, "kuaichu_case_milestone_seconds_count", milestone=milestone) == 1, milestone
        assert _sample(text, "kuaichu_case_milestone_seconds_sum", milestone=milestone) > 0, milestone
    assert _sample(text, "kuaichu_sms_total", template="you_may_leave", result="sent") == 2
    assert _sample(text, "kuaichu_claims_total", result="filed") == 2
    # the Temporal SDK's own runtime metrics, from the same endpoint
    assert "temporal_worker_task_slots_available" in text or "temporal_request" in text
    assert any(f.name.startswith("temporal_") for f in text_string_to_metric_families(text))
    # no case number, phone or ID number in any label
    for secret in (walked.served, walked.cancelled, *PHONES, *(r["id_number"] for r in LICENCES)):
        assert secret not in text


async def test_the_api_metrics_need_the_token_and_count_requests_by_route(
    running: Running, walked: Walked
) -> None:
    async with httpx.AsyncClient(base_url=running.api_url, timeout=10) as client:
        assert (await client.get("/metrics")).status_code == 401
        wrong = await client.get("/metrics", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401 and wrong.json()["code"] == "INVALID_TOKEN"
    text = await _scrape(running.api_url, {"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert (
        _sample(text, "kuaichu_http_requests_total", method="POST", route="/citizen/alerts", status="2xx")
        == 2
    )
    accepted = "/seat/cases/{case_number}/accept"
    assert _sample(text, "kuaichu_http_request_duration_seconds_count", method="POST", route=accepted) >= 1
    assert walked.served not in text and walked.cancelled not in text


def _json_lines(path: Path) -> list[dict[str, object]]:
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [json.loads(line) for line in lines]  # every line is JSON: a non-JSON line fails here


async def test_one_request_id_in_api_workflow_and_activity_logs_with_no_personal_data_in_clear(
    running: Running, walked: Walked
) -> None:
    api_lines, worker_lines = _json_lines(running.api_log), _json_lines(running.worker_log)
    rid = walked.request_id
    mine = [line for line in api_lines if line.get("request_id") == rid]
    assert mine and all(line["service"] == "api" for line in mine), api_lines[-5:]
    activities = {line.get("activity_type") for line in worker_lines if line.get("request_id") == rid}
    assert {"check_eligibility", "record_step"} <= activities, activities
    # the workflow's own lines (workflow.logger) carry the id of the update's HTTP request
    [cancel_call] = [
        line
        for line in api_lines
        if f'POST /citizen/cases/{walked.cancelled}/cancel HTTP/1.1" 200' in str(line["event"])
    ]
    received = [
        line
        for line in worker_lines
        if line["event"] == "update cancel received" and line.get("workflow_id") == f"case-{walked.cancelled}"
    ]
    assert [line.get("request_id") for line in received] == [cancel_call["request_id"]], received
    # every line has its fields
    for line in api_lines + worker_lines:
        assert {"ts", "level", "logger", "service", "event"} <= line.keys(), line
    text = running.api_log.read_text(encoding="utf-8") + running.worker_log.read_text(encoding="utf-8")
    people = [r for r in LICENCES if r["licence_number"] in {s.licence_number for s in SCENARIOS.values()}]
    for secret in ("13911110001", "13911110002", "13911110003", "13911110004"):
        assert secret not in text, secret
    for person in people:
        assert person["id_number"] not in text and person["name"] not in text, person["licence_number"]


async def test_the_api_echoes_a_plain_request_id_and_replaces_a_forged_one(running: Running) -> None:
    async with httpx.AsyncClient(base_url=running.api_url, timeout=10) as client:
        plain = await client.get("/healthz", headers={"X-Request-ID": "lb-7f3a.1"})
        forged = await client.get("/healthz", headers={"X-Request-ID": 'x", "level": "forged'})
        none = await client.get("/nowhere")
    assert plain.headers["x-request-id"] == "lb-7f3a.1"
    assert len(forged.headers["x-request-id"]) == 32 and "forged" not in forged.headers["x-request-id"]
    assert none.status_code == 404 and len(none.headers["x-request-id"]) == 32
