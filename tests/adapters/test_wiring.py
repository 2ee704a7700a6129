"""adapters.wiring.Providers picks providers by settings; tests can pass in-process ones."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters import wiring
from settings import Settings
from tests.adapters.conftest import ACCOUNT_SID, API_KEY_SECRET, API_KEY_SID, SERVICE_SID


def test_defaults_are_embedded_with_http_sandboxes(sessions: async_sessionmaker[AsyncSession]) -> None:
    from adapters.insurer_http import CpicClient, PiccClient, PingAnClient
    from adapters.registry_http import HttpRegistry
    from adapters.sms import OutboxSmsProvider
    from adapters.webrtc_video import WebRtcVideoProvider

    p = wiring.Providers(Settings(_env_file=None), sessions)
    assert isinstance(p.video, WebRtcVideoProvider) and isinstance(p.sms, OutboxSmsProvider)
    assert isinstance(p.registry, HttpRegistry)
    assert [type(c) for c in p.insurers.values()] == [PiccClient, CpicClient, PingAnClient]


def test_twilio_and_in_process(sessions: async_sessionmaker[AsyncSession]) -> None:
    from adapters.registry import DatabaseRegistry
    from adapters.sandbox_insurer import SandboxInsurer
    from adapters.twilio_sms import TwilioSmsProvider
    from adapters.twilio_video import TwilioVideoProvider

    s = Settings(
        _env_file=None,
        video_provider="twilio",
        sms_provider="twilio",
        registry_provider="database",
        insurer_provider="sandbox",
        twilio_account_sid=ACCOUNT_SID,
        twilio_api_key_sid=API_KEY_SID,
        twilio_api_key_secret=API_KEY_SECRET,
        twilio_messaging_service_sid=SERVICE_SID,
    )
    p = wiring.Providers(s, sessions)
    assert isinstance(p.video, TwilioVideoProvider) and isinstance(p.sms, TwilioSmsProvider)
    assert isinstance(p.registry, DatabaseRegistry)
    assert all(isinstance(c, SandboxInsurer) for c in p.insurers.values())
    q = wiring.Providers.in_process(Settings(_env_file=None), sessions)
    assert isinstance(q.registry, DatabaseRegistry) and set(q.insurers) == {"PICC", "CPIC", "PINGAN"}
