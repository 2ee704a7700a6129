"""A local stand-in for the parts of Twilio's REST API that kuaichu uses (Messages; Video rooms
and room recordings), on aiohttp at 127.0.0.1:<free port>. It records every request (method,
path, form, query, Basic auth) and can be told to fail the next calls of a route: an error answer
(status + Twilio code), or a hang longer than the client's timeout, before or after it acted."""

from __future__ import annotations

import asyncio
import base64
import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

from aiohttp import web


def _sid(prefix: str) -> str:
    return prefix + uuid.uuid4().hex  # unique across stand-ins (the test database outlives them)


@dataclass
class Seen:
    method: str
    path: str
    host: str
    form: dict[str, str]
    query: dict[str, str]
    auth: tuple[str, str] | None


@dataclass
class Fault:
    kind: str  # "error" | "hang_before" | "hang_after" (acts, then hangs: the ambiguous case)
    status: int = 500
    code: int | None = None
    seconds: float = 5.0


@dataclass
class TwilioStandIn:
    requests: list[Seen] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)
    rooms: dict[str, dict[str, Any]] = field(default_factory=dict)  # sid -> room
    recordings: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # room sid -> list
    faults: dict[str, list[Fault]] = field(default_factory=dict)  # route -> next faults
    url: str = ""
    _runner: web.AppRunner | None = None

    def fail_next(self, route: str, *faults: Fault) -> None:
        self.faults.setdefault(route, []).extend(faults)

    def seen(self, method: str, suffix: str) -> list[Seen]:
        return [r for r in self.requests if r.method == method and r.path.endswith(suffix)]

    # ------------------------------------------------------------------ server

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/2010-04-01/Accounts/{account}/Messages.json", self._create_message)
        app.router.add_get("/2010-04-01/Accounts/{account}/Messages.json", self._list_messages)
        app.router.add_post("/v1/Rooms", self._create_room)
        app.router.add_get("/v1/Rooms/{room}", self._fetch_room)
        app.router.add_post("/v1/Rooms/{room}", self._update_room)
        app.router.add_get("/v1/Rooms/{room}/Recordings", self._list_recordings)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    async def stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()

    async def _record(self, request: web.Request) -> Seen:
        form = dict(await request.post()) if request.method == "POST" else {}
        auth = None
        header = request.headers.get("Authorization", "")
        if header.startswith("Basic "):
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
            auth = (user, password)
        seen = Seen(
            request.method,
            request.path,
            request.headers.get("X-Twilio-Host", ""),
            {k: str(v) for k, v in form.items()},
            dict(request.query),
            auth,
        )
        self.requests.append(seen)
        return seen

    async def _fault(self, route: str, before: bool) -> web.Response | None:
        queue = self.faults.get(route) or []
        if not queue:
            return None
        fault = queue[0]
        if before and fault.kind == "hang_after":
            return None  # the handler acts first, then comes back here
        queue.pop(0)
        if fault.kind == "error":
            body = {"code": fault.code, "message": f"stand-in fault {fault.code}", "status": fault.status}
            return web.json_response(body, status=fault.status)
        await asyncio.sleep(fault.seconds)  # hang_before / hang_after: longer than the client waits
        return web.json_response({"message": "too late"}, status=504)

    # ------------------------------------------------------------------ messages

    async def _create_message(self, request: web.Request) -> web.Response:
        seen = await self._record(request)
        if (failed := await self._fault("messages.create", before=True)) is not None:
            return failed
        now = datetime.now(UTC)
        message = {
            "sid": _sid("SM"),
            "account_sid": request.match_info["account"],
            "to": seen.form["To"],
            "from": seen.form.get("From"),
            "messaging_service_sid": seen.form.get("MessagingServiceSid"),
            "body": seen.form["Body"],
            "status": "accepted" if "MessagingServiceSid" in seen.form else "queued",
            "date_created": format_datetime(now),
            "date_updated": format_datetime(now),
            "date_sent": None,
            "direction": "outbound-api",
            "num_segments": "1",
            "error_code": None,
            "error_message": None,
        }
        self.messages.append(message)
        if (failed := await self._fault("messages.create", before=False)) is not None:
            return failed
        return web.json_response(message, status=201)

    async def _list_messages(self, request: web.Request) -> web.Response:
        seen = await self._record(request)
        if (failed := await self._fault("messages.list", before=True)) is not None:
            return failed
        to = seen.query.get("To")
        found = [m for m in reversed(self.messages) if to is None or m["to"] == to]
        return web.json_response(
            {
                "messages": found,
                "end": max(len(found) - 1, 0),
                "first_page_uri": request.path_qs,
                "next_page_uri": None,
                "page": 0,
                "page_size": 50,
                "previous_page_uri": None,
                "start": 0,
                "uri": request.path_qs,
            }
        )

    # ------------------------------------------------------------------ video

    def _room_json(self, room: dict[str, Any]) -> dict[str, Any]:
        return {**room, "url": f"https://video.twilio.com/v1/Rooms/{room['sid']}"}

    def _find_room(self, key: str) -> dict[str, Any] | None:
        if key in self.rooms:
            return self.rooms[key]
        return next(
            (r for r in self.rooms.values() if r["unique_name"] == key and r["status"] == "in-progress"),
            None,
        )

    async def _create_room(self, request: web.Request) -> web.Response:
        seen = await self._record(request)
        if (failed := await self._fault("rooms.create", before=True)) is not None:
            return failed
        name = seen.form.get("UniqueName", "")
        if self._find_room(name) is not None:
            body = {"code": 53113, "message": "Room exists", "status": 400}
            return web.json_response(body, status=400)
        now = datetime.now(UTC).isoformat().replace("+00:00", "Z")
        room = {
            "sid": _sid("RM"),
            "unique_name": name,
            "status": "in-progress",
            "type": seen.form.get("Type", "group"),
            "status_callback": seen.form.get("StatusCallback"),
            "record_participants_on_connect": seen.form.get("RecordParticipantsOnConnect") == "true",
            "date_created": now,
            "date_updated": now,
            "end_time": None,
            "duration": None,
            "max_participants": int(seen.form.get("MaxParticipants", "50")),
        }
        self.rooms[room["sid"]] = room
        self.recordings[room["sid"]] = []
        if (failed := await self._fault("rooms.create", before=False)) is not None:
            return failed
        return web.json_response(self._room_json(room), status=201)

    async def _fetch_room(self, request: web.Request) -> web.Response:
        await self._record(request)
        room = self._find_room(request.match_info["room"])
        if room is None:
            return web.json_response({"code": 20404, "message": "not found", "status": 404}, status=404)
        return web.json_response(self._room_json(room))

    async def _update_room(self, request: web.Request) -> web.Response:
        seen = await self._record(request)
        if (failed := await self._fault("rooms.update", before=True)) is not None:
            return failed
        room = self._find_room(request.match_info["room"])
        if room is None:
            return web.json_response({"code": 20404, "message": "not found", "status": 404}, status=404)
        if room["status"] != "in-progress":
            body = {"code": 53118, "message": "Room is not in-progress", "status": 400}
            return web.json_response(body, status=400)
        room["status"] = seen.form.get("Status", room["status"])
        return web.json_response(self._room_json(room))

    def add_recording(self, room_sid: str, kind: str = "video", status: str = "completed") -> str:
        sid = _sid("RT")
        self.recordings[room_sid].append(
            {
                "sid": sid,
                "room_sid": room_sid,
                "source_sid": _sid("MT"),
                "status": status,
                "type": kind,
                "container_format": "mka" if kind == "audio" else "mkv",
                "codec": "opus" if kind == "audio" else "VP8",
                "size": 1024,
                "duration": 30,
                "track_name": kind,
                "date_created": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
                "url": f"https://video.twilio.com/v1/Rooms/{room_sid}/Recordings/{sid}",
                "links": {"media": f"https://video.twilio.com/v1/Rooms/{room_sid}/Recordings/{sid}/Media"},
            }
        )
        return sid

    async def _list_recordings(self, request: web.Request) -> web.Response:
        await self._record(request)
        room = self._find_room(request.match_info["room"])
        items = self.recordings.get(room["sid"], []) if room else []
        meta = {
            "key": "recordings",
            "page": 0,
            "page_size": 100,
            "first_page_url": str(request.url),
            "previous_page_url": None,
            "next_page_url": None,
            "url": str(request.url),
        }
        return web.Response(
            text=json.dumps({"recordings": items, "meta": meta}), content_type="application/json"
        )
