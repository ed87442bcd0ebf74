"""Whether a message Loket sent really reached its person, as the desk needs to know it (issue 21 §2).

`reach_of` reads one outbox row as the desk sees it: on its way, sent, delivered, read, held (with the
reason), failed (with Twilio's code), dropped because its moment passed, or handled by an officer
another way. A row still waiting for a worker is foreseen with bot/delivery.py `plan_row`, so the
desk learns at once, not a minute later, that a notice will be held.

The office's held and failed messages (`problems`) are the page /dashboard/messages: an officer retries
one (`retry`: held, failed or undelivered → pending, then enqueued) or marks it handled by phone
(`mark_handled`: it leaves the list, and is never released later). Messages of a complaint (kinds
starting with `complaint_`) are confidential: the web layer shows them only to complaint handlers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot import statuses
from bot.clock import as_utc, now
from bot.delivery import plan_row
from bot.models import OutboundMessage
from bot.models.visits import Employee, Visit, VisitEvent

# A message's state for the desk.
SENDING, SENT, DELIVERED, READ = "sending", "sent", "delivered", "read"
HELD, FAILED, EXPIRED, CANCELED, HANDLED = "held", "failed", "expired", "canceled", "handled"
PROBLEMS = (HELD, FAILED, EXPIRED)  # the person did not get it: somebody must call them

LISTED = (statuses.HELD, statuses.FAILED, "undelivered")  # rows the messages page lists (and may retry)
COMPLAINT_PREFIX = "complaint_"  # a complaint's messages: confidential (complaint handlers only)
LIST_DAYS = 7                    # the page lists the problems of the last week
LIST_LIMIT = 500
_DELIVERED = {"sent": SENT, "answered": SENT, "delivered": DELIVERED, "read": READ}


class MessageError(ValueError):
    """An officer's action on a message that cannot be done; `reason` names the catalog text."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Reach:
    """Where one outbound message stands: `state` (above), `reason` (a hold reason or Twilio's error
    code), `foreseen` when the sender has not handled it yet and this is what it will do."""

    outbox_id: int
    kind: str
    to: str
    state: str
    created_at: datetime
    reason: str | None = None
    foreseen: bool = False
    handled_by: str | None = None

    @property
    def problem(self) -> bool:
        return self.state in PROBLEMS


def is_confidential(kind: str | None) -> bool:
    return (kind or "").startswith(COMPLAINT_PREFIX)


def reach_of(session: Session, config, row: OutboundMessage, moment: datetime) -> Reach:
    def made(state: str, reason: str | None = None, foreseen: bool = False) -> Reach:
        return Reach(row.id, row.kind, row.to_number, state, as_utc(row.created_at), reason, foreseen,
                     row.handled_by if state == HANDLED else None)

    status = row.status
    if row.handled_at is not None and status in LISTED:
        return made(HANDLED)
    if status == statuses.HELD:
        return made(HELD, row.error_code)
    if status in (statuses.FAILED, "undelivered"):
        return made(FAILED, row.error_code)
    if status == "canceled":
        return made(EXPIRED if row.error_code == statuses.EXPIRED else CANCELED)
    if status in statuses.CLAIMABLE:  # not handled by the sender yet: what will it do?
        plan = plan_row(session, config, row, moment)
        if plan.expired:
            return made(EXPIRED, foreseen=True)
        if plan.hold:
            return made(HELD, plan.hold, foreseen=True)
        return made(SENDING)
    return made(_DELIVERED.get(status, SENDING))


def foresee(rt, outbox_ids: Iterable[int]) -> Reach | None:
    """What will become of a notice just recorded (its first row), the moment the desk acts."""
    ids = sorted(outbox_ids)
    if not ids:
        return None
    with rt.db.session() as session:
        row = session.get(OutboundMessage, ids[0])
        return reach_of(session, rt.config, row, now()) if row is not None else None


# -- the guest book --------------------------------------------------------------------------------
def _latest_host_message(visits: list[Visit], arrivals: dict[int, list[int]]) -> dict[int, int]:
    """visit id → the id of the newest message to its host (the notice, or an arrival notice)."""
    latest = {}
    for visit in visits:
        ids = ([visit.host_notice_outbox_id] if visit.host_notice_outbox_id else []) + arrivals.get(visit.id, [])
        if ids:
            latest[visit.id] = max(ids)
    return latest


def host_reach(session: Session, config, visits: list[Visit], moment: datetime) -> dict[int, Reach]:
    """Whether each open visit's host got the newest message about it (the notice, or "your guest
    arrived"). Once the host answered, only a later message that did not reach them is reported."""
    shown = [v for v in visits if v.checked_out_at is None and v.host_phone]
    if not shown:
        return {}
    arrivals: dict[int, list[int]] = {}
    for event in session.scalars(select(VisitEvent).where(VisitEvent.visit_id.in_([v.id for v in shown]),
                                                          VisitEvent.kind == "checked_in")):
        ids = [int(i) for i in (event.detail or {}).get("outbox") or []]
        if ids:
            arrivals.setdefault(event.visit_id, []).append(min(ids))
    latest = _latest_host_message(shown, arrivals)
    rows = {r.id: r for r in session.scalars(select(OutboundMessage).where(
        OutboundMessage.id.in_(list(latest.values()))))}
    found = {}
    for visit in shown:
        row = rows.get(latest.get(visit.id, -1))
        if row is None:
            continue
        reach = reach_of(session, config, row, moment)
        if visit.host_answer:
            answered = as_utc(visit.answered_at) if visit.answered_at else None
            if not reach.problem or (answered is not None and reach.created_at <= answered):
                continue
        found[visit.id] = reach
    return found


def message_reach(session: Session, config, rows: list[OutboundMessage], moment: datetime) -> dict[int, Reach]:
    return {row.id: reach_of(session, config, row, moment) for row in rows}


# -- the page of held and failed messages ----------------------------------------------------------
@dataclass(frozen=True)
class Problem:
    """One held or failed message of an office, as the messages page lists it."""

    id: int
    office: str
    kind: str
    to: str
    status: str
    reason: str | None
    since: datetime
    created_at: datetime
    expired: bool            # its moment passed: no retry
    employee: str | None     # the recipient's name when they are an employee (their number may show)
    visit_id: int | None     # the visit it is about, when known
    visit_code: str | None

    @property
    def reach_state(self) -> str:
        return HELD if self.status == statuses.HELD else FAILED


def _listed(slugs: list[str], *, confidential: bool, general: bool):
    query = select(OutboundMessage).where(
        OutboundMessage.office.in_(slugs), OutboundMessage.status.in_(LISTED), OutboundMessage.handled_at.is_(None))
    if not confidential:
        query = query.where(~OutboundMessage.kind.startswith(COMPLAINT_PREFIX, autoescape=True))
    if not general:
        query = query.where(OutboundMessage.kind.startswith(COMPLAINT_PREFIX, autoescape=True))
    return query


def _visits_of(session: Session, rows: list[OutboundMessage], since: datetime) -> dict[int, Visit]:
    """outbox id → the visit it is about: a host notice, or an arrival notice recorded at check-in."""
    ids = {r.id for r in rows}
    slugs = sorted({r.office for r in rows if r.office})
    if not ids:
        return {}
    found = {v.host_notice_outbox_id: v for v in session.scalars(select(Visit).where(
        Visit.office.in_(slugs), Visit.host_notice_outbox_id.in_(ids))).unique()}
    events = session.execute(select(VisitEvent, Visit).join(Visit, Visit.id == VisitEvent.visit_id).where(
        Visit.office.in_(slugs), VisitEvent.kind == "checked_in", VisitEvent.at >= since)).unique()
    for event, visit in events:
        for outbox_id in (event.detail or {}).get("outbox") or []:
            if int(outbox_id) in ids:
                found.setdefault(int(outbox_id), visit)
    return found


def problems(session: Session, slugs: list[str], moment: datetime, *, confidential: bool,
             general: bool = True) -> list[Problem]:
    """The held and failed messages of these offices in the last LIST_DAYS days not handled yet, newest
    first. `confidential`: include a complaint's messages; `general`: include all the others."""
    if not slugs or not (confidential or general):
        return []
    since = moment - timedelta(days=LIST_DAYS)
    rows = list(session.scalars(_listed(slugs, confidential=confidential, general=general).where(
        OutboundMessage.created_at >= since).order_by(OutboundMessage.updated_at.desc(), OutboundMessage.id.desc())
        .limit(LIST_LIMIT)))
    numbers = {r.to_number for r in rows}
    names = {(e.office, e.whatsapp): e.name for e in session.scalars(select(Employee).where(
        Employee.office.in_(slugs), Employee.whatsapp.in_(numbers)))} if numbers else {}
    visits = _visits_of(session, rows, since)
    listed = []
    for r in rows:
        visit = visits.get(r.id)
        listed.append(Problem(
            id=r.id, office=r.office or "", kind=r.kind, to=r.to_number, status=r.status, reason=r.error_code,
            since=as_utc(r.updated_at or r.created_at), created_at=as_utc(r.created_at),
            expired=r.expires_at is not None and as_utc(r.expires_at) <= moment,
            employee=names.get((r.office, r.to_number)), visit_id=visit.id if visit else None,
            visit_code=visit.code if visit else None))
    return listed


def load(session: Session, outbox_id: int) -> OutboundMessage | None:
    return session.get(OutboundMessage, outbox_id)


def retry(rt, outbox_id: int, *, username: str) -> Reach | None:
    """An officer's "send again": a held, failed or undelivered row becomes pending and is handed to the
    worker. Refused when it is not (or no longer) listed, or its moment has passed. Returns what the
    sender will do with it now."""
    moment = now()
    with rt.db.session() as session:
        row = session.get(OutboundMessage, outbox_id)
        if row is None or row.status not in LISTED or row.handled_at is not None:
            raise MessageError("not_listed")
        if row.expires_at is not None and as_utc(row.expires_at) <= moment:
            raise MessageError("expired")
        released = rt.outbox.release(session, [outbox_id], also_failed=True)
        if not released:
            raise MessageError("not_listed")
        session.commit()
    rt.outbox.enqueue(released)
    return foresee(rt, released)


def mark_handled(rt, outbox_id: int, *, username: str) -> None:
    """The officer reached the person another way (a phone call): the message leaves the list and is
    never released later (bot/outbox.py `releasable` skips handled rows)."""
    moment = now()
    with rt.db.session() as session:
        done = session.execute(update(OutboundMessage).where(
            OutboundMessage.id == outbox_id, OutboundMessage.status.in_(LISTED),
            OutboundMessage.handled_at.is_(None)).values(
            handled_at=moment, handled_by=username[:64], updated_at=moment))
        if done.rowcount != 1:
            raise MessageError("not_listed")
        session.commit()

