"""The office's own days off, edited from the dashboard: add one, remove one, and each year copy last
year's cuti bersama as a proposal the admin confirms day by day (bot/workdays.py reads them).

Each refusal is a DayOffError whose `key` names the dashboard message that explains it and whose
`values` fill its placeholders.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models.days_off import CUTI_BERSAMA, KINDS, OfficeDayOff
from bot.offices import WEEKDAYS, Office
from bot.workdays import forget, holiday_name, national_year

NAME_MIN, NAME_MAX = 3, 120
# A cuti bersama sits next to a national holiday; the copy helper looks this far for it.
NEAREST_HOLIDAY_DAYS = 7
_ESTIMATED = re.compile(r"\s*\((perkiraan|estimated)\)\s*$", re.IGNORECASE)


class DayOffError(ValueError):
    key = "days_off_page.error.invalid"

    def __init__(self, **values: object):
        super().__init__(self.key)
        self.values = values


class NameRequired(DayOffError):
    key = "days_off_page.error.name"


class UnknownKind(DayOffError):
    key = "days_off_page.error.kind"


class NationalHoliday(DayOffError):
    """The day is a national holiday already: the office is closed then and says so by its national name."""

    key = "days_off_page.error.national"


class ClosedAnyway(DayOffError):
    """The office does not open on that weekday at all."""

    key = "days_off_page.error.closed_anyway"


class AlreadyOff(DayOffError):
    key = "days_off_page.error.taken"


@dataclass(frozen=True)
class Entry:
    """What the form sends, before checking."""

    day: date
    name: str
    kind: str


def listing(session: Session, office: str, year: int) -> list[OfficeDayOff]:
    return list(session.scalars(select(OfficeDayOff).where(
        OfficeDayOff.office == office, OfficeDayOff.day >= date(year, 1, 1), OfficeDayOff.day <= date(year, 12, 31))
        .order_by(OfficeDayOff.day)))


def add(session: Session, office: Office, entry: Entry, username: str) -> OfficeDayOff:
    """Checks the entry and adds it (flushed, not committed). Raises DayOffError."""
    name = " ".join(entry.name.split())
    if not NAME_MIN <= len(name) <= NAME_MAX:
        raise NameRequired()
    if entry.kind not in KINDS:
        raise UnknownKind()
    national = holiday_name(entry.day)
    if national:
        raise NationalHoliday(holiday=national)
    if not office.opening_hours.get(WEEKDAYS[entry.day.weekday()]):
        raise ClosedAnyway()
    taken = session.scalar(select(OfficeDayOff).where(OfficeDayOff.office == office.slug,
                                                      OfficeDayOff.day == entry.day))
    if taken is not None:
        raise AlreadyOff(name=taken.name)
    row = OfficeDayOff(office=office.slug, day=entry.day, name=name, kind=entry.kind, created_by=username[:64])
    session.add(row)
    session.flush()
    forget(session, office.slug)
    return row


def delete(session: Session, row: OfficeDayOff) -> None:
    session.delete(row)
    session.flush()
    forget(session, row.office)


@dataclass(frozen=True)
class Proposal:
    """One of last year's cuti bersama, proposed for `day` this year; the admin edits or confirms the date."""

    source: date  # last year's date
    name: str
    day: date
    near: str | None  # the national holiday it was moved with ("Hari Raya Idul Fitri (perkiraan)"), or None


def _bare(name: str) -> str:
    return _ESTIMATED.sub("", name).strip().lower()


def _moved(source: date, year: int) -> tuple[date, str | None]:
    """Last year's date carried to `year`: kept beside the national holiday it sat next to (Idulfitri moves
    about eleven days a year), else the same day and month."""
    last = national_year(source.year)
    near = min(last, key=lambda h: abs((h[0] - source).days), default=None)
    if near is not None and abs((near[0] - source).days) <= NEAREST_HOLIDAY_DAYS:
        for day, name in national_year(year):
            if _bare(name) == _bare(near[1]):
                return day + (source - near[0]), name
    try:
        return source.replace(year=year), None
    except ValueError:  # 29 February
        return date(year, 2, 28), None


def proposals(session: Session, office: str, year: int) -> list[Proposal]:
    """Last year's cuti bersama for `year`, with their names; those whose name `year` already has are left out."""
    have = {_bare(row.name) for row in listing(session, office, year)}
    found = []
    for row in listing(session, office, year - 1):
        if row.kind != CUTI_BERSAMA or _bare(row.name) in have:
            continue
        day, near = _moved(row.day, year)
        found.append(Proposal(row.day, row.name, day, near))
    return found
