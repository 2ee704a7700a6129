"""Working days and legal deadlines (MPS Order 146 Art. 112(5), Art. 74).

Sources of truth for "is this a working day", in order:

1. administrator overrides (``overrides``: date → True workday / False holiday);
2. the official State Council arrangement shipped by the ``chinese_calendar`` package, for the
   years it covers (statutory holidays skipped, make-up workdays 调休 counted);
3. for a year the administrator has declared complete (``loaded_years``): Monday–Friday for the
   days not listed in the overrides;
4. otherwise :class:`CalendarYearMissing` — never a silent weekends-only guess.

Administrator file format (``data/calendar_overrides.json``; the db layer may hold the same data)::

    {
      "years": [2027],                 // years declared complete: load every holiday and make-up
                                       // workday of the year; other days fall back to Mon–Fri
      "days": {"2027-01-01": false,    // false = holiday / rest day
               "2027-02-06": true}     // true  = working day (e.g. a 调休 Saturday)
    }

Both keys are optional; single days may be listed for any year (e.g. to correct the package) without
declaring the year complete. JSON has no comments: the ones above are for the reader only.

Deadlines are returned timezone-aware in UTC. "End of a day" is 24:00 local time, i.e. 00:00 of the
following local day. Naive datetimes are refused (ValueError): pass UTC with tzinfo.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import chinese_calendar

DEFAULT_TZ = "Asia/Shanghai"


class CalendarYearMissing(Exception):
    """No official data and no administrator-loaded calendar for a year."""

    def __init__(self, year: int) -> None:
        self.year = year
        super().__init__(
            f"no working-day calendar for {year}: the chinese_calendar package does not cover it and "
            f"no administrator calendar is loaded; an administrator must load the official {year} "
            "holiday arrangement (calendar overrides) before deadlines in that year can be computed"
        )


def official_years() -> range:
    """The years covered by the installed chinese_calendar package (its own range check)."""
    keys = chinese_calendar.holidays.keys()
    return range(min(keys).year, max(keys).year + 1)


class WorkingDayCalendar:
    def __init__(
        self,
        overrides: Mapping[date, bool] | None = None,
        loaded_years: Iterable[int] = (),
    ) -> None:
        self._overrides: dict[date, bool] = dict(overrides or {})
        self._loaded_years = frozenset(loaded_years)
        self._official = official_years()

    @property
    def overrides(self) -> Mapping[date, bool]:
        return dict(self._overrides)

    @property
    def loaded_years(self) -> frozenset[int]:
        return self._loaded_years

    def has_year(self, year: int) -> bool:
        return year in self._official or year in self._loaded_years

    def is_workday(self, d: date) -> bool:
        if isinstance(d, datetime):
            d = d.date()
        if d in self._overrides:
            return self._overrides[d]
        if d.year in self._official:
            return bool(chinese_calendar.is_workday(d))  # the package has no type information
        if d.year in self._loaded_years:
            return d.weekday() < 5
        raise CalendarYearMissing(d.year)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> WorkingDayCalendar:
        if not isinstance(data, Mapping):
            raise ValueError("calendar overrides must be a JSON object")
        years = data.get("years", [])
        days = data.get("days", {})
        if not isinstance(years, list) or not all(
            isinstance(y, int) and not isinstance(y, bool) for y in years
        ):
            raise ValueError("'years' must be a list of integers")
        if not isinstance(days, Mapping):
            raise ValueError("'days' must be an object of 'YYYY-MM-DD': true|false")
        overrides: dict[date, bool] = {}
        for key, value in days.items():
            if not isinstance(value, bool):
                raise ValueError(f"day {key}: value must be true (workday) or false (holiday)")
            try:
                overrides[date.fromisoformat(key)] = value
            except (TypeError, ValueError) as exc:
                raise ValueError(f"day {key!r}: not a YYYY-MM-DD date") from exc
        return cls(overrides=overrides, loaded_years=years)

    @classmethod
    def from_file(cls, path: str | Path) -> WorkingDayCalendar:
        return cls.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))


def add_working_days(d: date, n: int, calendar: WorkingDayCalendar) -> date:
    """The n-th working day after d (d itself not counted); n == 0 returns d."""
    if n < 0:
        raise ValueError("n must be >= 0")
    current, counted = d, 0
    while counted < n:
        current += timedelta(days=1)
        if calendar.is_workday(current):
            counted += 1
    return current


def local_date(moment: datetime, tz: str = DEFAULT_TZ) -> date:
    """The calendar date of an aware moment in the given zone (Asia/Shanghai by default)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("naive datetime: pass an aware datetime (UTC)")
    return moment.astimezone(ZoneInfo(tz)).date()


def end_of_local_day(d: date, tz: str = DEFAULT_TZ) -> datetime:
    """24:00 local of day d (= 00:00 of the next local day), in UTC."""
    return datetime.combine(d + timedelta(days=1), time(0), tzinfo=ZoneInfo(tz)).astimezone(UTC)


def working_days_deadline(
    start: datetime, calendar: WorkingDayCalendar, n: int, tz: str = DEFAULT_TZ
) -> datetime:
    """End (24:00 local) of the n-th working day after start's local date (that day not counted)."""
    return end_of_local_day(add_working_days(local_date(start, tz), n, calendar), tz)


def review_deadline(
    served_at: datetime,
    calendar: WorkingDayCalendar,
    working_days: int = 3,
    tz: str = DEFAULT_TZ,
) -> datetime:
    """Last moment to apply for review (复核): end of the 3rd working day after the day of service."""
    return working_days_deadline(served_at, calendar, working_days, tz)


def calendar_deadline(start: datetime, days: int, tz: str = DEFAULT_TZ) -> datetime:
    """End (24:00 local) of the days-th calendar day after start's local date (e.g. 30-day review)."""
    if days < 0:
        raise ValueError("days must be >= 0")
    return end_of_local_day(local_date(start, tz) + timedelta(days=days), tz)
