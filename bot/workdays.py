"""Office days, the one answer to "is this office closed on this day, and why": the weekdays it opens,
minus Indonesian public holidays (`holidays`, "ID") and minus the office's own days off (collective
leave, cuti bersama, which the package does not know, and local closures such as Galungan in Bali:
bot/models/days_off.py, edited on the dashboard's Days off page).

`office_calendar(session, office)` reads the office's days off once per session (one query per request,
message or job, however many days are then asked about) and is what visits, the complaint clocks, the
handoff's "back at" and "buka hari ini?" use; `Calendar.for_office(office)` knows national holidays only.

Deadlines are counted in whole working days in the office's own zone, as SP4N-LAPOR! counts them:
the day something happens is day 0, the next working day is day 1, and a target of N working days
ends at midnight (office time) after day N.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import holidays
from sqlalchemy import select

from bot.models.days_off import CUTI_BERSAMA, LOCAL, OfficeDayOff
from bot.offices import WEEKDAYS, Office

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

DEFAULT_OPEN_DAYS = frozenset(range(5))  # Monday..Friday, when an office lists no opening hours
NATIONAL = "national"
HOLIDAY_LANGUAGES = ("id", "en")  # the languages the `holidays` package names Indonesian holidays in
_SESSION_KEY = "loket.calendars"  # Session.info: office slug -> Calendar, read once per session

# How a citizen reads an office's own day off, per language: the kind said beside the name.
_LABELS = {
    "id": {CUTI_BERSAMA: ("cuti bersama", "Cuti Bersama {name}"), LOCAL: ("libur kantor", "{name} (libur kantor)")},
    "en": {CUTI_BERSAMA: ("collective leave", "{name} (collective leave)"),
           LOCAL: ("office closed", "{name} (office closed)")},
}


@lru_cache(maxsize=32)
def _national(year: int, lang: str) -> Mapping[date, str]:
    return dict(holidays.country_holidays("ID", years=year, language=lang))


def national_holidays(year: int) -> frozenset[date]:
    return frozenset(_national(year, "id"))


def holiday_name(day: date, lang: str = "id") -> str | None:
    """The national holiday's name (Indonesian by default), or None on an ordinary day."""
    return _national(day.year, lang if lang in HOLIDAY_LANGUAGES else "id").get(day)


def national_year(year: int, lang: str = "id") -> list[tuple[date, str]]:
    """The year's national holidays, in date order."""
    return sorted(_national(year, lang if lang in HOLIDAY_LANGUAGES else "id").items())


@dataclass(frozen=True)
class DayOff:
    """A day the office is closed although it would open that weekday: a national holiday, or one of its own."""

    day: date
    name: str
    kind: str  # NATIONAL, CUTI_BERSAMA or LOCAL

    def label(self, lang: str = "id") -> str:
        """The name as a citizen reads it: "Hari Raya Natal", "Cuti Bersama Idulfitri", "Hari Raya Galungan
        (libur kantor)"; a name that already says its kind is left as it is."""
        labels = _LABELS.get(lang, _LABELS["id"]).get(self.kind)
        if labels is None:
            return self.name
        said, pattern = labels
        return self.name if said in self.name.lower() else pattern.format(name=self.name)


class Calendar:
    """Working days of one office: its open weekdays minus national holidays and its own `days_off`."""

    def __init__(self, zone: ZoneInfo, open_days: Iterable[int] = DEFAULT_OPEN_DAYS,
                 days_off: Iterable[DayOff | date] = ()):
        self.zone = zone
        self.open_days = frozenset(open_days)
        self.days_off: dict[date, DayOff] = {}
        for entry in days_off:
            if not isinstance(entry, DayOff):  # a bare date: a day off with no name
                entry = DayOff(entry, "", LOCAL)
            self.days_off[entry.day] = entry

    @classmethod
    def for_office(cls, office: Office, days_off: Iterable[DayOff | date] = ()) -> Calendar:
        days = {WEEKDAYS.index(day) for day in office.opening_hours} or DEFAULT_OPEN_DAYS
        return cls(office.zone, days, days_off)

    def closure(self, day: date, lang: str = "id") -> DayOff | None:
        """Why the office is closed on `day` although it may open that weekday: a national holiday first
        (its name in `lang`), then one of the office's own days off; None on an ordinary day."""
        national = holiday_name(day, lang)
        if national:
            return DayOff(day, national, NATIONAL)
        return self.days_off.get(day)

    def holiday(self, day: date, lang: str = "id") -> str | None:
        """The closure's name as a citizen reads it (`DayOff.label`), or None on an ordinary day."""
        closed = self.closure(day, lang)
        return closed.label(lang) if closed else None

    def is_workday(self, day: date) -> bool:
        return (day.weekday() in self.open_days and day not in national_holidays(day.year)
                and day not in self.days_off)

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


def days_off(session: Session, office: str) -> list[DayOff]:
    """The office's own days off, every year, in date order."""
    rows = session.scalars(select(OfficeDayOff).where(OfficeDayOff.office == office).order_by(OfficeDayOff.day))
    return [DayOff(row.day, row.name, row.kind) for row in rows]


def office_calendar(session: Session | None, office: Office) -> Calendar:
    """The office's calendar with its own days off, read once per session and kept in `session.info`
    (sessions live for one request, message or job, so a change shows in the next one, in every
    process). Without a session (a detached record, a tool): national holidays only."""
    if session is None:
        return Calendar.for_office(office)
    cached = session.info.setdefault(_SESSION_KEY, {})
    if office.slug not in cached:
        cached[office.slug] = Calendar.for_office(office, days_off(session, office.slug))
    return cached[office.slug]


def forget(session: Session, office: str) -> None:
    """After a change of the office's days off in this session: the next `office_calendar` reads them again."""
    session.info.get(_SESSION_KEY, {}).pop(office, None)
