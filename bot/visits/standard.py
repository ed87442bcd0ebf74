"""The Standar Pelayanan's own clock (issue 20 §6): every visit measured against the time the office's own
published standard for receiving guests promises (`Office.guest_standard`, from its YAML and its seed).

Two measures, both from the guest's arrival at the desk (`checked_in_at`):

- **wait**: until the host's meeting or the polite refusal (SOP 000 step 7). The record has no separate
  "the host walked out" moment; what it has is the host's answer given *after* the guest arrived
  (`Visit.answered_at` with `host_answer`), on WhatsApp or taken by phone by the desk (the host came out to
  meet the guest, or declined: bot/visits/service.py `host_answer_by_phone`). That answer is when the guest's
  waiting ends: the host comes out (accept), or the desk tells the guest politely that the host will not
  (decline) or proposes another day (propose). A redirect is no end: the guest waits for the colleague,
  whose answer resets `answered_at`. We read `answered_at` rather than the visit's events because the
  service keeps it for exactly this (reset on a redirect or a new time), so one row says it all.
  A host who agreed *before* the guest arrived (a registered visit accepted the day before) has no answer
  after the arrival: the desk records the moment the host comes out ("Pegawai sudah menemui tamu",
  `Visit.met_at`), which then ends the wait (it wins over an answer, being the meeting itself). Without
  it such a visit is counted apart ("agreed before arrival"), never as 0 minutes.
- **stay**: until check-out (SOP 000 step 8), which includes the meeting itself.

A visit is within the standard when its measure is at most the standard's minutes (exactly at the standard
counts as within). Visits never checked in have no arrival and are left out of both measures; the report
says how many. Months are the office's local months. Simulated visits (the WhatsApp simulator) are left out.

Pure functions over visits, and one query (`month_report`); the web layer formats.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from fractions import Fraction

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from bot import simulator
from bot.clock import as_utc
from bot.models.visits import Visit
from bot.offices import GuestStandard, Office
from bot.visits import model

# The host's answers that end the guest's wait (a "redirect" does not: the colleague is asked next).
MET, REFUSED = "met", "refused"
ENDS_WAIT = {"accept": MET, "decline": REFUSED, "propose": REFUSED}
# Why a checked-in visit has no wait measured.
WAITING = "waiting"              # still in the building, the host has not answered yet
AGREED_BEFORE = "agreed_before"  # the host accepted before the guest arrived: no meeting moment recorded
NO_ANSWER = "no_answer"          # left (or was cancelled) without any answer from the host after arrival
PERCENTILE = 90


@dataclass(frozen=True)
class Measure:
    """One checked-in visit on the standard's clock; a duration is None when it cannot be measured."""

    arrived_at: datetime
    outcome: str                  # MET | REFUSED | WAITING | AGREED_BEFORE | NO_ANSWER
    wait_end: datetime | None     # the host's answer that ended the wait
    wait: timedelta | None        # arrival → met or refused
    left_at: datetime | None
    stay: timedelta | None        # arrival → check-out


def within(duration: timedelta, standard: GuestStandard) -> bool:
    """At most the standard's minutes: a visit exactly at the standard is within it."""
    return duration <= timedelta(minutes=standard.minutes)


def measure(visit: Visit) -> Measure | None:
    """The visit on the standard's clock; None for a visit that never arrived at the desk."""
    if visit.checked_in_at is None:
        return None
    arrived = as_utc(visit.checked_in_at)
    answered = as_utc(visit.answered_at) if visit.answered_at is not None else None
    left = as_utc(visit.checked_out_at) if visit.checked_out_at is not None else None
    ended = ENDS_WAIT.get(visit.host_answer or "") if answered is not None and answered >= arrived else None
    met = as_utc(visit.met_at) if visit.met_at is not None else None
    if met is not None and met >= arrived:  # the desk saw the host come out: the meeting itself
        outcome, wait_end = MET, met
    elif ended is not None:
        outcome, wait_end = ended, answered
    elif visit.status == model.ACCEPTED:
        outcome, wait_end = AGREED_BEFORE, None
    elif visit.status == model.AWAITING_HOST and left is None:
        outcome, wait_end = WAITING, None
    else:
        outcome, wait_end = NO_ANSWER, None
    return Measure(arrived, outcome, wait_end, wait_end - arrived if wait_end else None, left,
                   left - arrived if left else None)


# -- Today: the waits in progress ------------------------------------------------------------------
@dataclass(frozen=True)
class Wait:
    """A guest in the building whose host has not answered yet, and how long they have waited."""

    visit: Visit
    since: datetime
    waited: timedelta
    over: bool | None  # None: the office has no standard

    @property
    def minutes(self) -> int:
        return int(self.waited.total_seconds() // 60)


def waits(visits: Iterable[Visit], office: Office, now: datetime) -> list[Wait]:
    """The waits in progress among `visits` (the guest book's own list of the day), the longest first."""
    found = []
    for visit in visits:
        measured = measure(visit)
        if measured is None or measured.outcome != WAITING:
            continue
        waited = max(timedelta(0), now - measured.arrived_at)
        over = None if office.guest_standard is None else not within(waited, office.guest_standard)
        found.append(Wait(visit, measured.arrived_at, waited, over))
    return sorted(found, key=lambda w: w.since)


# -- the month's figures ---------------------------------------------------------------------------
def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def percentile(values: list[float], p: int = PERCENTILE) -> float | None:
    """Nearest rank: the smallest value at or under which at least p % of the visits lie ("9 of 10 guests
    waited at most this long"), always one of the measured values, never an interpolation."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(1, math.ceil(p / 100 * len(ordered))) - 1]


@dataclass(frozen=True)
class Stats:
    """One measure over a set of visits: minutes."""

    measured: int
    within: int | None  # None: no standard to measure against
    median: float | None
    p90: float | None

    @property
    def share(self) -> Fraction | None:
        """The share of the measured visits within the standard (0..1)."""
        if self.within is None or not self.measured:
            return None
        return Fraction(self.within, self.measured)


def stats(durations: list[timedelta], standard: GuestStandard | None) -> Stats:
    minutes = [d.total_seconds() / 60 for d in durations]
    inside = None if standard is None else sum(within(d, standard) for d in durations)
    return Stats(len(durations), inside, median(minutes), percentile(minutes))


@dataclass(frozen=True)
class Group:
    """The figures of one host or one unit (or the whole office: key "")."""

    key: str
    label: str
    visits: int
    wait: Stats
    stay: Stats
    outcomes: dict[str, int]


def group(key: str, label: str, measures: list[Measure], standard: GuestStandard | None) -> Group:
    outcomes: dict[str, int] = {}
    for m in measures:
        outcomes[m.outcome] = outcomes.get(m.outcome, 0) + 1
    return Group(key, label, len(measures), stats([m.wait for m in measures if m.wait is not None], standard),
                 stats([m.stay for m in measures if m.stay is not None], standard), outcomes)


@dataclass(frozen=True)
class Row:
    """One measured visit, for the export."""

    visit: Visit
    measure: Measure


@dataclass
class MonthReport:
    office: Office
    month: date  # its first day
    standard: GuestStandard | None
    total: Group
    by_host: list[Group] = field(default_factory=list)
    by_unit: list[Group] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    never_arrived: int = 0  # registered for the month, never checked in: left out


def month_bounds(office: Office, month: date) -> tuple[datetime, datetime]:
    """UTC start and end of the office's local calendar month holding `month`."""
    first = month.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return (datetime.combine(first, time(0), tzinfo=office.zone).astimezone(UTC),
            datetime.combine(following, time(0), tzinfo=office.zone).astimezone(UTC))


def _grouped(rows: list[Row], key: Callable[[Visit], str], label: Callable[[str], str],
             standard: GuestStandard | None) -> list[Group]:
    buckets: dict[str, list[Measure]] = {}
    for row in rows:
        buckets.setdefault(key(row.visit), []).append(row.measure)
    found = [group(k, label(k), measures, standard) for k, measures in buckets.items()]
    return sorted(found, key=lambda g: (-g.visits, g.label.lower()))


def summarise(office: Office, month: date, visits: Iterable[Visit], *, never_arrived: int = 0,
              nobody: str = "-") -> MonthReport:
    """The month's figures from its checked-in visits; `nobody` labels a visit without host or unit."""
    standard = office.guest_standard
    rows = [Row(v, m) for v in visits if (m := measure(v)) is not None]
    rows.sort(key=lambda r: r.measure.arrived_at)
    return MonthReport(
        office, month.replace(day=1), standard, group("", office.name, [r.measure for r in rows], standard),
        by_host=_grouped(rows, lambda v: v.host_name or "", lambda k: k or nobody, standard),
        by_unit=_grouped(rows, lambda v: v.unit or "", lambda k: office.unit_name(k) or k or nobody, standard),
        rows=rows, never_arrived=never_arrived)


def month_report(session: Session, office: Office, month: date, *, nobody: str = "-") -> MonthReport:
    """The one query: the office's real visits that arrived in its local month, and those registered for
    that month that never arrived (counted, left out of the measures)."""
    start, end = month_bounds(office, month)
    found = list(session.scalars(select(Visit).where(
        Visit.office == office.slug, simulator.real(Visit.citizen_phone),
        or_(and_(Visit.checked_in_at >= start, Visit.checked_in_at < end),
            and_(Visit.checked_in_at.is_(None), Visit.scheduled_at >= start, Visit.scheduled_at < end)))
        .order_by(Visit.id)).unique())
    arrived = [v for v in found if v.checked_in_at is not None]
    return summarise(office, month, arrived, never_arrived=len(found) - len(arrived), nobody=nobody)
