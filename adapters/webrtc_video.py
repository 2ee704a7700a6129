"""Self-hosted video: browser WebRTC between the parties and the seat, the API as signalling server
(api/signalling.py). The embedded default (KUAICHU_VIDEO_PROVIDER=webrtc).

- Rooms are named by the workflow (`kc-<case>-<n>`); no media server holds them: the browsers
  connect to each other (a mesh: fine for a seat and up to a handful of parties), through the
  detachment's STUN/TURN servers when they are on different networks.
- Tokens are HS256 JWTs (KUAICHU_VIDEO_TOKEN_SECRET) naming the room and the identity
  ("<case>-P1" / "<case>-seat-<id>": no personal data); the signalling socket verifies them.
- ICE servers come from settings: STUN URLs, TURN URLs with either a static username/password or
  coturn's shared secret (`use-auth-secret`: the username is "<expiry>:<identity>", the password
  base64(HMAC-SHA1(secret, username)), so a leaked credential expires).
- complete_room is a no-op here (nothing to tear down at a vendor); the signalling socket refuses
  joins once the case has left the video phase (read model)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import jwt

from adapters.video import LocalVideoProvider
from domain import activity_contracts as act


@dataclass(frozen=True)
class IceConfig:
    stun_urls: tuple[str, ...] = ()
    turn_urls: tuple[str, ...] = ()
    turn_username: str = ""  # static credentials ...
    turn_password: str = ""
    turn_secret: str = ""  # ... or coturn's static-auth-secret (preferred: expiring credentials)
    turn_ttl: timedelta = timedelta(hours=1)
    relay_only: bool = False  # iceTransportPolicy "relay": media only through the TURN server


@dataclass(frozen=True)
class RoomClaims:
    room_name: str
    identity: str
    expires_at: float


class WebRtcVideoProvider(LocalVideoProvider):
    """Rooms and tokens as the local provider, plus what browsers need to connect: ICE servers."""

    name = "webrtc"
    ISSUER = "kuaichu-webrtc"

    def __init__(self, secret: str, token_ttl: timedelta, ice: IceConfig | None = None) -> None:
        super().__init__(secret, token_ttl)
        self._ice = ice or IceConfig()

    async def create_room(self, room_name: str) -> act.RoomInfo:
        sid = "RMRTC" + hashlib.sha256(room_name.encode()).hexdigest()[:28]
        return act.RoomInfo(room_name=room_name, room_sid=sid)

    def room_claims(self, token: str) -> RoomClaims:
        """The room and identity a token grants; raises jwt.PyJWTError when it is not valid."""
        claims: dict[str, Any] = self.verify_token(token)
        room, identity = claims.get("room"), claims.get("sub")
        if not isinstance(room, str) or not isinstance(identity, str) or not room or not identity:
            raise jwt.InvalidTokenError("token without room or identity")
        return RoomClaims(room_name=room, identity=identity, expires_at=float(claims["exp"]))

    def ice_servers(self, identity: str, now: float | None = None) -> list[dict[str, Any]]:
        """RTCPeerConnection's `iceServers` for one participant."""
        ice = self._ice
        servers: list[dict[str, Any]] = []
        if ice.stun_urls:
            servers.append({"urls": list(ice.stun_urls)})
        if ice.turn_urls:
            if ice.turn_secret:
                expiry = int((now or time.time()) + ice.turn_ttl.total_seconds())
                username = f"{expiry}:{identity}"
                digest = hmac.new(ice.turn_secret.encode(), username.encode(), hashlib.sha1).digest()
                credential = base64.b64encode(digest).decode()
            else:
                username, credential = ice.turn_username, ice.turn_password
            servers.append({"urls": list(ice.turn_urls), "username": username, "credential": credential})
        return servers

    @property
    def ice_transport_policy(self) -> str:
        return "relay" if self._ice.relay_only else "all"


def _urls(csv: str) -> tuple[str, ...]:
    return tuple(u.strip() for u in csv.split(",") if u.strip())


def from_settings(settings: Any) -> WebRtcVideoProvider:
    return WebRtcVideoProvider(
        settings.video_token_secret,
        timedelta(seconds=settings.video_token_ttl_seconds),
        IceConfig(
            stun_urls=_urls(settings.webrtc_stun_urls),
            turn_urls=_urls(settings.webrtc_turn_urls),
            turn_username=settings.webrtc_turn_username,
            turn_password=settings.webrtc_turn_password,
            turn_secret=settings.webrtc_turn_secret,
            turn_ttl=timedelta(seconds=settings.webrtc_turn_ttl_seconds),
            relay_only=settings.webrtc_relay_only,
        ),
    )
