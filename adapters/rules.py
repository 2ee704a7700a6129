"""Rules that depend on configuration data: eligibility (pilot area, service windows, holiday
calendar) and working-day deadlines. The calendar is the official `chinese_calendar` data plus
what administrators loaded (the overrides file and the calendar tables); the workflow keeps each
computed deadline in its state, so replays never recompute it with newer data."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db import repository
from domain.calendar import WorkingDayCalendar
from domain.eligibility import EligibilityConfig


class RulesConfig:
    """Loads the detachment's configuration: the pilot-area file, the service windows, the
    calendar overrides file and the administrator-loaded calendar tables."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        pilot_area_file: Path,
        service_windows: str,
        calendar_file: Path,
        tz: str,
    ) -> None:
        self._sessions = sessions
        self._area: dict[str, Any] = json.loads(pilot_area_file.read_text(encoding="utf-8"))
        self._windows = service_windows
        self._calendar_file = calendar_file
        self.tz = tz

    async def calendar(self) -> WorkingDayCalendar:
        from_file = (
            WorkingDayCalendar.from_file(self._calendar_file)
            if self._calendar_file.exists()
            else WorkingDayCalendar()
        )
        async with self._sessions() as session:
            days, years = await repository.load_calendar_overrides(session)
        return WorkingDayCalendar(
            overrides={**from_file.overrides, **days}, loaded_years=set(from_file.loaded_years) | set(years)
        )

    async def eligibility(self) -> EligibilityConfig:
        return EligibilityConfig.from_sources(self._area, self._windows, await self.calendar(), self.tz)
