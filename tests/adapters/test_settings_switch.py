"""Switching providers is settings only: the same factories the worker's wiring uses, built from
`Settings` (as KUAICHU_* environment variables would give them), reach the stand-ins."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters import twilio_sms, twilio_video
from adapters.insurer_http import CpicClient, PiccClient, PingAnClient, insurer_clients_from_settings
from adapters.registry_http import HttpRegistry
from adapters.sms import OutgoingSms
from settings import Settings
from tests.adapters.conftest import ACCOUNT_SID, API_KEY_SECRET, API_KEY_SID, SERVICE_SID
from tests.adapters.helpers import ACCIDENT, claim_request, new_case
from tests.adapters.sandbox_server import SandboxServer
from tests.adapters.test_insurers import report_of
from tests.adapters.twilio_standin import TwilioStandIn


def test_environment_variables_select_providers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KUAICHU_SMS_PROVIDER", "twilio")
    monkeypatch.setenv("KUAICHU_VIDEO_PROVIDER", "twilio")
    monkeypatch.setenv("KUAICHU_REGISTRY_PROVIDER", "database")
    monkeypatch.setenv("KUAICHU_INSURER_PICC_BASE_URL", "https://picc.example.cn/gw/")
    monkeypatch.setenv("KUAICHU_INSURER_PICC_API_KEY", "picc-key")
    s = Settings(_env_file=None)
    assert (s.sms_provider, s.video_provider, s.registry_provider) == ("twilio", "twilio", "database")
    assert s.insurer_url("PICC") == "https://picc.example.cn/gw"
    assert s.insurer_key("PICC") == "picc-key"
    assert s.insurer_url("CPIC") == "http://127.0.0.1:8000/sandbox/insurers/CPIC"
    assert s.insurer_key("CPIC") == s.sandbox_api_key
    assert s.registry_url() == "http://127.0.0.1:8000/sandbox/registry"


async def test_twilio_from_settings(twilio_standin: TwilioStandIn) -> None:
    s = Settings(
        _env_file=None,
        sms_provider="twilio",
        video_provider="twilio",
        twilio_account_sid=ACCOUNT_SID,
        twilio_api_key_sid=API_KEY_SID,
        twilio_api_key_secret=API_KEY_SECRET,
        twilio_messaging_service_sid=SERVICE_SID,
        twilio_base_url=twilio_standin.url,
        public_base_url="https://kc.example.cn",
    )
    sms = twilio_sms.from_settings(s)
    await sms.send(OutgoingSms(outbox_id=1, idempotency_key="k", to="13800138000", body="【快处】测试"))
    video = twilio_video.from_settings(s)
    await video.create_room("kc-LZ20261125-000001-1")
    message, room = twilio_standin.requests
    assert message.form["StatusCallback"] == "https://kc.example.cn/webhooks/twilio/sms-status"
    assert room.form["StatusCallback"] == "https://kc.example.cn/webhooks/twilio/video-status"
    assert message.auth == room.auth == (API_KEY_SID, API_KEY_SECRET)


async def test_http_defaults_reach_the_api_sandbox(
    sandbox_clean: SandboxServer, sessions: async_sessionmaker[AsyncSession]
) -> None:
    s = sandbox_clean.settings.model_copy(update={"api_internal_url": sandbox_clean.url})
    clients = insurer_clients_from_settings(s, ["PICC", "CPIC", "PINGAN"])
    assert [type(c) for c in clients.values()] == [PiccClient, CpicClient, PingAnClient]
    req = claim_request(await new_case(sessions), "ok_picc")
    assert (await clients["PICC"].report_claim(report_of(req))).startswith("PICC")
    registry = HttpRegistry(s.registry_url(), s.registry_api_key or s.sandbox_api_key)
    assert (await registry.check_vehicle("川E12345", ACCIDENT.date())).status == "valid"
    with pytest.raises(ValueError, match="no HTTP adapter"):
        insurer_clients_from_settings(s, ["CICP"])
