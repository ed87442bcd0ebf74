"""Edges of the office calendar (bot/workdays.py) that the mutation run (bench/mutation.py survey
--modules bot/workdays.py) showed no test decided: national holidays named in the citizen's language
(Indonesian for a language the package does not speak), what a closure says about itself, a bare date
as a day off, the days off in date order, the calendar read once per session and read again after
`forget`, and a calendar without a session."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import pytest

from bot.models.days_off import CUTI_BERSAMA, LOCAL, OfficeDayOff
from bot.workdays import NATIONAL, Calendar, DayOff, days_off, forget, holiday_name, national_year, office_calendar

OFFICE = "kejari-klungkung"
WITA = ZoneInfo("Asia/Makassar")  # Bali's zone, as the Klungkung office uses it
CHRISTMAS = date(2026, 12, 25)
GALUNGAN = date(2026, 11, 24)


def test_national_holidays_are_named_in_the_citizens_language_and_in_indonesian_otherwise():
    assert national_year(2026, "en")[0] == (date(2026, 1, 1), "New Year's Day")
    assert national_year(2026, "id")[0] == national_year(2026, "jv")[0] == (date(2026, 1, 1), "Tahun Baru Masehi")
    assert [day for day, _ in national_year(2026, "en")] == [day for day, _ in national_year(2026)]
    assert holiday_name(CHRISTMAS, "en") == "Christmas Day"
    assert holiday_name(CHRISTMAS, "jv") == holiday_name(CHRISTMAS) == "Hari Raya Natal"
    calendar = Calendar(WITA)
    closed = calendar.closure(CHRISTMAS, "en")
    assert (closed.day, closed.name, closed.kind) == (CHRISTMAS, "Christmas Day", NATIONAL)
    assert calendar.holiday(CHRISTMAS, "en") == "Christmas Day"
    assert calendar.holiday(CHRISTMAS, "id") == calendar.closure(CHRISTMAS).name == "Hari Raya Natal"


def test_a_day_off_in_a_language_loket_does_not_speak_reads_in_indonesian():
    assert DayOff(GALUNGAN, "Hari Raya Galungan", LOCAL).label("jv") == "Hari Raya Galungan (libur kantor)"
    assert DayOff(CHRISTMAS, "Hari Raya Natal", NATIONAL).label("en") == "Hari Raya Natal"


def test_a_bare_date_is_a_nameless_day_off_of_the_office():
    calendar = Calendar(WITA, days_off=[GALUNGAN])
    assert calendar.closure(GALUNGAN) == DayOff(GALUNGAN, "", LOCAL) and not calendar.is_workday(GALUNGAN)
    assert calendar.holiday(GALUNGAN) == " (libur kantor)"


def test_add_workdays_refuses_a_negative_count_saying_so():
    with pytest.raises(ValueError, match=r"^days must be >= 0$"):
        Calendar(WITA).add_workdays(CHRISTMAS, -1)


def _day_off(session, day: date, name: str, kind: str = LOCAL) -> None:
    session.add(OfficeDayOff(office=OFFICE, day=day, name=name, kind=kind, created_by="admin"))
    session.flush()


def test_the_offices_days_off_are_read_in_date_order_once_per_session_and_again_after_forget(runtime):
    office = runtime.offices.get(OFFICE)
    with runtime.db.session() as session:
        _day_off(session, date(2026, 12, 24), "Cuti Bersama Natal", CUTI_BERSAMA)  # added first, later in the year
        _day_off(session, GALUNGAN, "Hari Raya Galungan")
        assert [d.day for d in days_off(session, OFFICE)] == [GALUNGAN, date(2026, 12, 24)]
        calendar = office_calendar(session, office)
        assert office_calendar(session, office) is calendar  # one read per request, message or job
        kuningan = date(2026, 12, 4)
        _day_off(session, kuningan, "Hari Raya Kuningan")
        assert office_calendar(session, office).is_workday(kuningan)  # not read again by itself
        forget(session, OFFICE)
        assert not office_calendar(session, office).is_workday(kuningan)
        session.rollback()
    # Without a session (a detached record, a tool): the national holidays only.
    detached = office_calendar(None, office)
    assert not detached.is_workday(CHRISTMAS) and detached.is_workday(GALUNGAN)

