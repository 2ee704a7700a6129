"""Video rooms and access tokens. Embedded provider: `LocalVideoProvider` (simulated video:
rooms are named and tokens signed locally, no media flows). Twilio Video lives in
activities/twilio_video.py. Identities never contain personal data (case number + party id)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Protocol

import jwt
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio import activity

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


class VideoActivities:
    def __init__(
        self, provider: VideoProvider, sessions: async_sessionmaker[AsyncSession] | None = None
    ) -> None:
        self._provider = provider
        self._sessions = sessions  # to keep the room's recordings as evidence (providers that record)

    @activity.defn(name=act.CREATE_VIDEO_ROOM)
    async def create_video_room(self, req: act.RoomRequest) -> act.RoomInfo:
        return await self._provider.create_room(room_name_for(req.case_number, req.sequence))

    @activity.defn(name=act.ISSUE_VIDEO_TOKEN)
    async def issue_video_token(self, req: act.TokenRequest) -> VideoAccess:
        return await self._provider.issue_token(req.room_name, req.identity)

    @activity.defn(name=act.COMPLETE_VIDEO_ROOM)
    async def complete_video_room(self, room: act.RoomInfo) -> None:
        await self._provider.complete_room(room)
        if self._sessions is not None and hasattr(self._provider, "list_recordings"):
            # a provider that records (Twilio): its recordings become evidence rows (6 months;
            # permanent when used as evidence). Idempotent, so a retried activity is harmless.
            from activities.twilio_video import store_room_recordings

            await store_room_recordings(self._sessions, self._provider, room)  # type: ignore[arg-type]
