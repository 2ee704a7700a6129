"""The worker's /metrics: kuaichu's business metrics (this process's prometheus_client registry)
followed by the Temporal SDK's runtime metrics (``temporal_*``: task slots, poll and schedule-to-
start latencies, sticky cache...), which the SDK's core serves on a loopback port of its own and
this server reads at each scrape, so each worker replica is one scrape target on one port
(KUAICHU_WORKER_METRICS_PORT). ``/healthz`` answers 200 once the worker polls its task queue
(the compose health check)."""

from __future__ import annotations

import logging
import socket
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig

log = logging.getLogger("kuaichu.worker.metrics")


def free_loopback_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def runtime_with_prometheus(core_port: int) -> Runtime:
    """A Temporal runtime whose core serves its metrics on 127.0.0.1:core_port."""
    return Runtime(telemetry=TelemetryConfig(metrics=PrometheusConfig(bind_address=f"127.0.0.1:{core_port}")))


class WorkerMetricsServer:
    def __init__(self, host: str, port: int, core_port: int) -> None:
        self.core_url = f"http://127.0.0.1:{core_port}/metrics"
        self.ready = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path.split("?")[0] == "/healthz":
                    ok = server.ready.is_set()
                    self._answer(200 if ok else 503, b"ok\n" if ok else b"starting\n", "text/plain")
                elif self.path.split("?")[0] == "/metrics":
                    self._answer(200, server.exposition(), CONTENT_TYPE_LATEST)
                else:
                    self._answer(404, b"not found\n", "text/plain")

            def _answer(self, status: int, body: bytes, content_type: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:  # scrapes are not news
                pass

        self._http = ThreadingHTTPServer((host, port), Handler)
        self._http.daemon_threads = True
        self.port = int(self._http.server_address[1])
        self._thread = threading.Thread(target=self._http.serve_forever, name="metrics", daemon=True)

    def exposition(self) -> bytes:
        ours = generate_latest(REGISTRY)
        try:
            with urllib.request.urlopen(self.core_url, timeout=2) as r:
                core: bytes = r.read()
        except OSError as err:  # the core not serving yet: the business metrics still go out
            log.warning("temporal runtime metrics unavailable: %s", err)
            core = b""
        return ours + b"\n" + core

    def start(self) -> None:
        self._thread.start()
        log.info("metrics on :%d/metrics", self.port)

    def stop(self) -> None:
        self._http.shutdown()
        self._http.server_close()
