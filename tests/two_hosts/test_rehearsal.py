"""The two-host rehearsal (issue 13, "A deployment that scales out"): two API processes and two
worker processes, each with a var_dir of its own (its "host's disk"), on one PostgreSQL database,
one S3 object store (SeaweedFS) and one Temporal dev server; secrets and keys from the environment
as in production. A case is walked through API A and API B alternately (every request to the
other host); evidence uploaded on A is downloaded on B; the notice, issued by whichever worker
took the activity, downloads alike from either API and verifies on either; the two workers keep
one retention schedule between them."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import os
import secrets
import sys
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from temporalio.client import Client

from db.seed_registry import seed_registry
from db.session import ensure_schema, make_engine, make_sessionmaker
from settings import Settings
from tests.api.conftest import Api, image_bytes
from tests.conftest import fresh_postgres_database
from tests.faults.processes import ROOT, Process, temporal_server, wait_port, worker
from tests.live_server import free_port
from tests.s3_server import S3Server
from tests.walker import CaseWalker
from worker import RETENTION_SCHEDULE_ID

pytestmark = pytest.mark.postgres


class Alternating(httpx.AsyncBaseTransport):
    """Each request to the next host in turn, as a round-robin load balancer would."""

    def __init__(self, *bases: str) -> None:
        self.bases = [httpx.URL(b) for b in bases]
        self.inner = httpx.AsyncHTTPTransport()
        self.sent = 0
        self.hits: Counter[int] = Counter()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        base = self.bases[self.sent % len(self.bases)]
        self.sent += 1
        self.hits[base.port or 0] += 1
        request.url = request.url.copy_with(scheme=base.scheme, host=base.host, port=base.port)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


@dataclass
class Deployment:
    api: Api  # tokens and alert bodies for these settings (no app: the APIs are processes)
    urls: tuple[str, str]
    workers: tuple[Process, Process]
    temporal_address: str
    server: S3Server
    bucket: str


def _secrets() -> dict[str, str]:
    key = Ed25519PrivateKey.generate()
    raw = key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    pub = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    shared = {
        f"KUAICHU_{n}": secrets.token_urlsafe(32)
        for n in ("HASH_SECRET", "JWT_SECRET", "VIDEO_TOKEN_SECRET", "SANDBOX_API_KEY")
    }
    return shared | {
        "KUAICHU_PAYLOAD_KEYS": "k1:" + base64.b64encode(secrets.token_bytes(32)).decode(),
        "KUAICHU_NOTICE_SIGNING_KEY_B64": base64.b64encode(raw).decode(),
        "KUAICHU_NOTICE_PUBLIC_KEY_B64": base64.b64encode(pub).decode(),
    }


async def _ready(url: str, within: float = 60.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    async with httpx.AsyncClient(timeout=5) as client:
        while asyncio.get_running_loop().time() < deadline:
            try:
                if (await client.get(f"{url}/readyz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.3)
    raise AssertionError(f"{url} never ready")


@pytest.fixture(scope="module")
async def deployment(
    s3_server: S3Server, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Deployment]:
    root: Path = tmp_path_factory.mktemp("two-hosts")
    bucket = s3_server.new_bucket()
    async with fresh_postgres_database() as database_url:
        await ensure_schema(database_url)
        engine = make_engine(database_url)
        async with make_sessionmaker(engine).begin() as session:
            await seed_registry(session)
        await engine.dispose()

        temporal_port = free_port()
        temporal = temporal_server(temporal_port, root / "temporal.db", root / "temporal.log")
        common = (
            dict(os.environ)
            | _secrets()
            | s3_server.env(bucket)
            | {
                "KUAICHU_DATABASE_URL": database_url,
                "KUAICHU_TEMPORAL_ADDRESS": f"127.0.0.1:{temporal_port}",
                "KUAICHU_TASK_QUEUE": f"two-hosts-{uuid.uuid4().hex[:8]}",
                "KUAICHU_VIDEO_PROVIDER": "local",
                "KUAICHU_REGISTRY_PROVIDER": "database",
                "KUAICHU_INSURER_PROVIDER": "sandbox",
                "PYTHONPATH": str(ROOT),
            }
        )
        ports = (free_port(), free_port())
        apis = [
            Process(
                f"api-{n}",
                [sys.executable, "-m", "tests.two_hosts.api_host", str(port)],
                common | {"KUAICHU_VAR_DIR": str(root / f"host-api-{n}")},
                root / f"api-{n}.log",
            )
            for n, port in zip("ab", ports, strict=True)
        ]
        workers = [
            worker(common | {"KUAICHU_VAR_DIR": str(root / f"host-worker-{n}")}, root / f"worker-{n}.log")
            for n in "12"
        ]
        started: list[Process] = []
        try:
            temporal.start()
            started.append(temporal)
            await wait_port(temporal_port, 60)
            for p in (*apis, *workers):
                p.start()
                started.append(p)
            urls = (f"http://127.0.0.1:{ports[0]}", f"http://127.0.0.1:{ports[1]}")
            await asyncio.gather(*(_ready(u) for u in urls))
            env = {
                k.removeprefix("KUAICHU_").lower(): v for k, v in common.items() if k.startswith("KUAICHU_")
            }
            settings = Settings(_env_file=None, var_dir=root / "test-side", **env)  # type: ignore[arg-type]
            api = Api(client=None, app=None, settings=settings, sessions=None, backend="postgres")  # type: ignore[arg-type]
            yield Deployment(
                api, urls, (workers[0], workers[1]), f"127.0.0.1:{temporal_port}", s3_server, bucket
            )
        finally:
            for p in reversed(started):
                p.stop()
            _show_failures(root)


def _show_failures(root: Path) -> None:
    """The processes' logs that hold a traceback (shown with -s or on failure)."""
    for log in sorted(root.glob("*.log")):
        text = log.read_text(errors="replace")
        if "Traceback" in text:
            print(f"--- {log.name}\n{text[-3000:]}")


async def test_a_case_through_two_apis_and_two_workers(deployment: Deployment) -> None:
    d = deployment
    api = d.api
    transport = Alternating(*d.urls)
    async with httpx.AsyncClient(transport=transport, base_url=d.urls[0], timeout=60) as both:
        walk = await CaseWalker(both, api.bearer, api.alert_body, patience_s=300).walk(
            ("13700000001", "13700000002")
        )
    assert walk.final_status == "served", walk
    # the walk's ~19 requests (alert, 15 steps, 3 looks) went to both, in turn
    assert all(transport.hits[httpx.URL(u).port or 0] >= 8 for u in d.urls), transport.hits
    case = walk.case_number

    async with (
        httpx.AsyncClient(base_url=d.urls[0], timeout=60) as a,
        httpx.AsyncClient(base_url=d.urls[1], timeout=60) as b,
    ):
        # evidence uploaded on A, downloaded on B
        seat = api.token("seat", "seat-2")
        r = await a.post(
            "/citizen/alerts",
            json=api.alert_body(("13700000003", "13700000004")),
            headers=api.token("citizen", phone="13700000003"),
        )
        assert r.status_code == 201, r.text
        other = r.json()["case_number"]
        for _ in range(100):  # the read model catches up
            if (await b.post(f"/seat/cases/{other}/accept", headers=seat)).status_code == 200:
                break
            await asyncio.sleep(0.2)
        photo = image_bytes("PNG", 4242)
        r = await a.post(
            f"/seat/cases/{other}/evidence",
            headers=seat,
            data={"kind": "overview_front"},
            files={"file": ("shot.png", photo, "image/png")},
        )
        assert r.status_code == 201, r.text
        [item] = (await b.get(f"/seat/cases/{other}/evidence", headers=seat)).json()
        r = await b.get(item["file_url"], headers=seat)
        assert r.status_code == 200 and r.content == photo

        # the walked case's evidence, uploaded through both, downloads from both
        seat1 = api.token("seat", "seat-1")
        for host in (a, b):
            items = (await host.get(f"/seat/cases/{case}/evidence", headers=seat1)).json()
            assert len(items) == 6
            for it in items:
                got = await host.get(it["file_url"], headers=seat1)
                assert hashlib.sha256(got.content).hexdigest() == it["sha256"]

        # the notice from either API, the same bytes, genuine on either
        citizen = api.token("citizen", phone="13700000002")
        pdfs = [(await h.get(f"/citizen/cases/{case}/notice", headers=citizen)) for h in (a, b)]
        assert [p.status_code for p in pdfs] == [200, 200] and pdfs[0].content == pdfs[1].content
        assert pdfs[0].content.startswith(b"%PDF")
        view = (await b.get(f"/citizen/cases/{case}", headers=citizen)).json()
        notice = view["case"]["notices"][-1]
        for h in (a, b):
            check = await h.get(
                f"/notices/{notice['notice_number']}/verify",
                params={"code": notice["short_code"]},
                headers={"Accept": "application/json"},
            )
            assert check.json()["status"] == "genuine", check.text

    # nothing of it on any host's disk: every file is in the bucket
    keys = [o["Key"] for o in d.server.client().list_objects_v2(Bucket=d.bucket)["Contents"]]
    assert f"notices/{case}/{case}-1-v1.pdf" in keys
    assert sum(k.startswith(f"evidence/{case}/") for k in keys) == 6

    # which worker issued the notice (the identity Temporal recorded), and one retention schedule.
    # The notice is a local activity: its marker follows the completion of the workflow task
    # that ran it, and that completion carries the worker's identity.
    client = await Client.connect(d.temporal_address)
    history = await client.get_workflow_handle(f"case-{case}").fetch_history()
    identities, completed_by = [], ""
    for e in history.events:
        if e.HasField("workflow_task_completed_event_attributes"):
            completed_by = e.workflow_task_completed_event_attributes.identity
        marker = e.marker_recorded_event_attributes
        if e.HasField("marker_recorded_event_attributes") and marker.marker_name == "core_local_activity":
            if json.loads(marker.details["data"].payloads[0].data).get("activity_type") == "issue_notice":
                identities.append(completed_by)
    pids = {str(w.proc.pid) for w in d.workers if w.proc is not None}
    assert identities and identities[-1].split("@")[0] in pids, (identities, pids)
    print(f"notice issued by worker {identities[-1]}; requests per API: {dict(transport.hits)}")
    described = await client.get_schedule_handle(RETENTION_SCHEDULE_ID).describe()  # one id: one schedule
    assert described.schedule.action.task_queue == api.settings.task_queue  # type: ignore[union-attr]
