"""RQ job to offer the survey from other jobs (e.g. after a visit's check-out). Safe to run twice."""

from __future__ import annotations

from sqlalchemy import select

from bot import runtime
from bot.models import Conversation
from bot.survey.service import offer_survey


def offer(office_slug: str, phone: str, event_kind: str, event_ref: str) -> int | None:
    """Invite `phone` once for this event, in the language of their conversation; returns the invitation id."""
    rt = runtime.current()
    office = rt.offices.get(office_slug)
    if office is None:
        raise ValueError(f"unknown office {office_slug!r}")
    with rt.db.session() as session:
        conv = session.scalar(select(Conversation).where(Conversation.office == office_slug,
                                                         Conversation.phone == phone))
        invitation = offer_survey(session, rt.outbox, office, phone=phone, event_kind=event_kind,
                                  event_ref=event_ref, lang=conv.lang if conv else "id", msgs=rt.messages,
                                  conversation_id=conv.id if conv else None, config=rt.config)
        session.commit()
    if invitation is None:
        return None
    rt.outbox.enqueue(invitation.notice_ids)
    return invitation.id
