"""Office days: weekdays the office opens, minus Indonesian public holidays (`holidays`, "ID").

Deadlines are counted in whole working days in the office's own zone, as SP4N-LAPOR! counts them:
the day something happens is day 0, the next working day is day 1, and a target of N working days
ends at midnight (office time) after day N. Collective leave (cuti bersama) is not in the holiday
calendar; an office that observes it adds the dates in `extra_holidays`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from bot.offices import WEEKDAYS, Office

DEFAULT_OPEN_DAYS = frozenset(range(5))  # Monday..Friday, when an office lists no opening hours


@lru_cache(maxsize=64)
def national_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("ID", years=year))


def holiday_name(day: date, lang: str = "id") -> str | None:
    """The holiday's name (Indonesian by default), or None on an ordinary day."""
    return holidays.country_holidays("ID", years=day.year, language=lang).get(day)


class Calendar:
    """Working days of one office."""

    def __init__(self, zone: ZoneInfo, open_days: Iterable[int] = DEFAULT_OPEN_DAYS,
                 extra_holidays: Iterable[date] = ()):
        self.zone = zone
        self.open_days = frozenset(open_days)
        self.extra_holidays = frozenset(extra_holidays)

    @classmethod
    def for_office(cls, office: Office, extra_holidays: Iterable[date] = ()) -> Calendar:
        days = {WEEKDAYS.index(day) for day in office.opening_hours} or DEFAULT_OPEN_DAYS
        return cls(office.zone, days, extra_holidays)

    def is_workday(self, day: date) -> bool:
        return (day.weekday() in self.open_days and day not in national_holidays(day.year)
                and day not in self.extra_holidays)

    def local_date(self, moment: datetime) -> date:
        return moment.astimezone(self.zone).date()

    def add_workdays(self, start: date, days: int) -> date:
        """The `days`-th working day after `start` (start itself is day 0, whatever it is)."""
        if days < 0:
            raise ValueError("days must be >= 0")
        current, counted = start, 0
        while counted < days:
            current += timedelta(days=1)
            if self.is_workday(current):
                counted += 1
        return current

    def workdays_between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end` (0 when end <= start)."""
        count, current = 0, start
        while current < end:
            current += timedelta(days=1)
            if self.is_workday(current):
                count += 1
        return count

    def deadline(self, moment: datetime, days: int) -> datetime:
        """Aware UTC instant at which a target of `days` working days from `moment` has passed."""
        last = self.add_workdays(self.local_date(moment), days)
        end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=self.zone)
        return end.astimezone(UTC)

    def next_workday(self, day: date) -> date:
        return self.add_workdays(day, 1)
