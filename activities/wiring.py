"""Builds every activity of the case workflow over the providers that settings select."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from activities.case_doctor import CaseDoctorActivities
from activities.insurers import ClaimActivities
from activities.notice import NoticeActivities
from activities.records import RecordActivities
from activities.registry import RegistryActivities
from activities.retention import RetentionActivities
from activities.rules import RulesActivities
from activities.sms import SmsActivities
from activities.video import VideoActivities
from adapters.sms import SmsSender
from adapters.wiring import Providers, rules_from_settings
from settings import Settings


def build_activities(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], providers: Providers | None = None
) -> list[Callable[..., Any]]:
    p = providers or Providers(settings, sessions)
    rules = RulesActivities(rules_from_settings(settings, sessions))
    video = VideoActivities(p.video, sessions)
    sms = SmsActivities(SmsSender(sessions, p.sms))
    registry = RegistryActivities(p.registry)
    claims = ClaimActivities(sessions, p.insurers)
    notices = NoticeActivities.from_settings(settings, sessions, p.storage.notices)
    records = RecordActivities(sessions, settings.hash_secret)
    doctor = CaseDoctorActivities(sessions)
    retention = RetentionActivities(sessions, p.storage.evidence)
    return [
        rules.check_eligibility,
        rules.working_days_deadline,
        video.create_video_room,
        video.issue_video_token,
        video.complete_video_room,
        sms.send_sms,
        sms.send_sms_batch,
        registry.verify_party,
        claims.file_claim,
        claims.notify_insurer_amendment,
        notices.issue_notice,
        records.record_step,
        records.retain_evidence,
        doctor.heal_stuck_cases,
        retention.purge_expired_evidence,
    ]
