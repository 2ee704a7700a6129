"""The workflow's rules activities: eligibility and working-day deadlines, from the detachment's
configuration (adapters.rules.RulesConfig)."""

from __future__ import annotations

from datetime import datetime

from temporalio.exceptions import ApplicationError

from activities.declared import implements
from adapters.rules import RulesConfig
from domain import activity_contracts as act
from domain.calendar import CalendarYearMissing, working_days_deadline
from domain.eligibility import check_eligibility


class RulesActivities:
    def __init__(self, config: RulesConfig) -> None:
        self._config = config

    @implements(act.check_eligibility)
    async def check_eligibility(self, req: act.EligibilityRequest) -> act.EligibilityOutcome:
        try:
            config = await self._config.eligibility()
        except ValueError as err:  # a malformed setting (service hours, time zone): no retry fixes it
            raise ApplicationError(
                f"eligibility configuration: {err}", type="CONFIGURATION_INVALID", non_retryable=True
            ) from err
        result = check_eligibility(req.alert, config)
        return act.EligibilityOutcome(
            eligible=result.eligible,
            refusals=result.refusals,
            district=result.district or "",
            area=result.area or "",
            location_wgs84=result.location_wgs84,
        )

    @implements(act.working_days_deadline)
    async def working_days_deadline(self, req: act.DeadlineRequest) -> datetime:
        calendar = await self._config.calendar()
        try:
            return working_days_deadline(req.start, calendar, req.working_days, self._config.tz)
        except CalendarYearMissing as err:
            # retryable on purpose: once an administrator loads the year, the retry succeeds
            raise ApplicationError(str(err), type="CALENDAR_YEAR_MISSING") from err
