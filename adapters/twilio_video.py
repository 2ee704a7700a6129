"""Twilio Video behind `VideoProvider`: one group room per case attempt, recording on.

- create_room: `unique_name` = our room name (`kc-<case>-<n>`), `type=group`, status callback to
  our webhook, `record_participants_on_connect=True`. A retried create that meets Twilio's 53113
  ("room exists") fetches the in-progress room by its unique name: same room, same SID.
- issue_token: `AccessToken` signed with an API key (Twilio requires an API key, not the auth
  token, to sign access tokens) + `VideoGrant(room=...)`; identity is "<case>-P1" or
  "<case>-seat-<id>": never a name or phone; TTL from settings.
- complete_room: `status=completed`; a room that already ended (53118) counts as done.
- recordings: `list_recordings(room)` lists the room's recordings; `store_room_recordings` keeps
  each as an evidence row (kind "recording", storage path = the recording's Twilio URL,
  retention 6 months; permanent once a decision rests on them: records.retain_evidence)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from twilio.base.exceptions import TwilioRestException
from twilio.jwt.access_token import AccessToken
from twilio.jwt.access_token.grants import VideoGrant

from adapters.errors import PermanentFailure
from domain import activity_contracts as act
from domain.messages import VideoAccess

log = logging.getLogger("kuaichu.video.twilio")

ROOM_EXISTS = 53113
ROOM_NOT_IN_PROGRESS = 53118
ROOM_NAME_PREFIX = "kc-"


class RoomRecording(BaseModel):
    sid: str
    room_sid: str
    url: str
    kind: str = ""  # audio | video | data
    status: str = ""  # processing | completed | deleted | failed
    track_name: str = ""
    container_format: str = ""
    size: int | None = None
    duration: int | None = None
    created_at: datetime | None = None


class VideoProviderError(Exception):
    """Twilio refused a video call for good (a 4xx that retrying cannot fix)."""


class TwilioVideoProvider:
    name = "twilio"

    def __init__(
        self,
        client: Any,  # twilio.rest.Client with an async http client (adapters.twilio_http)
        *,
        account_sid: str,
        api_key_sid: str,
        api_key_secret: str,
        status_callback: str,
        token_ttl: timedelta = timedelta(hours=1),
        max_participants: int = 10,
    ) -> None:
        if not (api_key_sid and api_key_secret):
            raise ValueError("Twilio Video tokens need KUAICHU_TWILIO_API_KEY_SID and _API_KEY_SECRET")
        self._client = client
        self._account_sid = account_sid
        self._key_sid = api_key_sid
        self._key_secret = api_key_secret
        self._callback = status_callback
        self._ttl = token_ttl
        self._max_participants = max_participants

    async def create_room(self, room_name: str) -> act.RoomInfo:
        rooms = self._client.video.v1.rooms
        try:
            room = await rooms.create_async(
                unique_name=room_name,
                type="group",
                status_callback=self._callback,
                status_callback_method="POST",
                record_participants_on_connect=True,
                max_participants=self._max_participants,
            )
        except TwilioRestException as err:
            if err.code != ROOM_EXISTS:
                raise _final_or_retry(err) from err
            log.info("room %s exists: fetching it (retried create)", room_name)
            try:
                room = await rooms(room_name).fetch_async()
            except TwilioRestException as fetch_err:
                raise _final_or_retry(fetch_err) from fetch_err
        return act.RoomInfo(room_name=room_name, room_sid=str(room.sid))

    async def issue_token(self, room_name: str, identity: str) -> VideoAccess:
        ttl = int(self._ttl.total_seconds())
        token = AccessToken(
            self._account_sid,
            self._key_sid,
            self._key_secret,
            identity=identity,
            ttl=ttl,
            grants=[VideoGrant(room=room_name)],
        )
        jwt = token.to_jwt()
        expires = datetime.now(UTC) + timedelta(seconds=ttl)
        return VideoAccess(
            room_name=room_name,
            identity=identity,
            token=jwt if isinstance(jwt, str) else jwt.decode(),
            expires_at=expires,
        )

    async def complete_room(self, room: act.RoomInfo) -> None:
        try:
            await self._client.video.v1.rooms(room.room_sid or room.room_name).update_async(
                status="completed"
            )
        except TwilioRestException as err:
            if err.code == ROOM_NOT_IN_PROGRESS or err.status == 404:
                return  # already ended (empty-room timeout, or an earlier attempt)
            raise _final_or_retry(err) from err

    async def list_recordings(self, room: act.RoomInfo) -> list[RoomRecording]:
        items = await self._client.video.v1.rooms(room.room_sid or room.room_name).recordings.list_async(
            page_size=100
        )
        return [
            RoomRecording(
                sid=r.sid,
                room_sid=r.room_sid or room.room_sid,
                url=r.url or f"https://video.twilio.com/v1/Recordings/{r.sid}",
                kind=r.type or "",
                status=r.status or "",
                track_name=r.track_name or "",
                container_format=r.container_format or "",
                size=r.size,
                duration=r.duration,
                created_at=r.date_created,
            )
            for r in items
        ]


def _final_or_retry(err: TwilioRestException) -> Exception:
    """4xx (other than 429) → non-retryable; 429/5xx → the exception itself (retried)."""
    if 400 <= err.status < 500 and err.status != 429:
        return PermanentFailure(
            f"TWILIO_VIDEO_{err.code or err.status}",
            f"twilio video refused: HTTP {err.status} error {err.code}",
        )
    return err


def case_number_of(room_name: str) -> str:
    """`kc-<case>-<n>` → `<case>` (activities.video.room_name_for)."""
    if not room_name.startswith(ROOM_NAME_PREFIX):
        raise ValueError(f"not a kuaichu room name: {room_name!r}")
    return room_name[len(ROOM_NAME_PREFIX) :].rsplit("-", 1)[0]


async def store_room_recordings(
    sessions: async_sessionmaker[AsyncSession], provider: TwilioVideoProvider, room: act.RoomInfo
) -> list[str]:
    """Keep the room's recordings as evidence rows (idempotent on the recording SID).
    The media stays at Twilio: the storage path is its URL, the SHA-256 is filled in when the
    media is archived (empty until then). Returns the evidence ids."""
    from db import repository
    from db.session import write_session

    case_number = case_number_of(room.room_name)
    recordings = await provider.list_recordings(room)
    ids: list[str] = []
    async with write_session(sessions) as session:
        for rec in recordings:
            if rec.status in ("deleted", "failed"):
                continue
            await repository.add_evidence(
                session,
                evidence_id=rec.sid,
                case_number=case_number,
                kind="recording",
                storage_path=rec.url,
                sha256="",
                content_type=f"{rec.kind}/{rec.container_format}" if rec.kind else "",
                size_bytes=rec.size,
                captured_by=room.room_name,
                captured_role="system",
                captured_at=rec.created_at,
            )
            ids.append(rec.sid)
    return ids


def from_settings(settings: Any) -> TwilioVideoProvider:
    from adapters.twilio_http import twilio_client_from_settings

    client = twilio_client_from_settings(settings)
    return TwilioVideoProvider(
        client,
        account_sid=settings.twilio_account_sid,
        api_key_sid=settings.twilio_api_key_sid,
        api_key_secret=settings.twilio_api_key_secret,
        status_callback=settings.callback_url(settings.twilio_video_callback_path),
        token_ttl=timedelta(seconds=settings.video_token_ttl_seconds),
        max_participants=settings.twilio_video_max_participants,
    )


def video_event_from_callback(form: dict[str, str]) -> Any:
    """A Twilio Video room status callback (StatusCallbackEvent, RoomName, ParticipantIdentity,
    Timestamp) as the workflow's `VideoEvent` signal, or None for events the workflow does not
    take (room-created, recording-*, track-*). The webhook signals `case-<case_number_of(RoomName)>`;
    on `recording-completed` it may call `store_room_recordings` (idempotent)."""
    from domain.messages import VideoEvent, VideoEventKind

    try:
        kind = VideoEventKind(form.get("StatusCallbackEvent", ""))
    except ValueError:
        return None
    at = None
    if form.get("Timestamp"):
        try:
            at = datetime.fromisoformat(form["Timestamp"].replace("Z", "+00:00"))
        except ValueError:
            at = None
    return VideoEvent(
        kind=kind, room_name=form.get("RoomName", ""), identity=form.get("ParticipantIdentity", ""), at=at
    )
