"""Live updates of the desk's pages (issue 20 §2): a cheap version of what a page shows, so that an open
dashboard polls a tiny answer (304 when nothing changed) and fetches the page's lists only when it did.

A version is a handful of aggregates per topic, each over the rows its list reads, scoped to the offices
the page shows; the web layer (handlers/dashboard/views/live.py) picks the topics a role may see:

- `handoffs`: the inbox's open requests (bot/handoff.py `waiting`): waiting and served counts and the sums
  of their ids, so that a new request, a take and a release each change it, whatever the clock says;
- `visits`: the visits changed since the start of the office's day (each change bumps `updated_at`; the
  counts of arrivals, departures, answers and notices catch two changes within one clock tick);
- `deliveries`: the outbox rows changed today (a host notice read, a message failed or handled);
- `complaints`: the open complaints (count, newest change);
- `conversation`: one request's conversation page (the inbox's detail): the request's state and officer, the
  citizen's messages (count, newest id) and the replies with their delivery statuses;
- the local date always, and for Today a CLOCK_BUCKET: its deadlines and 24-hour counts move with time.

Nothing here is personal: counts, ids and timestamps, hashed into an opaque tag before they leave.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from bot import statuses
from bot.clock import as_utc
from bot.complaints import model as complaint_model
from bot.dashboard.guestbook import day_bounds
from bot.models import InboundMessage, OutboundMessage
from bot.models.complaints import Complaint
from bot.models.handoff import TAKEN, WAITING, Handoff
from bot.models.visits import Visit
from bot.offices import Office

HANDOFFS, VISITS, DELIVERIES, COMPLAINTS, CLOCK = "handoffs", "visits", "deliveries", "complaints", "clock"
CONVERSATION = "conversation"
TOPICS = (HANDOFFS, VISITS, DELIVERIES, COMPLAINTS, CLOCK, CONVERSATION)
CLOCK_BUCKET = 300  # seconds: Today's time-driven counts (deadlines, the last 24 hours) refresh this often


@dataclass(frozen=True)
class Waiting:
    """The citizens waiting for an officer in these offices, and the newest request's id (to announce it once)."""

    count: int
    served: int
    newest: int


@dataclass(frozen=True)
class State:
    tag: str                 # opaque: changes when anything the page shows changes
    waiting: Waiting | None  # None for a role that does not see the inbox
    found: bool = True       # False when the page's own record (`handoff`) is not there for these offices


def _handoffs(session: Session, slugs: list[str]) -> tuple[Waiting, tuple]:
    is_waiting, is_taken = Handoff.status == WAITING, Handoff.status == TAKEN
    row = session.execute(select(
        func.sum(case((is_waiting, 1), else_=0)), func.sum(case((is_taken, 1), else_=0)),
        func.sum(case((is_waiting, Handoff.id), else_=0)), func.sum(case((is_taken, Handoff.id), else_=0)),
        func.max(case((is_waiting, Handoff.id), else_=None)),
    ).where(Handoff.office.in_(slugs), Handoff.status.in_((WAITING, TAKEN)))).one()
    waiting = Waiting(count=int(row[0] or 0), served=int(row[1] or 0), newest=int(row[4] or 0))
    return waiting, tuple(int(v or 0) for v in row)


def _visits(session: Session, slugs: list[str], since: datetime) -> tuple:
    row = session.execute(select(
        func.count(), func.max(Visit.id), func.max(Visit.updated_at), func.count(Visit.checked_in_at),
        func.count(Visit.checked_out_at), func.count(Visit.escalated_at), func.count(Visit.answered_at),
        func.count(Visit.id_returned_at), func.sum(Visit.notice_round),
    ).where(Visit.office.in_(slugs), Visit.updated_at >= since)).one()
    return tuple(_plain(v) for v in row)


def _deliveries(session: Session, slugs: list[str], since: datetime) -> tuple:
    row = session.execute(select(
        func.count(), func.max(OutboundMessage.id), func.max(OutboundMessage.updated_at),
        func.count(OutboundMessage.handled_at),
        func.sum(case(statuses.RANK, value=OutboundMessage.status, else_=0)),  # a status moves: read, failed
    ).where(OutboundMessage.office.in_(slugs), OutboundMessage.updated_at >= since)).one()
    return tuple(_plain(v) for v in row)


def _complaints(session: Session, slugs: list[str]) -> tuple:
    row = session.execute(select(func.count(), func.max(Complaint.id), func.max(Complaint.updated_at)).where(
        Complaint.office.in_(slugs), Complaint.status.in_(complaint_model.OPEN_STATUSES))).one()
    return tuple(_plain(v) for v in row)


def _conversation(session: Session, slugs: list[str], handoff_id: int) -> tuple | None:
    """One request and its conversation's messages, read through the request's office: None for a request that
    is not there or is another office's. One round trip: the request by its key, the messages of each direction
    by their indexed conversation, as correlated subqueries."""
    def of(model, *columns):
        return [select(column).where(model.conversation_id == Handoff.conversation_id).correlate(Handoff)
                .scalar_subquery() for column in columns]

    found = session.execute(select(
        Handoff.status, Handoff.taken_by, Handoff.closed_at,
        *of(InboundMessage, func.count(), func.max(InboundMessage.id)),
        *of(OutboundMessage, func.count(), func.max(OutboundMessage.id), func.max(OutboundMessage.updated_at),
            func.sum(case(statuses.RANK, value=OutboundMessage.status, else_=0))),  # sent, delivered, read, failed
    ).where(Handoff.id == handoff_id, Handoff.office.in_(slugs))).first()
    return None if found is None else tuple(_plain(v) for v in found)


def _plain(value: object) -> object:
    """Comparable across databases: an aware UTC timestamp, else the value."""
    return as_utc(value).isoformat() if isinstance(value, datetime) else value


def _day_start(offices: Iterable[Office], moment: datetime) -> datetime:
    """The earliest start of today among these offices (UTC)."""
    starts = [day_bounds(o, o.local(moment).date())[0] for o in offices]
    return min(starts) if starts else moment


def state(session: Session, offices: list[Office], topics: Iterable[str], moment: datetime, *,
          scope: str = "", handoff: int | None = None) -> State:
    """The version of a page showing `topics` of `offices` at `moment`; `scope` (the role, the view) is part
    of the tag so that two pages never share one; `handoff`: the request whose conversation page it is."""
    slugs = [o.slug for o in offices]
    wanted = set(topics)
    unknown = wanted - set(TOPICS)
    if unknown:
        raise ValueError(f"unknown live topics: {sorted(unknown)}")
    since = _day_start(offices, moment)
    parts: list[object] = [scope, sorted(slugs), [o.local(moment).date().isoformat() for o in offices]]
    waiting = None
    if HANDOFFS in wanted and slugs:
        waiting, row = _handoffs(session, slugs)
        parts.append(row)
    if VISITS in wanted and slugs:
        parts.append(_visits(session, slugs, since))
    if DELIVERIES in wanted and slugs:
        parts.append(_deliveries(session, slugs, since))
    if COMPLAINTS in wanted and slugs:
        parts.append(_complaints(session, slugs))
    found = True
    if CONVERSATION in wanted and handoff is not None:
        conversation = _conversation(session, slugs, handoff) if slugs else None
        found = conversation is not None
        parts.append((handoff, conversation))
    if CLOCK in wanted:
        parts.append(int(as_utc(moment).timestamp()) // CLOCK_BUCKET)
    tag = hashlib.sha256(repr(parts).encode()).hexdigest()[:20]
    return State(tag=tag, waiting=waiting, found=found)
