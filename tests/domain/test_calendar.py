"""Working-day deadlines against the official 2026 arrangement as shipped by chinese_calendar 1.11:
Spring Festival Feb 15–23 off, Feb 14 (Sat) and Feb 28 (Sat) worked; Mid-autumn Sep 25–27 off;
National Day Oct 1–7 off, Sep 20 (Sun) and Oct 10 (Sat) worked."""

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.calendar import (
    CalendarYearMissing,
    WorkingDayCalendar,
    add_working_days,
    calendar_deadline,
    official_years,
    review_deadline,
    working_days_deadline,
)

SH = ZoneInfo("Asia/Shanghai")
ROOT = Path(__file__).resolve().parents[2]
CAL = WorkingDayCalendar()


def local(*args):
    return datetime(*args, tzinfo=SH)


def end_of(y, m, d):
    """24:00 Asia/Shanghai of the given day, in UTC."""
    return datetime(y, m, d, 16, 0, tzinfo=UTC)


def test_official_data_as_expected():
    assert 2026 in official_years() and 2027 not in official_years()
    assert CAL.is_workday(date(2026, 9, 20))  # Sunday, make-up workday
    assert CAL.is_workday(date(2026, 10, 10))  # Saturday, make-up workday
    assert not any(CAL.is_workday(date(2026, 10, d)) for d in range(1, 8))
    assert CAL.is_workday(date(2026, 2, 14)) and CAL.is_workday(date(2026, 2, 28))
    assert not any(CAL.is_workday(date(2026, 2, d)) for d in range(15, 24))
    assert not CAL.is_workday(date(2026, 10, 11))  # ordinary Sunday


@pytest.mark.parametrize(
    ("served", "deadline"),
    [
        # National Day: Oct 8 (1), Oct 9 (2), Oct 10 Saturday make-up (3)
        (local(2026, 9, 30, 10, 0), end_of(2026, 10, 10)),
        # late evening of Sep 29 is still Sep 29 locally: Sep 30, Oct 8, Oct 9
        (local(2026, 9, 29, 23, 30), end_of(2026, 10, 9)),
        # Sep 20 (Sunday) make-up day counts: Sep 20, 21, 22
        (local(2026, 9, 18, 15, 0), end_of(2026, 9, 22)),
        # Mid-autumn Sep 25-27 skipped: Sep 28, 29, 30
        (local(2026, 9, 24, 9, 0), end_of(2026, 9, 30)),
        # Spring Festival: Feb 14 Saturday make-up (1), Feb 24 (2), Feb 25 (3)
        (local(2026, 2, 13, 16, 0), end_of(2026, 2, 25)),
        # served on the make-up Saturday itself: Feb 24, 25, 26
        (local(2026, 2, 14, 11, 0), end_of(2026, 2, 26)),
        # Feb 27, Feb 28 Saturday make-up, Mar 2
        (local(2026, 2, 26, 10, 0), end_of(2026, 3, 2)),
        # an ordinary week: Wed 2026-11-25 -> Thu, Fri, Mon
        (local(2026, 11, 25, 10, 0), end_of(2026, 11, 30)),
    ],
)
def test_review_deadline_2026(served, deadline):
    assert review_deadline(served.astimezone(UTC), CAL) == deadline


def test_deadline_is_utc_and_same_for_any_input_zone():
    served = local(2026, 9, 30, 10, 0)
    result = review_deadline(served, CAL)
    assert result.tzinfo == UTC
    assert review_deadline(served.astimezone(ZoneInfo("Europe/Paris")), CAL) == result


def test_service_just_after_midnight_local_counts_from_that_local_day():
    # 2026-09-29 16:30 UTC is 2026-09-30 00:30 in Shanghai
    assert review_deadline(datetime(2026, 9, 29, 16, 30, tzinfo=UTC), CAL) == end_of(2026, 10, 10)


def test_ten_working_days_redetermination():
    # from Wed 2026-09-30: Oct 8, 9, 10(Sat), 12, 13, 14, 15, 16, 19, 20
    assert working_days_deadline(local(2026, 9, 30, 12), CAL, 10) == end_of(2026, 10, 20)


def test_add_working_days():
    assert add_working_days(date(2026, 9, 30), 0, CAL) == date(2026, 9, 30)
    assert add_working_days(date(2026, 9, 30), 1, CAL) == date(2026, 10, 8)
    with pytest.raises(ValueError):
        add_working_days(date(2026, 9, 30), -1, CAL)


def test_calendar_deadline_30_days():
    assert calendar_deadline(local(2026, 9, 30, 10), 30) == end_of(2026, 10, 30)
    # 2026-01-31 20:00 UTC is Feb 1 locally: Feb 1 + 30 days = Mar 3
    assert calendar_deadline(datetime(2026, 1, 31, 20, tzinfo=UTC), 30) == end_of(2026, 3, 3)
    # calendar days ignore holidays and work in years without holiday data
    assert calendar_deadline(local(2027, 5, 1, 10), 30) == end_of(2027, 5, 31)


def test_naive_datetimes_refused():
    with pytest.raises(ValueError):
        review_deadline(datetime(2026, 9, 30, 10), CAL)
    with pytest.raises(ValueError):
        calendar_deadline(datetime(2026, 9, 30, 10), 30)


def test_year_without_data_fails_loudly():
    with pytest.raises(CalendarYearMissing) as info:
        CAL.is_workday(date(2027, 3, 1))
    assert info.value.year == 2027
    assert "administrator" in str(info.value)
    # a deadline running over New Year into 2027 needs 2027 data
    with pytest.raises(CalendarYearMissing):
        review_deadline(local(2026, 12, 30, 10), CAL)


def test_administrator_file_for_2027(tmp_path):
    path = tmp_path / "calendar.json"
    path.write_text(
        json.dumps({"years": [2027], "days": {"2027-01-01": False, "2027-02-20": True}}), encoding="utf-8"
    )
    cal = WorkingDayCalendar.from_file(path)
    assert not cal.is_workday(date(2027, 1, 1))  # listed holiday
    assert cal.is_workday(date(2027, 2, 20))  # listed make-up Saturday
    assert not cal.is_workday(date(2027, 2, 21))  # unlisted Sunday
    assert cal.is_workday(date(2027, 3, 1))  # unlisted Monday
    # Dec 31 (1), Jan 1 holiday, weekend, Jan 4 (2), Jan 5 (3)
    assert review_deadline(local(2026, 12, 30, 10), cal) == end_of(2027, 1, 5)
    with pytest.raises(CalendarYearMissing):
        cal.is_workday(date(2028, 1, 3))


def test_single_override_without_declaring_the_year():
    cal = WorkingDayCalendar(overrides={date(2027, 1, 4): True})
    assert cal.is_workday(date(2027, 1, 4))
    with pytest.raises(CalendarYearMissing):
        cal.is_workday(date(2027, 1, 5))


def test_overrides_take_precedence_over_package():
    cal = WorkingDayCalendar(overrides={date(2026, 10, 8): False, date(2026, 10, 11): True})
    # Oct 9 (1), Oct 10 (2), Oct 11 overridden to a workday (3)
    assert review_deadline(local(2026, 9, 30, 10), cal) == end_of(2026, 10, 11)


def test_shipped_file_is_valid_and_empty():
    cal = WorkingDayCalendar.from_file(ROOT / "data" / "calendar_overrides.json")
    assert cal.overrides == {} and cal.loaded_years == frozenset()


@pytest.mark.parametrize(
    "data",
    [
        [],
        {"years": "2027"},
        {"years": [True]},
        {"days": []},
        {"days": {"2027-13-01": False}},
        {"days": {"2027-01-01": "false"}},
        {"days": {"2027-01-01": 0}},
    ],
)
def test_bad_override_data_refused(data):
    with pytest.raises(ValueError):
        WorkingDayCalendar.from_dict(data)


served_2026 = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 10), timezones=st.just(UTC)
)


@given(served_2026, st.integers(1, 10))
def test_deadline_is_end_of_a_working_day_after_service(served, n):
    deadline = working_days_deadline(served, CAL, n)
    assert deadline > served
    assert deadline.tzinfo == UTC
    local_deadline = deadline.astimezone(SH)
    assert (local_deadline.hour, local_deadline.minute, local_deadline.second) == (0, 0, 0)
    last_day = local_deadline.date() - timedelta(days=1)
    assert CAL.is_workday(last_day)
    served_day = served.astimezone(SH).date()
    days = [served_day + timedelta(days=i) for i in range(1, (last_day - served_day).days + 1)]
    assert sum(CAL.is_workday(d) for d in days) == n
