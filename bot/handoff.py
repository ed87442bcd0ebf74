"""Handoff to a human officer: requested from WhatsApp, taken, answered and released from the dashboard.

While a conversation is handed off the bot stays quiet (the officer answers); the citizen can type
"menu" to come back to the bot. Officer replies go through the outbox like every other message,
so WhatsApp's 24-hour window applies (outside it the row is held with its reason).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.clock import now
from bot.conversation import HOME
from bot.conversation import Conversation as ConversationState
from bot.effects import EffectContext
from bot.i18n import DEFAULT_LANGUAGE
from bot.models import Conversation
from bot.models.handoff import CLOSED, TAKEN, WAITING, Handoff
from bot.offices import Office
from bot.whatsapp.resolver import resolve
from bot.workdays import Calendar
from flows.base import Effect

logger = logging.getLogger(__name__)

# A citizen writing while waiting for an officer is reassured at most this often.
ACK_EVERY = timedelta(minutes=3)
# flows/handoff.py's waiting step, named here because the flow imports this module, not the reverse.
WAITING_STEP = "handoff:waiting"
# Outbox kind and config/templates.yaml entry of the invitation sent once the 24-hour window has closed.
FOLLOW_UP_KIND = "officer_followup"


class HandoffError(Exception):
    """An officer action that does not apply (already taken by someone else, already closed)."""


class NoTemplate(HandoffError):
    """No approved WhatsApp template for this message: it could not be delivered, so it is not queued."""


def next_opening(office: Office, moment: datetime, calendar: Calendar | None = None) -> datetime | None:
    """When the office next opens (now if open), skipping weekends, holidays and, given the office's
    `calendar` (bot/workdays.py `office_calendar`), its own days off; None if never."""
    calendar = calendar or Calendar.for_office(office)
    local = office.local(moment)
    for offset in range(0, 60):
        day = local.date() + timedelta(days=offset)
        if not calendar.is_workday(day):
            continue
        for opens, closes in office.spans(day):  # a break in the day: back when it ends
            start = datetime.combine(day, opens, tzinfo=office.zone)
            end = datetime.combine(day, closes, tzinfo=office.zone)
            if local < end:
                return max(start, local)
    return None


def open_request(session, conversation_id: int) -> Handoff | None:
    return session.scalar(select(Handoff).where(Handoff.conversation_id == conversation_id,
                                                Handoff.status != CLOSED).order_by(Handoff.id.desc()))


# -- effects the conversation asks for ------------------------------------------------------------
@dataclass(frozen=True)
class RequestHandoff(Effect):
    """The citizen asked for an officer (or the bot could not help): a request joins the inbox."""

    reason: str


@dataclass(frozen=True)
class AcknowledgeWaiting(Effect):
    """The waiting citizen was reassured: note when, so it is not repeated every message."""


@dataclass(frozen=True)
class CloseHandoff(Effect):
    """The citizen went back to the bot ("menu"): the request is closed."""


def _request(effect: RequestHandoff, ctx: EffectContext) -> None:
    if open_request(ctx.session, ctx.conversation.id) is None:
        ctx.session.add(Handoff(office=ctx.office.slug, conversation_id=ctx.conversation.id,
                                phone=ctx.conversation.phone, reason=effect.reason, status=WAITING,
                                requested_at=now(), last_ack_at=now()))


def _ack(effect: AcknowledgeWaiting, ctx: EffectContext) -> None:
    request = open_request(ctx.session, ctx.conversation.id)
    if request is not None:
        request.last_ack_at = now()


def _close(effect: CloseHandoff, ctx: EffectContext) -> None:
    request = open_request(ctx.session, ctx.conversation.id)
    if request is not None:
        request.status, request.closed_at, request.closed_note = CLOSED, now(), "citizen returned to the bot"


HANDLERS = {RequestHandoff: _request, AcknowledgeWaiting: _ack, CloseHandoff: _close}


# -- officer actions (called by the dashboard) ---------------------------------------------------
def take(rt, handoff_id: int, officer: str) -> Handoff:
    with rt.db.session() as session:
        request = session.get(Handoff, handoff_id)
        if request is None or request.status == CLOSED:
            raise HandoffError("this conversation is no longer waiting")
        if request.status == TAKEN and request.taken_by != officer:
            raise HandoffError(f"already taken by {request.taken_by}")
        request.status, request.taken_by, request.taken_at = TAKEN, officer, now()
        session.commit()
        return request


def reply(rt, handoff_id: int, officer: str, text: str) -> list[int]:
    """Queue an officer's message to the citizen through the outbox; returns the outbox ids."""
    text = text.strip()
    if not text:
        raise HandoffError("empty message")
    with rt.db.session() as session:
        request = session.get(Handoff, handoff_id)
        if request is None or request.status != TAKEN or request.taken_by != officer:
            raise HandoffError("take the conversation before replying")
        conversation = session.get(Conversation, request.conversation_id)
        rows = rt.outbox.record_notice(session, office=rt.offices.get(request.office), to=request.phone, body=text,
                                       kind="officer_reply", conversation_id=conversation.id)
        session.commit()
        ids = [r.id for r in rows]
    rt.outbox.enqueue(ids)
    return ids


def follow_up_template(rt, office: Office, lang: str = DEFAULT_LANGUAGE) -> tuple[str | None, dict[str, str] | None]:
    """The approved officer_followup template (the office's own, else Loket's) and its variables."""
    with rt.db.session() as session:
        resolution = resolve(session, FOLLOW_UP_KIND, lang, config=rt.config)
    return resolution.content_sid, resolution.variables({"office": office.name})


@contextmanager
def _conversation(rt, office: Office, request: Handoff) -> Iterator[tuple[Session, Conversation, ConversationState]]:
    """The citizen's conversation under its lock, for an officer's action that moves it: the caller
    changes the state and records its notice; both are committed together, then Redis follows."""
    with rt.store.lock(office.slug, request.phone), rt.db.session() as session:
        record = session.get(Conversation, request.conversation_id)
        state = rt.store.load(office.slug, request.phone, record.state if record.version else None)
        yield session, record, state
        state.version = max(state.version, record.version) + 1
        record.state, record.version = state.to_dict(), state.version
        session.commit()
        rt.store.save(ConversationState.from_dict(state.to_dict()))


def follow_up(rt, handoff_id: int, officer: str) -> list[int]:
    """Outside WhatsApp's 24-hour window an officer may only send an approved template: this one asks
    the citizen to write back, which reopens the window. The conversation waits for the officer
    again, so that the citizen's answer reaches the inbox rather than the bot's menu."""
    with rt.db.session() as session:
        request = session.get(Handoff, handoff_id)
        if request is None or request.status != TAKEN or request.taken_by != officer:
            raise HandoffError("take the conversation before replying")
        office = rt.offices.get(request.office)
    with _conversation(rt, office, request) as (session, record, state):
        content_sid, variables = follow_up_template(rt, office, state.lang)
        if content_sid is None:
            raise NoTemplate(f"no approved template for {FOLLOW_UP_KIND}")
        state.move_to(WAITING_STEP)
        text = rt.messages.text(state.lang, "handoff.follow_up", office=office.name)
        ids = [r.id for r in rt.outbox.record_notice(
            session, office=office, to=request.phone, body=text, kind=FOLLOW_UP_KIND, conversation_id=record.id,
            content_sid=content_sid, content_variables=variables)]
    rt.outbox.enqueue(ids)
    return ids


def release(rt, handoff_id: int, officer: str) -> None:
    """Close the handoff, put the citizen back where they were before asking (or at the menu), and
    tell them so."""
    with rt.db.session() as session:
        request = session.get(Handoff, handoff_id)
        if request is None or request.status == CLOSED:
            raise HandoffError("already closed")
        office = rt.offices.get(request.office)
    with _conversation(rt, office, request) as (session, record, state):
        resumed = False
        if state.step.startswith("handoff:"):
            # Back to what the citizen was doing before asking for an officer, with what they had
            # filled in; from the menu, the menu.
            resumed = state.go_back() and state.step != HOME
            if not resumed:
                state.reset()
        closing = session.get(Handoff, handoff_id)
        closing.status, closing.closed_at, closing.closed_note = CLOSED, now(), f"released by {officer}"
        text = rt.messages.text(state.lang, "handoff.released_resume" if resumed else "handoff.released")
        ids = [r.id for r in rt.outbox.record_notice(session, office=office, to=request.phone, body=text,
                                                     kind="officer_reply", conversation_id=record.id)]
    rt.outbox.enqueue(ids)


def waiting(rt, office: str | None = None) -> list[Handoff]:
    """The inbox: open handoffs, oldest first (an office's, or every office's)."""
    with rt.db.session() as session:
        query = select(Handoff).where(Handoff.status != CLOSED).order_by(Handoff.requested_at)
        if office:
            query = query.where(Handoff.office == office)
        return list(session.scalars(query))
