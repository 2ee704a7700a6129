"""The signalling server of the self-hosted video (adapters/webrtc_video.py): one WebSocket per
participant at ``/video/ws``; the browsers exchange their WebRTC offers, answers and ICE
candidates through it and then send media to each other directly (or through TURN).

Protocol (JSON text messages):
- client → server, first, within 10 s: ``{"type": "join", "token": "<room token>"}`` (the token
  the workflow issued: ``POST /citizen/cases/{case}/video-token`` or the seat's accept). It is not
  in the URL, so it never reaches an access log.
- server → client: ``{"type": "welcome", "you": id, "room": name, "peers": [{id, role}],
  "ice_servers": [...], "ice_transport_policy": "all"}``; the newcomer sends an offer to every
  peer already there (only the newcomer offers: no glare).
- ``{"type": "signal", "to": id, "data": {...}}`` is relayed as ``{"type": "signal", "from": id,
  "data": {...}}`` to that peer of the same room; ``{"type": "state", "data": {...}}`` (muted,
  camera) to every other peer; ``{"type": "ping"}`` is answered ``{"type": "pong"}``.
- server → client: ``peer-joined`` / ``peer-left`` ``{"peer": {id, role}}``.
Close codes: 4400 bad message, 4401 bad or expired token, 4403 room full, 4404 provider not
webrtc, 4408 silent for too long (no ping), 4409 the same participant joined again elsewhere,
4410 the case has left the video phase.

The workflow learns who is on the call: joining sends the case's ``video_event`` signal
participant-connected, leaving (or a lost connection) participant-disconnected, with the server
time: the video-lost timer and 继续处理 work with the real call. A participant who joins again
(继续处理, a reload) replaces their old socket without a disconnected event in between.

Rooms live in this process's memory: with several API replicas every socket of a room must reach
one replica. The page adds ``?room=<room name>`` to the URL for the proxy to hash on
(deploy/nginx.conf: a consistent hash); the room itself is the signed token's, never the query's. Logs carry the room name and the identity only (no personal data)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import jwt
from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from starlette.websockets import WebSocketState

from adapters.twilio_video import case_number_of
from adapters.webrtc_video import WebRtcVideoProvider, from_settings
from api.case_reads import load_case
from domain.messages import VideoEvent, VideoEventKind
from workflows.case_workflow import AccidentCaseWorkflow

log = logging.getLogger("kuaichu.api.signalling")
router = APIRouter(tags=["video"])

JOIN_TIMEOUT_S = 10.0
SILENCE_TIMEOUT_S = 25.0  # clients ping every 5 s
MAX_MESSAGE_CHARS = 64 * 1024
VIDEO_PHASE = ("queued", "in_video")


class Close:
    BAD_MESSAGE = 4400
    BAD_TOKEN = 4401
    ROOM_FULL = 4403
    NOT_WEBRTC = 4404
    SILENT = 4408
    REPLACED = 4409
    VIDEO_OVER = 4410


@dataclass
class Peer:
    identity: str
    role: str  # seat | citizen
    ws: WebSocket
    joined_at: float = field(default_factory=time.monotonic)

    def public(self) -> dict[str, str]:
        return {"id": self.identity, "role": self.role}


class Hub:
    """The rooms of this process: room name -> identity -> peer."""

    def __init__(self, provider: WebRtcVideoProvider) -> None:
        self.provider = provider
        self.rooms: dict[str, dict[str, Peer]] = {}

    def peers(self, room: str) -> dict[str, Peer]:
        return self.rooms.setdefault(room, {})

    def remove(self, room: str, peer: Peer) -> bool:
        """Remove the peer if it is still the room's connection for its identity."""
        members = self.rooms.get(room, {})
        if members.get(peer.identity) is not peer:
            return False
        del members[peer.identity]
        if not members:
            self.rooms.pop(room, None)
        return True


def hub_of(ws: WebSocket) -> Hub | None:
    state = ws.app.state
    settings = state.kc.settings
    if settings.video_provider != "webrtc":
        return None
    hub = getattr(state, "video_hub", None)
    if hub is None:
        hub = state.video_hub = Hub(from_settings(settings))
    return hub


async def _send(ws: WebSocket, message: dict[str, Any]) -> None:
    if ws.client_state == WebSocketState.CONNECTED:
        with contextlib.suppress(Exception):  # the other side may be gone already
            await ws.send_text(json.dumps(message, ensure_ascii=False))


async def _receive(ws: WebSocket, within: float) -> dict[str, Any] | None:
    """The next JSON message; None when it is not one (too long, not an object)."""
    text = await asyncio.wait_for(ws.receive_text(), within)
    if len(text) > MAX_MESSAGE_CHARS:
        return None
    try:
        message = json.loads(text)
    except ValueError:
        return None
    return message if isinstance(message, dict) and isinstance(message.get("type"), str) else None


async def _video_event(
    ws: WebSocket, case_number: str, room: str, identity: str, kind: VideoEventKind
) -> None:
    event = VideoEvent(kind=kind, room_name=room, identity=identity, at=datetime.now(UTC))
    try:
        delivered = await ws.app.state.kc.temporal.signal(
            case_number, AccidentCaseWorkflow.video_event, event
        )
    except Exception as err:  # Temporal down: the call goes on; the workflow misses this event
        log.warning("video event %s for %s not delivered: %s", kind.value, identity, type(err).__name__)
        return
    if not delivered:
        log.info("video event for unknown or closed case %s ignored", case_number)


async def _authenticate(ws: WebSocket, hub: Hub) -> tuple[str, str, str] | None:
    """(case number, room, identity) from the join message, or None after closing the socket."""
    try:
        message = await _receive(ws, JOIN_TIMEOUT_S)
    except (TimeoutError, WebSocketDisconnect):
        with contextlib.suppress(Exception):
            await ws.close(Close.BAD_MESSAGE, "join expected")
        return None
    if message is None or message["type"] != "join" or not isinstance(message.get("token"), str):
        await ws.close(Close.BAD_MESSAGE, "join expected")
        return None
    try:
        claims = hub.provider.room_claims(message["token"])
        case_number = case_number_of(claims.room_name)
    except (jwt.PyJWTError, ValueError):
        await ws.close(Close.BAD_TOKEN, "invalid token")
        return None
    if not claims.identity.startswith(f"{case_number}-"):
        await ws.close(Close.BAD_TOKEN, "invalid token")
        return None
    record = await load_case(ws.app.state.kc, case_number)
    if record is not None and record.status not in VIDEO_PHASE:
        await ws.close(Close.VIDEO_OVER, "video phase over")
        return None
    return case_number, claims.room_name, claims.identity


@router.websocket("/video/ws")
async def signalling(ws: WebSocket) -> None:
    await ws.accept()
    hub = hub_of(ws)
    if hub is None:
        await ws.close(Close.NOT_WEBRTC, "video provider is not webrtc")
        return
    joined = await _authenticate(ws, hub)
    if joined is None:
        return
    case_number, room, identity = joined
    role = "seat" if identity.startswith(f"{case_number}-seat-") else "citizen"
    members = hub.peers(room)
    previous = members.get(identity)
    if previous is None and len(members) >= ws.app.state.kc.settings.webrtc_max_participants:
        await ws.close(Close.ROOM_FULL, "room full")
        return
    peer = Peer(identity=identity, role=role, ws=ws)
    members[identity] = peer
    if previous is not None:
        await _send(previous.ws, {"type": "replaced"})
        with contextlib.suppress(Exception):
            await previous.ws.close(Close.REPLACED, "joined again")
    others = [p for p in members.values() if p is not peer]
    await _send(
        ws,
        {
            "type": "welcome",
            "you": identity,
            "room": room,
            "peers": [p.public() for p in others],
            "ice_servers": hub.provider.ice_servers(identity),
            "ice_transport_policy": hub.provider.ice_transport_policy,
        },
    )
    for other in others:
        if previous is not None:
            await _send(other.ws, {"type": "peer-left", "peer": previous.public()})
        await _send(other.ws, {"type": "peer-joined", "peer": peer.public()})
    log.info("video: %s joined %s", identity, room)
    await _video_event(ws, case_number, room, identity, VideoEventKind.PARTICIPANT_CONNECTED)
    try:
        await _relay(ws, hub, room, peer)
    finally:
        if hub.remove(room, peer):
            for other in list(hub.rooms.get(room, {}).values()):
                await _send(other.ws, {"type": "peer-left", "peer": peer.public()})
            log.info("video: %s left %s", identity, room)
            await _video_event(ws, case_number, room, identity, VideoEventKind.PARTICIPANT_DISCONNECTED)


async def _relay(ws: WebSocket, hub: Hub, room: str, peer: Peer) -> None:
    while True:
        try:
            message = await _receive(ws, SILENCE_TIMEOUT_S)
        except TimeoutError:
            with contextlib.suppress(Exception):
                await ws.close(Close.SILENT, "no ping")
            return
        except (WebSocketDisconnect, RuntimeError):
            return
        if hub.rooms.get(room, {}).get(peer.identity) is not peer:
            return  # replaced by a newer connection
        if message is None:
            await ws.close(Close.BAD_MESSAGE, "bad message")
            return
        kind = message["type"]
        if kind == "ping":
            await _send(ws, {"type": "pong"})
        elif kind == "signal" and isinstance(message.get("data"), dict):
            target = hub.rooms.get(room, {}).get(str(message.get("to", "")))
            if target is not None and target is not peer:
                await _send(target.ws, {"type": "signal", "from": peer.identity, "data": message["data"]})
        elif kind == "state" and isinstance(message.get("data"), dict):
            for other in list(hub.rooms.get(room, {}).values()):
                if other is not peer:
                    await _send(other.ws, {"type": "state", "from": peer.identity, "data": message["data"]})
        elif kind == "leave":
            with contextlib.suppress(Exception):
                await ws.close(1000, "left")
            return
