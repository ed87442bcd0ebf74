"""Transcript queries: conversations found by number, name (WhatsApp ProfileName) and date, and one
conversation's messages in both directions with their delivery status. No Flask here.

A conversation that carries a confidential or anonymous complaint is *protected*: its messages,
number and name are for complaint handlers alone (the complaints pages' rule). Everyone else sees that
it exists, nothing more: a search by number or name never finds it for them, a list shows it without
name or number, its page without messages. `protection()` tells which, `search(sees_protected=...)`
and the views apply it."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import ColumnElement, and_, exists, false, func, or_, select
from sqlalchemy.orm import Session

from bot.clock import as_utc
from bot.models import Conversation, InboundMessage, OutboundMessage
from bot.models.complaints import Complaint
from bot.models.visits import Visit
from bot.offices import Office
from bot.phone import bsuid

PER_PAGE = 25
_NUMBER = re.compile(r"^[\s+\d().\-]+$")


@dataclass(frozen=True)
class Query:
    text: str = ""
    date_from: date | None = None
    date_to: date | None = None
    page: int = 1

    @property
    def empty(self) -> bool:
        return not self.text and self.date_from is None and self.date_to is None


CONFIDENTIAL = "confidential"
ANONYMOUS = "anonymous"


@dataclass(frozen=True)
class Found:
    conversation: Conversation
    messages: int
    protection: str | None = None  # ANONYMOUS, CONFIDENTIAL or None (see `protection()`)

    @property
    def protected(self) -> bool:
        return self.protection is not None


@dataclass(frozen=True)
class Page:
    rows: list[Found]
    total: int
    page: int
    pages: int


@dataclass(frozen=True)
class Entry:
    """One line of a transcript: `direction` is "in" (citizen) or "out" (Loket or an officer)."""

    direction: str
    at: datetime
    body: str
    profile_name: str | None = None
    media_types: tuple[str, ...] = ()
    status: str | None = None
    error_code: str | None = None
    kind: str | None = None
    id: int = 0


def number_digits(text: str) -> str | None:
    """The digits to look for when `text` is a phone number (0812… is searched as 62812…)."""
    if not _NUMBER.match(text):
        return None
    digits = re.sub(r"\D", "", text)
    if len(digits) < 3:
        return None
    return "62" + digits[1:] if digits.startswith("0") else digits


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped.lower()}%"


def _text_clause(text: str) -> ColumnElement[bool]:
    digits = number_digits(text)
    if digits is not None:
        return Conversation.phone.contains(digits, autoescape=True)
    user_id = bsuid(text)
    if user_id is not None:  # a WhatsApp user ID, as the conversation began or as it was linked later
        return or_(Conversation.phone == user_id, Conversation.bsuid == user_id)
    pattern = _like(text)
    named = exists().where(InboundMessage.conversation_id == Conversation.id,
                           func.lower(InboundMessage.profile_name).like(pattern, escape="\\"))
    key = text.strip().upper()
    # A visit code or a ticket finds the conversation of the number behind it. Not for confidential
    # or anonymous complaints: that would tie the reporter's number to the ticket for every role.
    visit = exists().where(Visit.code == key, Visit.office == Conversation.office,
                           Visit.citizen_phone == Conversation.phone)
    ticket = exists().where(Complaint.ticket == key, Complaint.office == Conversation.office,
                            Complaint.phone == Conversation.phone, Complaint.confidential.is_(False),
                            Complaint.anonymous.is_(False))
    return or_(func.lower(Conversation.profile_name).like(pattern, escape="\\"), named, visit, ticket)


def _complaint_of_conversation():
    """Complaints filed from this conversation: by its id, or by its number (or WhatsApp user ID) in its office."""
    return and_(Complaint.office == Conversation.office,
                or_(Complaint.conversation_id == Conversation.id, Complaint.phone == Conversation.phone,
                    and_(Conversation.bsuid.is_not(None), Complaint.phone == Conversation.bsuid)))


def protected_clause() -> ColumnElement[bool]:
    """The conversation carries a confidential or anonymous complaint."""
    return exists().where(_complaint_of_conversation(),
                          or_(Complaint.confidential.is_(True), Complaint.anonymous.is_(True)))


def anonymous_clause() -> ColumnElement[bool]:
    """The conversation carries an anonymous complaint: its number and name are for nobody."""
    return exists().where(_complaint_of_conversation(), Complaint.anonymous.is_(True))


def protection(session: Session, conversation: Conversation) -> str | None:
    """ANONYMOUS when the conversation carries an anonymous complaint, else CONFIDENTIAL when it carries
    a confidential one, else None."""
    flags = session.execute(select(Complaint.anonymous, Complaint.confidential).where(
        Complaint.office == conversation.office,
        or_(Complaint.conversation_id == conversation.id, Complaint.phone == conversation.phone,
            *([Complaint.phone == conversation.bsuid] if conversation.bsuid else [])),
        or_(Complaint.confidential.is_(True), Complaint.anonymous.is_(True)))).all()
    if any(anonymous for anonymous, _ in flags):
        return ANONYMOUS
    return CONFIDENTIAL if flags else None


def _bounds(office: Office, first: date | None, last: date | None) -> tuple[datetime | None, datetime | None]:
    """[start, end) in UTC for office-local calendar days."""
    start = datetime.combine(first, time(), office.zone) if first else None
    end = datetime.combine(last + timedelta(days=1), time(), office.zone) if last else None
    return (start.astimezone(UTC) if start else None, end.astimezone(UTC) if end else None)


def _between(column, start: datetime | None, end: datetime | None) -> list[ColumnElement[bool]]:
    clauses = []
    if start is not None:
        clauses.append(column >= start)
    if end is not None:
        clauses.append(column < end)
    return clauses


def _date_clause(offices: Sequence[Office], first: date | None, last: date | None) -> ColumnElement[bool]:
    """A message in either direction on those days, each office counted in its own time zone."""
    per_office = []
    for office in offices:
        start, end = _bounds(office, first, last)
        inbound = exists().where(InboundMessage.conversation_id == Conversation.id,
                                 *_between(InboundMessage.received_at, start, end))
        outbound = exists().where(OutboundMessage.conversation_id == Conversation.id,
                                  *_between(OutboundMessage.created_at, start, end))
        per_office.append(and_(Conversation.office == office.slug, or_(inbound, outbound)))
    return or_(*per_office) if per_office else false()


def search(session: Session, offices: Sequence[Office], query: Query, per_page: int = PER_PAGE, *,
           sees_protected: bool = False) -> Page:
    """Conversations of `offices` matching the query, most recently active first. Without
    `sees_protected` (complaint handlers only), a number or a name never finds a protected conversation:
    finding it would tie that number or name to a confidential report."""
    conditions: list[ColumnElement[bool]] = [Conversation.office.in_([o.slug for o in offices])]
    if query.text:
        conditions.append(_text_clause(query.text))
        # An anonymous reporter is found by nobody's search; a confidential one by complaint handlers only.
        conditions.append(~(protected_clause() if not sees_protected else anonymous_clause()))
    if query.date_from or query.date_to:
        conditions.append(_date_clause(offices, query.date_from, query.date_to))
    total = session.scalar(select(func.count()).select_from(Conversation).where(*conditions)) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(1, query.page), pages)
    count = (select(func.count()).select_from(InboundMessage)
             .where(InboundMessage.conversation_id == Conversation.id).scalar_subquery())
    stmt = (select(Conversation, count, protected_clause(), anonymous_clause()).where(*conditions)
            .order_by(Conversation.updated_at.desc(), Conversation.id.desc())
            .limit(per_page).offset((page - 1) * per_page))
    rows = [Found(conversation, messages or 0, ANONYMOUS if anonymous else CONFIDENTIAL if protected else None)
            for conversation, messages, protected, anonymous in session.execute(stmt)]
    return Page(rows=rows, total=total, page=page, pages=pages)


def entries(session: Session, conversation: Conversation, since: datetime | None = None,
            until: datetime | None = None) -> list[Entry]:
    """Every message of the conversation, oldest first; a reply follows the message it answers.
    `since`/`until` keep only the messages of that span (e.g. one handoff to an officer)."""
    inbound = session.scalars(select(InboundMessage).where(
        InboundMessage.conversation_id == conversation.id, *_between(InboundMessage.received_at, since, until)))
    outbound = session.scalars(select(OutboundMessage).where(
        OutboundMessage.conversation_id == conversation.id, *_between(OutboundMessage.created_at, since, until)))
    keyed = []
    received = {}
    for m in inbound:
        received[m.id] = as_utc(m.received_at)
        entry = Entry("in", received[m.id], m.body or "", m.profile_name,
                      tuple(item.get("content_type", "") for item in (m.media or ())), id=m.id)
        keyed.append(((entry.at, m.id, 0, m.id), entry))
    for m in outbound:
        entry = Entry("out", as_utc(m.created_at), m.body or "", status=m.status, error_code=m.error_code,
                      kind=m.kind, id=m.id)
        # A reply sits right under the message it answers, whatever the clocks said.
        anchor = m.in_reply_to_id if m.in_reply_to_id in received else None
        key = (received[anchor], anchor, 1, m.id) if anchor is not None else (entry.at, 0, 1, m.id)
        keyed.append((key, entry))
    keyed.sort(key=lambda pair: pair[0])
    return [entry for _, entry in keyed]
