"""Today (Beranda): what one office's desk has on its plate now, as counts that open their lists (issue 20 §1).

Each count is read with the query its list uses, so a number on the home page and the list it opens never
disagree: the guest book's `today` and `escalations` (bot/dashboard/guestbook.py), the handoff inbox
(bot/handoff.py `waiting`), the complaint clocks (bot/complaints/deadlines.py) and the held and failed
messages (bot/dashboard/deliveries.py `problems`). The web layer decides which of them a role may see.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import simulator
from bot.clock import as_utc
from bot.complaints import deadlines, model
from bot.dashboard import deliveries
from bot.dashboard import guestbook as desk
from bot.models.complaints import Complaint
from bot.models.handoff import TAKEN, WAITING, Handoff
from bot.offices import Office


@dataclass(frozen=True)
class Guests:
    """The day's guest book in the SOP's order, and the guests whose host never answered."""

    expected: int
    waiting: int
    with_host: int
    done: int
    unanswered: int


@dataclass(frozen=True)
class Citizens:
    """Citizens who asked for an officer: still waiting (and since when, the longest), or being served."""

    waiting: int
    served: int
    longest_since: datetime | None


@dataclass(frozen=True)
class Complaints:
    """Open complaints past a clock, and those whose clock runs out before the office's day ends."""

    overdue: int
    due_today: int


@dataclass(frozen=True)
class Messages:
    """Messages of the last `days` days that did not reach their person and nobody handled yet."""

    held: int
    failed: int
    days: int = deliveries.LIST_DAYS

    @property
    def total(self) -> int:
        return self.held + self.failed


def guests(session: Session, office: Office, moment: datetime) -> Guests:
    book = desk.today(session, office, moment)
    return Guests(expected=len(book.expected), waiting=len(book.waiting), with_host=len(book.with_host),
                  done=len(book.done), unanswered=len(desk.escalations(session, [office.slug])))


def citizens(requests: list[Handoff]) -> Citizens:
    """From the inbox's own list (bot/handoff.py `waiting`) of one office."""
    waiting = [as_utc(r.requested_at) for r in requests if r.status == WAITING]
    return Citizens(waiting=len(waiting), served=sum(r.status == TAKEN for r in requests),
                    longest_since=min(waiting) if waiting else None)


def complaints(session: Session, office: Office, moment: datetime, targets: deadlines.Targets) -> Complaints:
    found = session.scalars(select(Complaint).where(
        Complaint.office == office.slug, Complaint.status.in_(model.OPEN_STATUSES), simulator.real(Complaint.phone)))
    overdue = due_today = 0
    for complaint in found:
        if deadlines.overdue(complaint, office, moment, targets):
            overdue += 1
        elif deadlines.due_today(complaint, office, moment, targets):
            due_today += 1
    return Complaints(overdue=overdue, due_today=due_today)


def messages(session: Session, office: Office, moment: datetime, *, confidential: bool, general: bool) -> Messages:
    """The count of the messages page as this role sees it (`confidential`: a complaint's messages;
    `general`: all the others)."""
    rows = deliveries.problems(session, [office.slug], moment, confidential=confidential, general=general)
    held = sum(p.reach_state == deliveries.HELD for p in rows)
    return Messages(held=held, failed=len(rows) - held)
