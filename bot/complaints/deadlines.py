"""SP4N-LAPOR!'s clocks in office working days: disposition, answer, automatic close."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from bot import defaults, simulator
from bot.clock import as_utc
from bot.complaints import model
from bot.models.complaints import Complaint, ComplaintEvent
from bot.offices import Office, OfficeDirectory
from bot.workdays import office_calendar
from config.settings import Config

DISPOSE, ANSWER = "dispose", "answer"


@dataclass(frozen=True)
class Targets:
    """The clocks in working days (Config.COMPLAINT_TARGET_DISPOSE_DAYS, …_ANSWER_DAYS, COMPLAINT_AUTOCLOSE_DAYS)."""

    dispose_days: int = defaults.COMPLAINT_TARGET_DISPOSE_DAYS
    answer_days: int = defaults.COMPLAINT_TARGET_ANSWER_DAYS
    autoclose_days: int = defaults.COMPLAINT_AUTOCLOSE_DAYS

    @classmethod
    def from_config(cls, config: Config) -> Targets:
        return cls(config.COMPLAINT_TARGET_DISPOSE_DAYS, config.COMPLAINT_TARGET_ANSWER_DAYS,
                   config.COMPLAINT_AUTOCLOSE_DAYS)


@dataclass(frozen=True)
class Deadlines:
    dispose_due: datetime  # passed to a unit by then (counted from receipt)
    answer_due: datetime  # answered by then (from the disposition, or from the dispose deadline)
    autoclose_due: datetime | None  # closed by the system then, if the citizen stays silent


def deadlines(complaint: Complaint, office: Office, targets: Targets) -> Deadlines:
    """The clocks in the office's working days, its own days off skipped: the calendar is read once per
    session of the complaint (bot/workdays.py `office_calendar`), however many complaints a list counts."""
    cal = office_calendar(object_session(complaint), office)
    received = as_utc(complaint.received_at)
    dispose_due = cal.deadline(received, targets.dispose_days)
    if complaint.assigned_at is not None:
        answer_due = cal.deadline(as_utc(complaint.assigned_at), targets.answer_days)
    else:
        answer_due = cal.deadline(received, targets.dispose_days + targets.answer_days)
    autoclose = None
    if complaint.answered_at is not None:
        autoclose = cal.deadline(as_utc(complaint.answered_at), targets.autoclose_days)
    return Deadlines(dispose_due, answer_due, autoclose)


def overdue(complaint: Complaint, office: Office, now: datetime, targets: Targets) -> tuple[str, ...]:
    """Which clocks this complaint has run past: () when on time or already answered."""
    due = deadlines(complaint, office, targets)
    flags = []
    if complaint.status in (model.RECEIVED, model.VERIFIED) and now >= due.dispose_due:
        flags.append(DISPOSE)
    if complaint.status in model.OPEN_STATUSES and now >= due.answer_due:
        flags.append(ANSWER)
    return tuple(flags)


def next_due(complaint: Complaint, office: Office, targets: Targets) -> datetime | None:
    """The clock an open complaint runs to next: its disposition while received or verified, then its
    answer; None once it is answered or closed."""
    if complaint.status not in model.OPEN_STATUSES:
        return None
    due = deadlines(complaint, office, targets)
    return due.dispose_due if complaint.status in (model.RECEIVED, model.VERIFIED) else due.answer_due


def due_today(complaint: Complaint, office: Office, now: datetime, targets: Targets) -> bool:
    """Not overdue yet, but its next clock runs out before the office's local day ends (a deadline is the
    midnight that ends its last working day: `Calendar.deadline`)."""
    due = next_due(complaint, office, targets)
    if due is None or overdue(complaint, office, now, targets):
        return False
    tomorrow = datetime.combine(office.local(now).date() + timedelta(days=1), time(0), tzinfo=office.zone)
    return now < due <= tomorrow


def overdue_complaints(session: Session, offices: OfficeDirectory, now: datetime, targets: Targets,
                       office: str | None = None) -> list[tuple[Complaint, tuple[str, ...]]]:
    """Open complaints past a target, oldest first (for the dashboard's queue)."""
    query = select(Complaint).where(Complaint.status.in_(model.OPEN_STATUSES),
                                    simulator.real(Complaint.phone)).order_by(Complaint.received_at)
    if office:
        query = query.where(Complaint.office == office)
    found = []
    for complaint in session.scalars(query):
        where = offices.get(complaint.office)
        flags = overdue(complaint, where, now, targets) if where else ()
        if flags:
            found.append((complaint, flags))
    return found


def due_for_autoclose(session: Session, offices: OfficeDirectory, now: datetime, targets: Targets) -> list[Complaint]:
    """Answered complaints whose silent period has passed (no citizen reply since the answer)."""
    found = []
    answered = session.scalars(select(Complaint).where(
        Complaint.status.in_(model.ANSWERED_STATUSES), Complaint.answered_at.is_not(None)).order_by(Complaint.id))
    for complaint in answered:
        office = offices.get(complaint.office)
        if office is None:
            continue
        due = deadlines(complaint, office, targets).autoclose_due
        if due is not None and now >= due and not replied_since_answer(session, complaint):
            found.append(complaint)
    return found


def replied_since_answer(session: Session, complaint: Complaint) -> bool:
    """Whether the citizen answered back (e.g. "tidak puas …") after the complaint was answered."""
    return session.scalar(select(ComplaintEvent.id).where(
        ComplaintEvent.complaint_id == complaint.id, ComplaintEvent.kind == "citizen_reply",
        ComplaintEvent.at >= complaint.answered_at).limit(1)) is not None
