"""Video rooms and access tokens. Embedded provider: `LocalVideoProvider` (simulated video:
rooms are named and tokens signed locally, no media flows). Twilio Video lives in
adapters/twilio_video.py. Identities never contain personal data (case number + party id)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Protocol

import jwt

from domain import activity_contracts as act
from domain.messages import VideoAccess


class VideoProvider(Protocol):
    name: str

    async def create_room(self, room_name: str) -> act.RoomInfo: ...

    async def issue_token(self, room_name: str, identity: str) -> VideoAccess: ...

    async def complete_room(self, room: act.RoomInfo) -> None: ...


class LocalVideoProvider:
    """Simulated: the room id is derived from its name; the token is an HS256 JWT that the local
    video page verifies. Enough to run the whole case flow without a video vendor."""

    name = "local"
    ISSUER = "kuaichu-local-video"

    def __init__(self, secret: str, token_ttl: timedelta) -> None:
        self._secret = secret
        self._ttl = token_ttl

    async def create_room(self, room_name: str) -> act.RoomInfo:
        sid = "RMLOCAL" + hashlib.sha256(room_name.encode()).hexdigest()[:26]
        return act.RoomInfo(room_name=room_name, room_sid=sid)

    async def issue_token(self, room_name: str, identity: str) -> VideoAccess:
        now = datetime.now(UTC)
        expires = now + self._ttl
        claims = {"iss": self.ISSUER, "sub": identity, "room": room_name, "iat": now, "exp": expires}
        token = jwt.encode(claims, self._secret, algorithm="HS256")
        return VideoAccess(room_name=room_name, identity=identity, token=token, expires_at=expires)

    async def complete_room(self, room: act.RoomInfo) -> None:
        return None  # no media server holds the room

    def verify_token(self, token: str) -> dict[str, object]:
        return jwt.decode(token, self._secret, algorithms=["HS256"], issuer=self.ISSUER)


def room_name_for(case_number: str, sequence: int) -> str:
    """Unique per case and attempt, so that a retried create finds the same room."""
    return f"kc-{case_number}-{sequence}"
