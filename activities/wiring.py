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
    """The external systems behind the activities; tests swap one for a faulty or counting one."""

    def __init__(self, settings: Settings, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.video: VideoProvider = LocalVideoProvider(
            settings.video_token_secret, timedelta(seconds=settings.video_token_ttl_seconds)
        )
        self.sms: SmsProvider = OutboxSmsProvider()
        self.registry: RegistryProvider = DatabaseRegistry(sessions)
        self.insurers: dict[str, InsurerClient] = {
            code: SandboxInsurer(code, sessions) for code in _codes(settings.connected_insurers)
        }


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
    video = VideoActivities(p.video)
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
    ]
