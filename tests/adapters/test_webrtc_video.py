"""The self-hosted video provider: room tokens the signalling socket accepts (and refuses), and
the ICE servers a browser gets (coturn's shared-secret credentials expire)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import timedelta

import jwt
import pytest

from adapters import webrtc_video
from adapters.webrtc_video import IceConfig, WebRtcVideoProvider
from settings import Settings

CASE = "LZ20261125-000001"


async def test_tokens_name_the_room_and_the_identity() -> None:
    provider = WebRtcVideoProvider("secret-a-at-least-32-bytes-long-ok", timedelta(minutes=5))
    room = await provider.create_room(f"kc-{CASE}-1")
    assert (
        room.room_sid.startswith("RMRTC")
        and room.room_sid == (await provider.create_room(room.room_name)).room_sid
    )
    access = await provider.issue_token(room.room_name, f"{CASE}-P1")
    claims = provider.room_claims(access.token)
    assert (claims.room_name, claims.identity) == (room.room_name, f"{CASE}-P1")
    with pytest.raises(jwt.PyJWTError):  # another key
        WebRtcVideoProvider("secret-b-at-least-32-bytes-long-ok", timedelta(minutes=5)).room_claims(
            access.token
        )
    expired = await WebRtcVideoProvider(
        "secret-a-at-least-32-bytes-long-ok", timedelta(seconds=-1)
    ).issue_token(room.room_name, "x")
    with pytest.raises(jwt.ExpiredSignatureError):
        provider.room_claims(expired.token)
    local = jwt.encode(
        {"iss": "kuaichu-local-video", "sub": "x", "room": "r", "exp": 4_000_000_000},
        "secret-a-at-least-32-bytes-long-ok",
    )
    with pytest.raises(jwt.InvalidIssuerError):  # a local provider's token is not a room token here
        provider.room_claims(local)


def test_ice_servers_with_expiring_turn_credentials() -> None:
    ice = IceConfig(
        stun_urls=("stun:turn.example:3478",),
        turn_urls=("turn:turn.example:3478?transport=udp", "turns:turn.example:5349"),
        turn_secret="coturn-secret",
        turn_ttl=timedelta(minutes=10),
    )
    provider = WebRtcVideoProvider("s", timedelta(minutes=5), ice)
    stun, turn = provider.ice_servers(f"{CASE}-P1", now=1_000_000.0)
    assert stun == {"urls": ["stun:turn.example:3478"]}
    assert turn["username"] == f"1000600:{CASE}-P1"
    expected = base64.b64encode(hmac.new(b"coturn-secret", turn["username"].encode(), hashlib.sha1).digest())
    assert turn["credential"] == expected.decode() and len(turn["urls"]) == 2
    assert provider.ice_transport_policy == "all"

    static = WebRtcVideoProvider(
        "s",
        timedelta(minutes=5),
        IceConfig(turn_urls=("turn:t:3478",), turn_username="u", turn_password="p", relay_only=True),
    )
    assert static.ice_servers("x") == [{"urls": ["turn:t:3478"], "username": "u", "credential": "p"}]
    assert static.ice_transport_policy == "relay"
    assert WebRtcVideoProvider("s", timedelta(minutes=5)).ice_servers("x") == []


def test_from_settings() -> None:
    s = Settings(
        _env_file=None,
        webrtc_stun_urls="stun:a:3478, stun:b:3478",
        webrtc_turn_urls="turn:a:3478",
        webrtc_turn_secret="k",
        webrtc_relay_only=True,
    )
    provider = webrtc_video.from_settings(s)
    assert provider.ice_servers("x")[0] == {"urls": ["stun:a:3478", "stun:b:3478"]}
    assert provider.ice_transport_policy == "relay"
    assert Settings(_env_file=None).video_provider == "webrtc"
