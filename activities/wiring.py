"""Builds every activity of the case workflow from the settings: the embedded providers by
default, the real adapters when settings select them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from activities.insurers import ClaimActivities, InsurerClient
from activities.notice.activity import NoticeActivities
from activities.records import RecordActivities
from activities.registry import DatabaseRegistry, RegistryActivities, RegistryProvider
from activities.rules import RulesActivities, RulesConfig
from activities.sandbox_insurer import SandboxInsurer
from activities.sms import OutboxSmsProvider, SmsActivities, SmsProvider
from activities.video import LocalVideoProvider, VideoActivities, VideoProvider
from settings import Settings


class Providers:
    """The external systems behind the activities, picked by settings (switching needs no code
    change); tests pass in-process or faulty providers by keyword, or use `in_process`.

    | setting                    | values (default first)  | provider                                  |
    |----------------------------|-------------------------|-------------------------------------------|
    | KUAICHU_VIDEO_PROVIDER     | local, twilio           | LocalVideoProvider / TwilioVideoProvider  |
    | KUAICHU_SMS_PROVIDER       | outbox, twilio          | OutboxSmsProvider / TwilioSmsProvider     |
    | KUAICHU_REGISTRY_PROVIDER  | http, database          | HttpRegistry (default: API sandbox) / DatabaseRegistry |
    | KUAICHU_INSURER_PROVIDER   | http, sandbox           | PICC/CPIC/PINGAN HTTP adapters (default: API sandbox) / SandboxInsurer |
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
    ) -> None:
        self.video: VideoProvider = video or _video(settings)
        self.sms: SmsProvider = sms or _sms(settings)
        self.registry: RegistryProvider = registry or _registry(settings, sessions)
        self.insurers: dict[str, InsurerClient] = (
            insurers if insurers is not None else _insurers(settings, sessions)
        )

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
        from activities import twilio_video

        return twilio_video.from_settings(settings)
    return LocalVideoProvider(
        settings.video_token_secret, timedelta(seconds=settings.video_token_ttl_seconds)
    )


def _sms(settings: Settings) -> SmsProvider:
    if settings.sms_provider == "twilio":
        from activities import twilio_sms

        return twilio_sms.from_settings(settings)
    return OutboxSmsProvider()


def _registry(settings: Settings, sessions: async_sessionmaker[AsyncSession]) -> RegistryProvider:
    if settings.registry_provider == "database":
        return DatabaseRegistry(sessions)
    from activities.registry_http import HttpRegistry

    return HttpRegistry(
        settings.registry_url(),
        settings.registry_api_key or settings.sandbox_api_key,
        timeout=settings.registry_timeout_seconds,
    )


def _insurers(settings: Settings, sessions: async_sessionmaker[AsyncSession]) -> dict[str, InsurerClient]:
    codes = _codes(settings.connected_insurers)
    if settings.insurer_provider == "sandbox":
        return {code: SandboxInsurer(code, sessions) for code in codes}
    from activities.insurer_http import insurer_clients_from_settings

    return dict(insurer_clients_from_settings(settings, codes))


def _codes(csv: str) -> list[str]:
    return [c.strip().upper() for c in csv.split(",") if c.strip()]


def build_activities(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], providers: Providers | None = None
) -> list[Callable[..., Any]]:
    p = providers or Providers(settings, sessions)
    rules = RulesActivities(
        RulesConfig(
            sessions,
            settings.pilot_area_file,
            settings.service_windows,
            settings.calendar_overrides_file,
            settings.timezone,
        )
    )
    video = VideoActivities(p.video, sessions)
    sms = SmsActivities(sessions, p.sms)
    registry = RegistryActivities(p.registry)
    claims = ClaimActivities(sessions, p.insurers)
    notices = NoticeActivities.from_settings(settings, sessions)
    records = RecordActivities(sessions, settings.hash_secret)
    return [
        rules.check_eligibility,
        rules.working_days_deadline,
        video.create_video_room,
        video.issue_video_token,
        video.complete_video_room,
        sms.send_sms,
        registry.verify_party,
        claims.file_claim,
        claims.notify_insurer_amendment,
        notices.issue_notice,
        records.record_step,
        records.retain_evidence,
    ]
