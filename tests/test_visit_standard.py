"""The Standar Pelayanan's own clock (issue 20 §6), bot/visits/standard.py: each office's published standard
loaded from its YAML with the SK it comes from, and visits written to real SQL (SQLite and PostgreSQL) over a
frozen clock, measured from arrival to the host's meeting or refusal and to check-out: median and 90th
percentile on known data, exactly-at-the-standard is within, refusals count, visits that never arrived are
left out and counted, months follow the office's own clock, and an office without a standard says so."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot import clock, simulator
from bot.exceptions import ConfigError
from bot.models.visits import Visit
from bot.offices import GuestStandard, parse_guest_standard
from bot.visits import model, queries, standard

KLK, ALOR, SETDA = "kejari-klungkung", "kejari-alor", "setda-klungkung"
# Monday 23 November 2026, 10:00 WITA: the frozen clock's start.
MORNING = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def _visit(session, office: str, n: int, *, arrived: datetime | None, answer: str | None = None,
           answered: datetime | None = None, left: datetime | None = None, status: str = model.AWAITING_HOST,
           host: str | None = "Komang Wirawan", unit: str | None = "pidum", scheduled: datetime | None = None,
           phone: str | None = None) -> Visit:
    """A visit as the desk and the host's answers leave it (the columns bot/visits/service.py writes)."""
    visit = Visit(office=office, code=queries.free_code(session, office), citizen_phone=phone or f"+62812345{n:05d}",
                  name=f"Tamu {n}", id_type="ktp", id_masked=f"5171********{n:04d}", id_hash=f"{n:064d}",
                  purpose="Konsultasi hukum", host_name=host, unit=unit,
                  scheduled_at=scheduled or arrived or MORNING, status=status, host_answer=answer,
                  answered_at=answered, checked_in_at=arrived, checked_out_at=left, created_at=MORNING)
    session.add(visit)
    return visit


def _minutes(m: int, s: int = 0) -> timedelta:
    return timedelta(minutes=m, seconds=s)


# -- the standards as published ------------------------------------------------------------------------
def test_each_office_carries_its_own_published_standard_and_setda_none(runtime):
    offices = {o.slug: o for o in runtime.offices}
    klungkung = offices[KLK].guest_standard
    assert klungkung.minutes == 10 and "KEP-22/N.1.12/Cr.4/06/2023" in klungkung.source
    alor = offices[ALOR].guest_standard
    assert (alor.minutes, alor.data_entry_minutes, alor.waiting_minutes) == (30, 3, (15, 30))
    assert "KEP-36/N.3.21/Cr.5/08/2024" in alor.source
    assert offices["kejari-kapuas"].guest_standard.minutes == 10
    assert "KEP-19/O.2.12/Cr.5/06/2024" in offices["kejari-kapuas"].guest_standard.source
    assert offices[SETDA].guest_standard is None  # seed 004 publishes no time for receiving guests


@pytest.mark.parametrize("raw", [{"minutes": 10}, {"minutes": 0, "source": "SK"},
                                 {"minutes": "ten", "source": "SK"}, {"minutes": 10, "source": " "},
                                 {"minutes": 30, "source": "SK", "waiting_minutes": [15]}])
def test_a_standard_without_its_minutes_or_its_source_fails_at_load(raw):
    with pytest.raises(ConfigError, match="guest_standard"):
        parse_guest_standard(raw, "offices/x.yaml")


# -- the measures, pure ------------------------------------------------------------------------------
@pytest.mark.parametrize(("values", "median", "p90"), [
    ([4, 8, 10, 12, 30], 10, 30),                 # odd: the middle one; p90 of 5 is the 5th
    ([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 5.5, 9),    # even: the mean of the middle two; p90 of 10 is the 9th
    ([7], 7, 7),
    ([], None, None),
])
def test_median_and_90th_percentile_on_known_data(values, median, p90):
    assert standard.median([float(v) for v in values]) == median
    assert standard.percentile([float(v) for v in values]) == p90


def test_exactly_at_the_standard_is_within_a_second_more_is_not():
    ten = GuestStandard(10, "SK")
    assert standard.within(_minutes(10), ten) and standard.within(_minutes(0), ten)
    assert not standard.within(_minutes(10, 1), ten)


def test_the_wait_ends_at_the_hosts_answer_after_arrival_never_before(runtime, frozen_clock):
    arrived = MORNING
    with runtime.db.session() as s:
        met = _visit(s, KLK, 1, arrived=arrived, answer="accept", answered=arrived + _minutes(7),
                     left=arrived + _minutes(40), status=model.ACCEPTED)
        refused = _visit(s, KLK, 2, arrived=arrived, answer="decline", answered=arrived + _minutes(12),
                         left=arrived + _minutes(14), status=model.DECLINED)
        other_day = _visit(s, KLK, 3, arrived=arrived, answer="propose", answered=arrived + _minutes(3),
                           status=model.PROPOSED)
        agreed_before = _visit(s, KLK, 4, arrived=arrived, answer="accept", answered=arrived - timedelta(days=1),
                               left=arrived + _minutes(25), status=model.ACCEPTED)
        waiting = _visit(s, KLK, 5, arrived=arrived)
        redirected = _visit(s, KLK, 6, arrived=arrived)  # a redirect cleared the answer: still waiting
        never = _visit(s, KLK, 7, arrived=None)
        gave_up = _visit(s, KLK, 8, arrived=arrived, left=arrived + _minutes(50))
        s.flush()
        found = {v.id: standard.measure(v) for v in (met, refused, other_day, agreed_before, waiting, redirected,
                                                     never, gave_up)}
    assert (found[met.id].outcome, found[met.id].wait, found[met.id].stay) == ("met", _minutes(7), _minutes(40))
    assert (found[refused.id].outcome, found[refused.id].wait) == ("refused", _minutes(12))
    assert (found[other_day.id].outcome, found[other_day.id].wait, found[other_day.id].stay) == \
        ("refused", _minutes(3), None)
    # The host agreed the day before: no meeting moment, never "0 minutes".
    assert (found[agreed_before.id].outcome, found[agreed_before.id].wait, found[agreed_before.id].stay) == \
        ("agreed_before", None, _minutes(25))
    assert found[waiting.id].outcome == found[redirected.id].outcome == "waiting"
    assert found[never.id] is None
    assert (found[gave_up.id].outcome, found[gave_up.id].wait, found[gave_up.id].stay) == \
        ("no_answer", None, _minutes(50))


def test_the_desk_records_when_a_host_who_agreed_beforehand_came_out(runtime, frozen_clock):
    """The host accepted the day before: the wait ends when the desk sees the host come out (Visit.met_at),
    and that moment wins over an answer given after the arrival (the meeting itself)."""
    arrived = MORNING
    with runtime.db.session() as s:
        agreed = _visit(s, KLK, 1, arrived=arrived, answer="accept", answered=arrived - timedelta(days=1),
                        left=arrived + _minutes(40), status=model.ACCEPTED)
        agreed.met_at = arrived + _minutes(11)
        answered = _visit(s, KLK, 2, arrived=arrived, answer="accept", answered=arrived + _minutes(2),
                          status=model.ACCEPTED)
        answered.met_at = arrived + _minutes(9)
        s.flush()
        first, second = standard.measure(agreed), standard.measure(answered)
    assert (first.outcome, first.wait, first.stay) == ("met", _minutes(11), _minutes(40))
    assert not standard.within(first.wait, runtime.offices.get(KLK).guest_standard)
    assert (second.outcome, second.wait) == ("met", _minutes(9))


# -- Today's waits in progress -----------------------------------------------------------------------
def test_waits_in_progress_longest_first_and_over_only_past_the_standard(runtime, frozen_clock):
    office = runtime.offices.get(KLK)
    with runtime.db.session() as s:
        at_standard = _visit(s, KLK, 1, arrived=MORNING - _minutes(10))
        over = _visit(s, KLK, 2, arrived=MORNING - _minutes(10, 1))
        fresh = _visit(s, KLK, 3, arrived=MORNING - _minutes(2))
        answered = _visit(s, KLK, 4, arrived=MORNING - _minutes(30), answer="decline",
                          answered=MORNING - _minutes(5), status=model.DECLINED)
        s.flush()
        rows = [at_standard, over, fresh, answered]
        waits = standard.waits(rows, office, clock.now())
        assert [(w.visit.id, w.minutes, w.over) for w in waits] == [
            (over.id, 10, True), (at_standard.id, 10, False), (fresh.id, 2, False)]
        setda = standard.waits(rows, runtime.offices.get(SETDA), clock.now())
    assert [w.over for w in setda] == [None, None, None]  # no standard: measured, never marked


# -- the month, through the one query -----------------------------------------------------------------
def _klungkung_november(s):
    """Six visits arrived in November (WITA), one on 1 December 00:30 WITA (30 November in UTC), one registered
    for November that never came, one October arrival, one simulated, one of Alor."""
    intel, pidum = ("Ni Luh Putu Ayu Lestari", "intelijen"), ("Komang Wirawan", "pidum")
    waits = [(4, *pidum), (8, *pidum), (10, *intel), (12, *intel), (30, *pidum)]
    for n, (minutes, host, unit) in enumerate(waits, start=1):
        arrived = MORNING + timedelta(days=n - 3)
        answer, status = ("decline", model.DECLINED) if n == 3 else ("accept", model.ACCEPTED)
        _visit(s, KLK, n, arrived=arrived, answer=answer, answered=arrived + _minutes(minutes), status=status,
               left=arrived + _minutes(minutes + 20), host=host, unit=unit)
    # Still waiting at the desk: counted as a visit, not measured yet.
    _visit(s, KLK, 6, arrived=MORNING)
    # 1 December 00:30 WITA is 30 November 16:30 UTC: December's, on the office's clock.
    _visit(s, KLK, 7, arrived=datetime(2026, 11, 30, 16, 30, tzinfo=UTC), answer="accept", status=model.ACCEPTED,
           answered=datetime(2026, 11, 30, 16, 31, tzinfo=UTC))
    _visit(s, KLK, 8, arrived=None, scheduled=MORNING + timedelta(days=2))  # never came to the desk
    _visit(s, KLK, 9, arrived=datetime(2026, 10, 31, 15, 0, tzinfo=UTC), answer="accept", status=model.ACCEPTED,
           answered=datetime(2026, 10, 31, 15, 5, tzinfo=UTC))  # 31 October 23:00 WITA
    _visit(s, KLK, 10, arrived=MORNING, phone=simulator.CITIZEN + "latihan")  # the simulator's: never reported
    _visit(s, ALOR, 11, arrived=MORNING, answer="accept", status=model.ACCEPTED, answered=MORNING + _minutes(50))
    s.commit()


def test_the_month_report_of_known_visits(runtime, frozen_clock):
    with runtime.db.session() as s:
        _klungkung_november(s)
    office = runtime.offices.get(KLK)
    with runtime.db.session() as s:
        report = standard.month_report(s, office, date(2026, 11, 15), nobody="-")
    total = report.total
    assert report.month == date(2026, 11, 1) and report.standard.minutes == 10
    assert total.visits == 6
    assert report.never_arrived == 1
    # Arrival to meeting or refusal: 4, 8, 10 (the refusal, exactly at the standard), 12, 30 minutes.
    assert total.wait.measured == 5 and total.wait.within == 3 and total.wait.share == pytest.approx(0.6)
    assert (total.wait.median, total.wait.p90) == (10.0, 30.0)
    assert total.outcomes["met"] == 4 and total.outcomes["refused"] == 1
    # Arrival to check-out: 24, 28, 30, 32, 50 minutes: none within 10.
    assert (total.stay.measured, total.stay.within, total.stay.median, total.stay.p90) == (5, 0, 30.0, 50.0)
    hosts = {g.label: g for g in report.by_host}
    assert hosts["Komang Wirawan"].wait.measured == 3 and hosts["Komang Wirawan"].wait.median == 8.0
    assert hosts["Ni Luh Putu Ayu Lestari"].wait.within == 1  # 10 (within) and 12 (over)
    units = {g.key: g for g in report.by_unit}
    assert units["intelijen"].label == "Seksi Intelijen" and units["pidum"].wait.p90 == 30.0
    with runtime.db.session() as s:
        december = standard.month_report(s, office, date(2026, 12, 1))
        october = standard.month_report(s, office, date(2026, 10, 1))
    assert december.total.visits == 1 and december.total.wait.median == 1.0
    assert october.total.visits == 1 and october.total.wait.median == 5.0


def test_an_office_without_a_standard_is_measured_without_a_share(runtime, frozen_clock):
    with runtime.db.session() as s:
        _visit(s, SETDA, 1, arrived=MORNING, answer="accept", status=model.ACCEPTED, answered=MORNING + _minutes(6),
               left=MORNING + _minutes(16), host="Kepala Bagian Umum", unit=None)
        s.commit()
    with runtime.db.session() as s:
        report = standard.month_report(s, runtime.offices.get(SETDA), date(2026, 11, 1))
    assert report.standard is None
    assert (report.total.wait.measured, report.total.wait.within, report.total.wait.share) == (1, None, None)
    assert report.total.wait.median == 6.0 and report.total.stay.median == 16.0
