"""The workflow's video activities: rooms and access tokens from the configured provider."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from activities.declared import implements
from adapters.video import VideoProvider, room_name_for
from domain import activity_contracts as act
from domain.messages import VideoAccess


class VideoActivities:
    def __init__(
        self, provider: VideoProvider, sessions: async_sessionmaker[AsyncSession] | None = None
    ) -> None:
        self._provider = provider
        self._sessions = sessions  # to keep the room's recordings as evidence (providers that record)

    @implements(act.create_video_room)
    async def create_video_room(self, req: act.RoomRequest) -> act.RoomInfo:
        return await self._provider.create_room(room_name_for(req.case_number, req.sequence))

    @implements(act.issue_video_token)
    async def issue_video_token(self, req: act.TokenRequest) -> VideoAccess:
        return await self._provider.issue_token(req.room_name, req.identity)

    @implements(act.complete_video_room)
    async def complete_video_room(self, room: act.RoomInfo) -> None:
        await self._provider.complete_room(room)
        if self._sessions is not None and hasattr(self._provider, "list_recordings"):
            # a provider that records (Twilio): its recordings become evidence rows (6 months;
            # permanent when used as evidence). Idempotent, so a retried activity is harmless.
            from adapters.twilio_video import store_room_recordings

            await store_room_recordings(self._sessions, self._provider, room)  # type: ignore[arg-type]
