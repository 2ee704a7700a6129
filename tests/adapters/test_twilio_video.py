"""TwilioVideoProvider with the real `twilio` package talking HTTP to a local stand-in;
access tokens decoded with pyjwt."""

from __future__ import annotations

import time
from datetime import timedelta

import jwt
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from temporalio.testing import ActivityEnvironment

from activities.records import RecordActivities
from activities.video import VideoActivities
from adapters.errors import PermanentFailure
from adapters.twilio_http import twilio_client
from adapters.twilio_video import (
    TwilioVideoProvider,
    case_number_of,
    store_room_recordings,
)
from adapters.video import room_name_for
from db import repository
from tests.adapters.conftest import ACCOUNT_SID, API_KEY_SECRET, API_KEY_SID
from tests.adapters.helpers import new_case
from tests.adapters.twilio_standin import Fault, TwilioStandIn

CALLBACK = "https://kuaichu.example.cn/webhooks/twilio/video-status"
CASE = "LZ20261125-000042"


def provider(standin: TwilioStandIn, timeout: float = 2.0) -> TwilioVideoProvider:
    client = twilio_client(
        account_sid=ACCOUNT_SID,
        api_key_sid=API_KEY_SID,
        api_key_secret=API_KEY_SECRET,
        timeout=timeout,
        base_url=standin.url,
    )
    return TwilioVideoProvider(
        client,
        account_sid=ACCOUNT_SID,
        api_key_sid=API_KEY_SID,
        api_key_secret=API_KEY_SECRET,
        status_callback=CALLBACK,
        token_ttl=timedelta(minutes=20),
        max_participants=6,
    )


async def test_create_group_room_with_recording_and_callback(twilio_standin: TwilioStandIn) -> None:
    name = room_name_for(CASE, 1)
    room = await provider(twilio_standin).create_room(name)
    assert room.room_name == name and room.room_sid.startswith("RM")
    [seen] = twilio_standin.requests
    assert (seen.method, seen.path, seen.host) == ("POST", "/v1/Rooms", "video.twilio.com")
    assert seen.form == {
        "UniqueName": name,
        "Type": "group",
        "StatusCallback": CALLBACK,
        "StatusCallbackMethod": "POST",
        "RecordParticipantsOnConnect": "true",
        "MaxParticipants": "6",
    }
    assert seen.auth == (API_KEY_SID, API_KEY_SECRET)


async def test_retried_create_fetches_the_existing_room(twilio_standin: TwilioStandIn) -> None:
    """53113 (room exists, e.g. the first attempt's answer was lost) → the same room."""
    p = provider(twilio_standin, timeout=0.5)
    name = room_name_for(CASE, 2)
    twilio_standin.fail_next("rooms.create", Fault("hang_after", seconds=2))
    with pytest.raises(Exception):  # noqa: B017 - the timeout, whatever httpx calls it
        await p.create_room(name)
    room = await p.create_room(name)
    assert len(twilio_standin.rooms) == 1
    assert room.room_sid == next(iter(twilio_standin.rooms))
    assert twilio_standin.seen("GET", f"/v1/Rooms/{name}")


async def test_create_room_4xx_is_final_5xx_retryable(twilio_standin: TwilioStandIn) -> None:
    p = provider(twilio_standin)
    twilio_standin.fail_next("rooms.create", Fault("error", 400, 53105))
    with pytest.raises(PermanentFailure):
        await p.create_room(room_name_for(CASE, 3))
    twilio_standin.fail_next("rooms.create", Fault("error", 503, 20503))
    with pytest.raises(Exception) as err5:
        await p.create_room(room_name_for(CASE, 3))
    assert not isinstance(err5.value, PermanentFailure)


async def test_complete_room_and_again(twilio_standin: TwilioStandIn) -> None:
    p = provider(twilio_standin)
    room = await p.create_room(room_name_for(CASE, 1))
    await p.complete_room(room)
    assert twilio_standin.rooms[room.room_sid]["status"] == "completed"
    [update] = twilio_standin.seen("POST", f"/v1/Rooms/{room.room_sid}")
    assert update.form == {"Status": "completed"}
    await p.complete_room(room)  # 53118: already ended counts as done


async def test_list_recordings(twilio_standin: TwilioStandIn) -> None:
    p = provider(twilio_standin)
    room = await p.create_room(room_name_for(CASE, 1))
    video = twilio_standin.add_recording(room.room_sid, "video")
    audio = twilio_standin.add_recording(room.room_sid, "audio", status="processing")
    recordings = await p.list_recordings(room)
    assert [(r.sid, r.kind, r.status) for r in recordings] == [
        (video, "video", "completed"),
        (audio, "audio", "processing"),
    ]
    assert recordings[0].url == f"https://video.twilio.com/v1/Rooms/{room.room_sid}/Recordings/{video}"
    assert twilio_standin.seen("GET", f"/v1/Rooms/{room.room_sid}/Recordings")


async def test_access_token_grants(twilio_standin: TwilioStandIn) -> None:
    name = room_name_for(CASE, 1)
    identity = f"{CASE}-P1"
    access = await provider(twilio_standin).issue_token(name, identity)
    header = jwt.get_unverified_header(access.token)
    assert header["cty"] == "twilio-fpa;v=1"
    claims = jwt.decode(access.token, API_KEY_SECRET, algorithms=["HS256"])
    assert claims["grants"] == {"identity": identity, "video": {"room": name}}
    assert claims["iss"] == API_KEY_SID
    assert claims["sub"] == ACCOUNT_SID
    assert abs(claims["exp"] - (time.time() + 20 * 60)) < 5
    assert abs(access.expires_at.timestamp() - claims["exp"]) < 5
    assert access.identity == identity and access.room_name == name
    assert not twilio_standin.requests  # tokens are signed locally


def test_needs_an_api_key() -> None:
    client = twilio_client(account_sid=ACCOUNT_SID, auth_token="t")
    with pytest.raises(ValueError, match="API_KEY"):
        TwilioVideoProvider(
            client, account_sid=ACCOUNT_SID, api_key_sid="", api_key_secret="", status_callback=CALLBACK
        )


def test_case_number_of_room() -> None:
    assert case_number_of(room_name_for(CASE, 12)) == CASE
    with pytest.raises(ValueError):
        case_number_of("other-room")


async def test_recordings_kept_as_evidence_six_months_then_permanent(
    twilio_standin: TwilioStandIn, sessions: async_sessionmaker[AsyncSession]
) -> None:
    case = await new_case(sessions)
    p = provider(twilio_standin)
    room = await p.create_room(room_name_for(case, 1))
    video = twilio_standin.add_recording(room.room_sid, "video")
    audio = twilio_standin.add_recording(room.room_sid, "audio", status="processing")
    twilio_standin.add_recording(room.room_sid, "video", status="failed")
    await p.complete_room(room)
    assert await store_room_recordings(sessions, p, room) == [video, audio]
    assert await store_room_recordings(sessions, p, room) == [video, audio]  # idempotent
    async with sessions() as session:
        rows = {r.evidence_id: r for r in await repository.list_evidence(session, case)}
    assert set(rows) == {video, audio}
    rec = rows[video]
    assert (rec.kind, rec.retention) == ("recording", "6_months")
    assert rec.storage_path == f"https://video.twilio.com/v1/Rooms/{room.room_sid}/Recordings/{video}"
    assert rec.retain_until is not None and rec.retain_until - rec.captured_at >= timedelta(days=181)
    assert await RecordActivities(sessions, "not-secret").retain_evidence(case) == 2
    async with sessions() as session:
        rows = {r.evidence_id: r for r in await repository.list_evidence(session, case)}
    assert {(r.retention, r.retain_until) for r in rows.values()} == {("permanent", None)}


async def test_complete_video_room_activity_keeps_recordings(
    twilio_standin: TwilioStandIn, sessions: async_sessionmaker[AsyncSession]
) -> None:
    case = await new_case(sessions)
    p = provider(twilio_standin)
    room = await p.create_room(room_name_for(case, 1))
    sid = twilio_standin.add_recording(room.room_sid, "video")
    activities = VideoActivities(p, sessions)
    await ActivityEnvironment().run(activities.complete_video_room, room)
    await ActivityEnvironment().run(activities.complete_video_room, room)  # a retry
    async with sessions() as session:
        assert [r.evidence_id for r in await repository.list_evidence(session, case)] == [sid]
    assert twilio_standin.rooms[room.room_sid]["status"] == "completed"


def test_video_callback_to_signal() -> None:
    from adapters.twilio_video import video_event_from_callback
    from domain.messages import VideoEventKind

    event = video_event_from_callback(
        {
            "StatusCallbackEvent": "participant-disconnected",
            "RoomName": room_name_for(CASE, 1),
            "ParticipantIdentity": f"{CASE}-P1",
            "Timestamp": "2026-11-25T02:03:04.000Z",
        }
    )
    assert event.kind == VideoEventKind.PARTICIPANT_DISCONNECTED and event.identity == f"{CASE}-P1"
    assert event.at is not None and event.at.minute == 3
    assert video_event_from_callback({"StatusCallbackEvent": "recording-started"}) is None
