"""The video call of a case: the provider's room (a new one after the previous ended), who of
the citizens is connected, and since when nobody is — the clock a resume (继续处理) must beat."""

from __future__ import annotations

import asyncio
from datetime import datetime

from domain import activity_contracts as act
from domain.messages import VideoEvent, VideoEventKind


class VideoSession:
    def __init__(self, case_number: str) -> None:
        self._case = case_number
        self.room: act.RoomInfo | None = None
        self.room_ended = False
        self.rooms_created = 0
        self.lock = asyncio.Lock()  # two parties joining at once get the same room
        self.citizens_connected: set[str] = set()
        self.event_at: dict[str, datetime] = {}  # newest provider timestamp per participant
        self.down_since: datetime | None = None  # nobody on the video since then

    @property
    def nobody_on(self) -> bool:
        return not self.citizens_connected or self.room_ended

    @property
    def live_room(self) -> act.RoomInfo | None:
        """The room to join, if there is one that has not ended."""
        return None if self.room_ended else self.room

    def next_room(self) -> act.RoomRequest:
        """The case's next room (its n-th): after none, or after the last one ended."""
        self.rooms_created += 1
        return act.RoomRequest(case_number=self._case, sequence=self.rooms_created)

    def opened(self, room: act.RoomInfo) -> None:
        self.room, self.room_ended = room, False

    def take_room_to_close(self) -> act.RoomInfo | None:
        """The room to complete at the provider, once: None when there is none or it ended."""
        if self.room is None or self.room_ended:
            return None
        self.room_ended = True
        return self.room

    def on_event(self, event: VideoEvent, in_video: bool, now: datetime) -> None:
        """A provider callback. The resume clock starts when the last citizen leaves (or the
        room ends) during the call, and stops when one is back in a live room."""
        if self.room is not None and event.room_name and event.room_name != self.room.room_name:
            return  # an event of a room this case no longer uses
        if event.at is not None:
            # Twilio's signature has no timestamp: a late or replayed event older than the last
            # one seen for this participant must not undo a newer state
            key = event.identity or event.room_name
            last = self.event_at.get(key)
            if last is not None and event.at < last:
                return
            self.event_at[key] = event.at
        citizen = event.identity.startswith(f"{self._case}-P")
        if event.kind == VideoEventKind.ROOM_ENDED:
            self.room_ended = True
            self.citizens_connected.clear()
        elif event.kind == VideoEventKind.PARTICIPANT_CONNECTED and citizen:
            self.citizens_connected.add(event.identity)
        elif event.kind == VideoEventKind.PARTICIPANT_DISCONNECTED and citizen:
            self.citizens_connected.discard(event.identity)
        if self.citizens_connected and not self.room_ended:
            self.down_since = None
        elif in_video and self.down_since is None:
            self.down_since = now
