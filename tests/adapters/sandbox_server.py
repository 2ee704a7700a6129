"""The API's sandbox router (/sandbox/registry, /sandbox/insurers) served by a real uvicorn on
127.0.0.1:<free port>, in the test's event loop, with a fault layer in front that can fail the
next requests to a path: an error status, or a hang before / after the sandbox acted (the
ambiguous timeout: the insurer registered the claim, the answer never arrived)."""

from __future__ import annotations

import asyncio
import socket
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import uvicorn
from fastapi import FastAPI, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.sandbox import router
from settings import Settings


@dataclass
class Fault:
    kind: str  # "error" | "hang_before" | "hang_after"
    status: int = 503
    seconds: float = 3.0


@dataclass
class SandboxServer:
    settings: Settings
    sessions: async_sessionmaker[AsyncSession]
    faults: dict[str, list[Fault]] = field(default_factory=dict)  # path substring -> faults
    hits: list[tuple[str, str, int]] = field(default_factory=list)  # method, path, status
    url: str = ""
    _server: uvicorn.Server | None = None
    _task: asyncio.Task[Any] | None = None

    def fail_next(self, path_part: str, *faults: Fault) -> None:
        self.faults.setdefault(path_part, []).extend(faults)

    def count(self, path_part: str, method: str = "POST") -> int:
        return sum(1 for m, p, _ in self.hits if m == method and path_part in p)

    def app(self) -> FastAPI:
        app = FastAPI()
        app.state.kc = SimpleNamespace(settings=self.settings, sessions=self.sessions)
        app.include_router(router, prefix="/sandbox")

        @app.middleware("http")
        async def faults(request: Request, call_next: Any) -> Response:
            fault = next(
                (q.pop(0) for part, q in self.faults.items() if q and part in request.url.path), None
            )
            if fault is not None and fault.kind == "error":
                self.hits.append((request.method, request.url.path, fault.status))
                return Response('{"message": "stand-in fault"}', status_code=fault.status)
            if fault is not None and fault.kind == "hang_before":
                await asyncio.sleep(fault.seconds)
            response = await call_next(request)
            self.hits.append((request.method, request.url.path, response.status_code))
            if fault is not None and fault.kind == "hang_after":
                await asyncio.sleep(fault.seconds)
            return response

        return app

    async def start(self) -> str:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        config = uvicorn.Config(self.app(), log_level="warning", lifespan="off")
        self._server = uvicorn.Server(config)
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]))
        while not self._server.started:  # noqa: ASYNC110 - uvicorn exposes a flag, not an event
            await asyncio.sleep(0.01)
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    async def stop(self) -> None:
        if self._server and self._task:
            self._server.should_exit = True
            await self._task
