"""The external systems picked by settings: the embedded providers by default, the real adapters
when settings select them."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.insurers import InsurerClient
from adapters.registry import DatabaseRegistry, RegistryProvider
from adapters.rules import RulesConfig
from adapters.sandbox_insurer import SandboxInsurer
from adapters.sms import OutboxSmsProvider, SmsProvider
from adapters.storage import Storage, storage_from_settings
from adapters.video import LocalVideoProvider, VideoProvider
from settings import Settings


class Providers:
    """The external systems behind the activities, picked by settings (switching needs no code
    change); tests pass in-process or faulty providers by keyword, or use `in_process`.

    | setting                    | values (default first)  | provider                                  |
    |----------------------------|-------------------------|-------------------------------------------|
    | KUAICHU_VIDEO_PROVIDER     | webrtc, local, twilio   | WebRtcVideoProvider / LocalVideoProvider / TwilioVideoProvider |
    | KUAICHU_SMS_PROVIDER       | outbox, twilio          | OutboxSmsProvider / TwilioSmsProvider     |
    | KUAICHU_REGISTRY_PROVIDER  | http, database          | HttpRegistry (default: API sandbox) / DatabaseRegistry |
    | KUAICHU_INSURER_PROVIDER   | http, sandbox           | PICC/CPIC/PINGAN HTTP adapters (default: API sandbox) / SandboxInsurer |
    | KUAICHU_STORAGE_PROVIDER   | local, s3               | LocalDiskStore (var_dir) / S3Store (KUAICHU_S3_*): notices, evidence, recordings |
    """

    def __init__(
        self,
        settings: Settings,
        sessions: async_sessionmaker[AsyncSession],
        *,
        video: VideoProvider | None = None,
        sms: SmsProvider | None = None,
        registry: RegistryProvider | None = None,
        insurers: dict[str, InsurerClient] | None = None,
        storage: Storage | None = None,
    ) -> None:
        self.video: VideoProvider = video or _video(settings)
        self.sms: SmsProvider = sms or _sms(settings)
        self.registry: RegistryProvider = registry or _registry(settings, sessions)
        self.insurers: dict[str, InsurerClient] = (
            insurers if insurers is not None else _insurers(settings, sessions)
        )
        self.storage: Storage = storage or storage_from_settings(settings)

    @classmethod
    def in_process(cls, settings: Settings, sessions: async_sessionmaker[AsyncSession]) -> Providers:
        """Registry and insurers in this process (no API running): workflow tests."""
        return cls(
            settings,
            sessions,
            registry=DatabaseRegistry(sessions),
            insurers={code: SandboxInsurer(code, sessions) for code in _codes(settings.connected_insurers)},
        )


def _video(settings: Settings) -> VideoProvider:
    if settings.video_provider == "twilio":
        from adapters import twilio_video

        return twilio_video.from_settings(settings)
    if settings.video_provider == "webrtc":
        from adapters import webrtc_video

        return webrtc_video.from_settings(settings)
    return LocalVideoProvider(
        settings.video_token_secret, timedelta(seconds=settings.video_token_ttl_seconds)
    )


def _sms(settings: Settings) -> SmsProvider:
    if settings.sms_provider == "twilio":
        from adapters import twilio_sms

        return twilio_sms.from_settings(settings)
    return OutboxSmsProvider()


def _registry(settings: Settings, sessions: async_sessionmaker[AsyncSession]) -> RegistryProvider:
    if settings.registry_provider == "database":
        return DatabaseRegistry(sessions)
    from adapters.registry_http import HttpRegistry

    return HttpRegistry(
        settings.registry_url(),
        settings.registry_api_key or settings.sandbox_api_key,
        timeout=settings.registry_timeout_seconds,
    )


def _insurers(settings: Settings, sessions: async_sessionmaker[AsyncSession]) -> dict[str, InsurerClient]:
    codes = _codes(settings.connected_insurers)
    if settings.insurer_provider == "sandbox":
        return {code: SandboxInsurer(code, sessions) for code in codes}
    from adapters.insurer_http import insurer_clients_from_settings

    return dict(insurer_clients_from_settings(settings, codes))


def rules_from_settings(settings: Settings, sessions: async_sessionmaker[AsyncSession]) -> RulesConfig:
    return RulesConfig(
        sessions,
        settings.pilot_area_file,
        settings.service_windows,
        settings.calendar_overrides_file,
        settings.timezone,
    )


def _codes(csv: str) -> list[str]:
    return [c.strip().upper() for c in csv.split(",") if c.strip()]
