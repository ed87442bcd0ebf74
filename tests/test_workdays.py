"""Working days per office: weekends and 2026's Indonesian public holidays are not counted."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.offices import load_offices
from bot.workdays import Calendar, holiday_name
from config.settings import CONFIG_DIR

WITA = ZoneInfo("Asia/Makassar")
CAL = Calendar(WITA)

# Public holidays in 2026 that fall on a weekday (from the national calendar, SKB 3 Menteri 2025).
HOLIDAYS_2026 = [
    date(2026, 1, 1),    # Tahun Baru Masehi (Thursday)
    date(2026, 1, 16),   # Isra Mikraj (Friday)
    date(2026, 2, 17),   # Tahun Baru Imlek (Tuesday)
    date(2026, 3, 19),   # Hari Suci Nyepi (Thursday)
    date(2026, 4, 3),    # Wafat Yesus Kristus (Friday)
    date(2026, 5, 1),    # Hari Buruh (Friday)
    date(2026, 5, 14),   # Kenaikan Yesus Kristus (Thursday)
    date(2026, 5, 27),   # Iduladha (Wednesday)
    date(2026, 6, 1),    # Hari Lahir Pancasila (Monday)
    date(2026, 6, 16),   # Tahun Baru Islam (Tuesday)
    date(2026, 8, 17),   # Hari Kemerdekaan (Monday)
    date(2026, 8, 25),   # Maulid Nabi (Tuesday)
    date(2026, 12, 25),  # Natal (Friday)
]


@pytest.mark.parametrize("day", HOLIDAYS_2026, ids=str)
def test_weekday_holidays_are_not_working_days(day):
    assert day.weekday() < 5
    assert not CAL.is_workday(day)
    assert holiday_name(day)


@pytest.mark.parametrize("day", HOLIDAYS_2026, ids=str)
def test_one_working_day_after_the_eve_of_a_holiday_skips_it(day):
    eve = date.fromordinal(day.toordinal() - 1)
    after = CAL.add_workdays(eve, 1)
    assert after > day and CAL.is_workday(after)
    assert CAL.workdays_between(eve, after) == 1


@pytest.mark.parametrize(("start", "days", "expected"), [
    (date(2026, 11, 23), 3, date(2026, 11, 26)),   # Monday + 3 = Thursday
    (date(2026, 11, 26), 3, date(2026, 12, 1)),    # Thursday + 3 skips the weekend
    (date(2026, 11, 28), 1, date(2026, 11, 30)),   # a Saturday: the next Monday is day 1
    (date(2026, 12, 22), 5, date(2026, 12, 30)),   # Natal (Fri 25) and the weekend skipped
    (date(2026, 8, 14), 1, date(2026, 8, 18)),     # Friday, weekend, Hari Kemerdekaan (Mon 17)
    (date(2026, 5, 26), 3, date(2026, 6, 2)),      # Iduladha 27 May, weekend, Pancasila 1 June
    (date(2026, 11, 23), 0, date(2026, 11, 23)),
])
def test_add_workdays(start, days, expected):
    assert CAL.add_workdays(start, days) == expected
    assert CAL.workdays_between(start, expected) == days


def test_deadline_ends_at_midnight_office_time_after_the_last_day():
    received = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # Monday 10.00 WITA
    due = CAL.deadline(received, 3)
    assert due == datetime(2026, 11, 26, 16, 0, tzinfo=UTC)  # Friday 00.00 WITA
    wib = Calendar(ZoneInfo("Asia/Jakarta")).deadline(received, 3)
    assert wib == datetime(2026, 11, 26, 17, 0, tzinfo=UTC)


def test_late_evening_counts_in_the_office_zone():
    # 23 Nov 2026 17.00 UTC is already Tuesday 01.00 in WITA: day 0 is Tuesday.
    moment = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)
    assert CAL.local_date(moment) == date(2026, 11, 24)
    assert CAL.deadline(moment, 1) == datetime(2026, 11, 25, 16, 0, tzinfo=UTC)


def test_office_calendar_follows_its_opening_days_and_days_off():
    office = load_offices(CONFIG_DIR).get("kejari-klungkung")
    cal = Calendar.for_office(office, days_off=[date(2026, 12, 24)])  # cuti bersama
    assert cal.zone == WITA
    assert not cal.is_workday(date(2026, 11, 28))  # Saturday
    assert not cal.is_workday(date(2026, 12, 24))
    assert cal.add_workdays(date(2026, 12, 23), 1) == date(2026, 12, 28)
    saturday_office = Calendar(WITA, open_days=range(6))
    assert saturday_office.is_workday(date(2026, 11, 28))
